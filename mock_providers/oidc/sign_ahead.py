"""Sign ahead: the tokens a code will get, minted right after the 302 that carries the code has been sent.

A token response's signatures (two RSA-2048 ones at Keycloak) are most of the token endpoint's work, and all
they sign is known when the code is issued, except the clock, the site the token request comes through and a
fault that request may take. So the authorization endpoint has the tokens minted on the event loop once its
response is out (while the client reads the redirect and sends its token request), and the token endpoint uses
them only when nothing they depend on moved (`Prepared.usable`): no fault taken, the same site, the same second,
the same signing key and user; otherwise it mints as it always did. Prepared tokens live no longer than their
code and are bounded in number. On the loop, not in a worker thread: `cryptography` releases the GIL while it
signs, but on a busy 2-core machine the thread's hand-offs cost more than the overlap gave (benchmarks/LOG.md).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from .codes import AuthorizationCode, CodeStore
from .keys import SigningKey
from .site import Site
from .users import User

MAX_PREPARED = 256
"""Codes whose tokens are kept ready at once (the oldest are dropped first); one sign-in needs one."""


@dataclass(frozen=True)
class Minted:
    """A token response's tokens: what the token endpoint signs, ahead or not."""

    access: str
    id_token: str | None
    refresh: str | None


@dataclass(frozen=True)
class Prepared:
    """Tokens minted ahead, with everything they were minted from that can change before the token request."""

    minted: Minted
    site: Site
    second: int
    key: SigningKey
    user_state: str
    """The user's ``repr`` (every field, nested claims and roles included) when the tokens were minted."""

    def usable(self, site: Site, second: int, key: SigningKey, user: User) -> bool:
        """What the token endpoint would mint now is what was minted ahead (the random parts aside)."""
        return self.site == site and self.second == second and self.key is key and repr(user) == self.user_state


class SignAhead:
    """The codes whose tokens are being (or have been) minted ahead, oldest first."""

    def __init__(self, codes: CodeStore) -> None:
        self._codes = codes
        self._prepared: OrderedDict[str, tuple[AuthorizationCode, Future[Prepared | None]]] = OrderedDict()

    def schedule(self, code: AuthorizationCode, work: Callable[[], Prepared | None]) -> None:
        """Mint `code`'s tokens once the event loop has sent the current response (the 302); first drop
        what belongs to spent, expired or surplus codes. Outside an event loop nothing is minted ahead."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._sweep()
        future: Future[Prepared | None] = Future()
        self._prepared[code.value] = (code, future)
        # The 302 leaves at the end of the loop's next turn (one_write.py gathers a response's writes for it):
        # minting one turn later keeps the signatures out of its way.
        loop.call_soon(loop.call_soon, _run, future, work)

    def take(self, code_value: str) -> Future[Prepared | None] | None:
        """The minting scheduled for this code, once: a code is redeemed once."""
        entry = self._prepared.pop(code_value, None)
        return entry[1] if entry else None

    def pending(self, code_value: str) -> Future[Prepared | None] | None:
        """The minting scheduled for this code, left in place (for tests and diagnostics)."""
        entry = self._prepared.get(code_value)
        return entry[1] if entry else None

    def __len__(self) -> int:
        return len(self._prepared)

    def _sweep(self) -> None:
        prepared, oldest = self._prepared, time.monotonic() - self._codes.ttl_seconds
        while prepared:
            code, future = next(iter(prepared.values()))
            if not (code.used or code.issued_at < oldest or len(prepared) >= MAX_PREPARED):
                return
            prepared.popitem(last=False)
            future.cancel()

    def clear(self) -> None:
        """Drop everything (a reset of the control API, from any thread: the store is swapped, not iterated)."""
        dropped, self._prepared = self._prepared, OrderedDict()
        for _code, future in list(dropped.values()):
            future.cancel()


def _run(future: Future[Prepared | None], work: Callable[[], Prepared | None]) -> None:
    if not future.set_running_or_notify_cancel():
        return  # taken (or dropped) before its turn came
    try:
        future.set_result(work())
    except Exception as exc:  # the token endpoint mints again and meets (and reports) the same error itself
        future.set_exception(exc)


def outcome(future: Future[Prepared | None]) -> Prepared | None:
    """The tokens minted ahead; None when the minting failed, or has not had its turn yet (it never will)."""
    if future.cancelled() or (not future.done() and future.cancel()):
        return None
    return None if future.exception() is not None else future.result()
