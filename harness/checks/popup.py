"""Browser checks of the documented popup callback page (Playwright + Chromium): one `oauth-callback` message to
the opener and an attempt to close, nothing for an opener on another origin, a readable page without an opener
(no opener at all, or one severed by Cross-Origin-Opener-Policy, with the fallback channel the page uses).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import spec
from harness.checks._browser import (
    FOREIGN_ORIGIN,
    SETTLE_MS,
    STEP_TIMEOUT_MS,
    PopupTarget,
    Probe,
    launch_popup,
    pause,
    popup_target,
)
from harness.checks._common import expect
from harness.context import CheckContext
from harness.findings import NotApplicable, Severity
from harness.registry import check

SECRET_KEYS = frozenset(
    {
        "accesstoken",
        "access_token",
        "refreshtoken",
        "refresh_token",
        "idtoken",
        "id_token",
        "code",
        "token",
        "sessiontoken",
        "session_token",
        "client_secret",
        "clientsecret",
    }
)
JWT_LIKE = re.compile(r"eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*")
POPUP_VARIANTS = ("error", "success")
LEAK_VARIANTS = ("error", "synthetic-code", "success")

# ----------------------------------------------------------------------------------------- judging


def leaked_secrets(value: Any, path: str = "") -> list[str]:
    """Paths of token/code-like keys and JWT-looking strings anywhere in a message."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if str(key).lower() in SECRET_KEYS and item not in (None, "", False):
                found.append(where)
            else:
                found += leaked_secrets(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += leaked_secrets(item, f"{path}[{index}]")
    elif isinstance(value, str) and JWT_LIKE.search(value):
        found.append(path or "(message)")
    return found


def callback_messages(probe: Probe, opener: Any) -> list[dict[str, Any]]:
    return [
        e.payload
        for e in probe.of("message", opener)
        if isinstance(e.payload.get("data"), dict) and e.payload["data"].get("type") == "oauth-callback"
    ]


def schema_errors(message: Any) -> list[str]:
    validator = spec.validator("OAuthCallbackMessage")
    return [f"{'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in validator.iter_errors(message)]


def judge_message(target: PopupTarget, message: dict[str, Any]) -> None:
    """The message matches the schema, the variant (success or error with a description) and the provider."""
    errors = schema_errors(message)
    expect(
        not errors,
        "the popup's message does not match OAuthCallbackMessage",
        expected="OAuthCallbackMessage",
        received={"message": message, "errors": errors},
    )
    wanted_success = target.variant == "success"
    if target.custom and wanted_success and message.get("success") is False:
        raise NotApplicable(
            f"the popup page did not accept the mock's code ({message.get('error')}: "
            f"{message.get('errorDescription')}); the code was minted for the target's {target.provider} client at "
            "the mock with the page as redirect_uri, without PKCE, with the --popup-url's state (else the harness's), "
            "so a page with its own client or state cannot redeem it (POPUP-002[success] still judges what it posts)"
        )
    expect(
        message.get("success") is wanted_success,
        f"the {target.variant} popup reported success={message.get('success')}",
        expected={"success": wanted_success},
        received=message,
    )
    if not wanted_success:
        expect(
            isinstance(message.get("errorDescription"), str),
            "the error message has no errorDescription",
            expected="error and errorDescription strings",
            received=message,
        )
    if not target.custom:
        expect(
            message.get("provider") == target.provider,
            "the message names another provider",
            expected={"provider": target.provider},
            received=message,
        )


# ------------------------------------------------------------------------------------------- checks


@check(
    "POPUP-001",
    title="Popup callback page posts one oauth-callback message to its opener and tries to close",
    clause="DOC-popup",
    severity=Severity.HIGH,
    family="browser",
    action="callback",
    params=POPUP_VARIANTS,
    tags=("browser",),
)
def popup_posts_and_closes(ctx: CheckContext, variant: str) -> None:
    target = popup_target(ctx, variant)
    with Probe(ctx) as probe:
        opener = probe.page_on(ctx.origin)
        popup = launch_popup(probe, opener, target)
        probe.pump(opener, lambda: bool(callback_messages(probe, opener)), SETTLE_MS * 3)
        probe.pump(opener, lambda: bool(probe.of("close", popup)), SETTLE_MS)
        probe.flush_messages(popup, opener)  # a second message posted before close() counts
        messages = callback_messages(probe, opener)
        expect(
            len(messages) == 1,
            "the opener did not receive exactly one oauth-callback message",
            expected="exactly one {type:'oauth-callback', ...} message",
            received={
                "oauth-callback messages": messages,
                "all messages": [e.payload for e in probe.of("message", opener)],
                "popup url": popup.url,
                "popup errors": [e.payload for e in probe.of("error", popup)],
            },
        )
        judge_message(target, messages[0]["data"])
        expect(
            probe.of("close", popup),
            "the popup page never called window.close()",
            expected="window.close() after posting",
            received={"popup url": popup.url},
        )


@check(
    "POPUP-002",
    title="Popup never hands tokens or codes to an opener on another origin",
    clause="HTML-postmessage",
    severity=Severity.CRITICAL,
    family="browser",
    action="callback",
    params=LEAK_VARIANTS,
    tags=("browser", "security"),
)
def popup_leaks_nothing_cross_origin(ctx: CheckContext, variant: str) -> None:
    with_foreign_opener(ctx, variant, judge_no_secrets)


def judge_no_secrets(messages: list[dict[str, Any]]) -> None:
    leaks = {i: leaked_secrets(m["data"]) for i, m in enumerate(messages)}
    leaks = {i: paths for i, paths in leaks.items() if paths}
    fields = sorted({path for paths in leaks.values() for path in paths})
    expect(
        not leaks,
        f"a page on {FOREIGN_ORIGIN} received the popup's tokens/codes ({', '.join(fields)}; targetOrigin '*')",
        expected="postMessage(message, <the app's origin>): nothing reaches another origin",
        received={"messages": messages, "secret fields": leaks},
    )


@check(
    "POPUP-003",
    title="Popup posts with the app's origin as targetOrigin, not '*'",
    clause="HTML-postmessage",
    severity=Severity.ADVISORY,
    family="browser",
    action="callback",
    tags=("browser",),
)
def popup_target_origin(ctx: CheckContext) -> None:
    with_foreign_opener(ctx, "error", judge_nothing_arrives)


def judge_nothing_arrives(messages: list[dict[str, Any]]) -> None:
    expect(
        not messages,
        f"a page on {FOREIGN_ORIGIN} received the popup's message: it posts with targetOrigin '*'",
        expected="postMessage(message, <the app's origin>)",
        received={"messages": messages},
    )


def with_foreign_opener(ctx: CheckContext, variant: str, judge: Callable[[list[dict[str, Any]]], None]) -> None:
    """Open the popup from a page on another origin and judge every message that still reaches that page
    (inside the probe, so a failure keeps its screenshot and trace). For `--popup-url` the `success` variant
    carries a real code the mock minted for the page and `synthetic-code` a made-up one: a page that redeems
    it and posts the tokens, or echoes the code, to `*` fails either way."""
    target = popup_target(ctx, variant)
    with Probe(ctx) as probe:
        opener = probe.page_on(FOREIGN_ORIGIN)
        popup = launch_popup(probe, opener, target)
        probe.pump(opener, lambda: bool(probe.of("close", popup)), SETTLE_MS * 2)
        probe.flush_messages(popup, opener)
        judge([e.payload for e in probe.of("message", opener)])


@check(
    "POPUP-004",
    title="Popup page opened without an opener does not throw and shows a readable fallback",
    clause="DOC-popup",
    severity=Severity.MEDIUM,
    family="browser",
    action="callback",
    tags=("browser",),
)
def popup_without_opener(ctx: CheckContext) -> None:
    """The page's script runs while it loads, but may throw later from a timer it set then (the reference page
    shows its fallback from a 100 ms timer); no event marks "no error will come", so the wait after load is a
    bounded `SETTLE_MS`, a few times such a timer (as in POPUP-005)."""
    target = popup_target(ctx, "error")
    with Probe(ctx) as probe:
        opener = probe.page_on(ctx.origin)
        popup = launch_popup(probe, opener, target, noopener=True)
        if popup.evaluate("window.opener !== null"):
            raise NotApplicable("this browser kept window.opener despite 'noopener'")
        pause(popup, SETTLE_MS)
        errors = [e.payload for e in probe.of("error", popup)]
        expect(
            not errors,
            "the popup page throws when it has no opener",
            expected="no uncaught error",
            received={"errors": errors, "popup url": popup.url},
        )
        text = visible_text(popup)
        expect(
            text,
            "the popup page shows no readable text without an opener",
            expected="a visible fallback such as 'You can close this window.'",
            received={"popup url": popup.url},
        )


@check(
    "POPUP-005",
    title="Popup page whose opener is severed by Cross-Origin-Opener-Policy does not throw and says how to continue",
    clause="HTML-coop",
    severity=Severity.MEDIUM,
    family="browser",
    action="callback",
    params=POPUP_VARIANTS,
    tags=("browser",),
)
def popup_under_coop(ctx: CheckContext, variant: str) -> str:
    """An opener served with `Cross-Origin-Opener-Policy: same-origin` (as apps that isolate themselves are):
    the popup loses `window.opener`, so postMessage cannot reach the app; the page must cope and the note
    reports the fallback channel it used (BroadcastChannel, localStorage, a navigation, none)."""
    target = popup_target(ctx, variant)
    with Probe(ctx) as probe:
        opener = probe.page_on(ctx.origin, "opener-coop")
        popup = launch_popup(probe, opener, target)
        documents = probe.of("document", popup)
        if not documents or documents[-1].payload.get("opener"):
            raise NotApplicable(
                "the browser kept window.opener despite COOP same-origin on the opener (COOP applies in secure "
                f"contexts only: https or localhost; the opener was on {ctx.origin})"
            )
        pause(popup, SETTLE_MS)
        with contextlib.suppress(Exception):  # a page that navigates away is judged where it lands
            popup.wait_for_load_state("load", timeout=STEP_TIMEOUT_MS)
        text = visible_text(popup)
        channel = fallback_channel(probe, popup, target, len(documents))
        errors = [e.payload for e in probe.of("error", popup)]
        expect(
            not errors,
            "the popup page throws when Cross-Origin-Opener-Policy severed its opener",
            expected="no uncaught error with window.opener null",
            received={"errors": errors, "popup url": popup.url, "fallback channel": channel},
        )
        expect(
            text,
            "the popup page shows no readable text when its opener is severed",
            expected="a visible way to continue, such as 'You can close this window.'",
            received={"popup url": popup.url, "fallback channel": channel},
        )
        return f"opener severed by COOP: no error; the page shows {text[:80]!r}; fallback channel: {channel}"


def fallback_channel(probe: Probe, popup: Any, target: PopupTarget, loaded: int) -> str:
    """How the page tells the app without an opener: BroadcastChannel posts and localStorage writes (the probe
    sees them), documents the popup loaded after the callback page, a server redirect away from the page."""
    found = [f"{e.payload['kind']} {e.payload['name']!r}" for e in probe.of("channel", popup)]
    documents = [str(e.payload["url"]) for e in probe.of("document", popup)]
    found += [f"navigation to {url}" for url in documents[loaded:]]
    if target.url and documents[:loaded] and not same_page(documents[loaded - 1], target.url):
        found.append(f"redirect to {documents[loaded - 1]}")
    return ", ".join(dict.fromkeys(found)) or "none (no BroadcastChannel post, no localStorage write, no navigation)"


def same_page(url: str, other: str) -> bool:
    return urlsplit(url)._replace(query="", fragment="") == urlsplit(other)._replace(query="", fragment="")


def visible_text(page: Any) -> str:
    try:
        page.wait_for_function("document.body && document.body.innerText.trim().length > 0", timeout=2_000)
    except Exception:  # noqa: BLE001 - no text within the bound is the finding
        return ""
    return " ".join(str(page.evaluate("document.body.innerText")).split())[:200]
