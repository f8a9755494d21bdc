"""Email (magic link) sign-in end to end: request a link, read it from the inbox the target mails to, use it.

They need an email provider on the target (a `GET providers` entry of type `email`: Auth.js's Email or
Nodemailer provider) and the inbox it sends to: `--smtp URL` (the mocks' `/_inbox` API) or `--mock-idp` (whose
`/_inbox` is used). Each check signs in a fresh address of its own (`conformance.<label>.<hex>@example.com`),
so they run in any order and in parallel. Expiry (EMAIL-003) cannot be forced from outside: the check waits the
lifetime out when `--email-max-age` names one of 60 s or less (the interop app sets its provider's `maxAge`
from the environment for this), and is not applicable otherwise.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from harness.checks._common import expect, same_origin
from harness.checks.flow_csrf import merged
from harness.client import Exchange
from harness.context import CheckContext
from harness.findings import NotApplicable, Severity
from harness.inbox import Inbox, InboxUnavailable, Mail
from harness.registry import check
from harness.sessions import fresh_jar, session_user

EVIL = "https://evil.example/email-landing"
FOREIGN_ORIGIN = "https://evil.example"
MAX_WAIT_SECONDS = 60.0
EXPIRY_MARGIN = 1.0
"""Seconds past its lifetime before a link must be refused: a target may keep its expiry to the whole second."""
FIRST_LOOK = 0.1
"""EMAIL-003 tries the first of two links this soon after its lifetime: a target that keeps expiry to the
millisecond (Auth.js's Date, the reference server) refuses it then and the check ends almost a second sooner; where
it still signs in, the second link is judged after the full `EXPIRY_MARGIN`."""
MAX_HOPS = 5
FAMILY = "email"
CALLBACK_URL_CASES = ("mailed", "tampered")


def email_provider(ctx: CheckContext) -> str:
    """The id of the target's email provider (`email`, `nodemailer`, ...), or N/A."""
    for key, entry in ctx.providers().items():
        if isinstance(entry, dict) and entry.get("type") == "email":
            return str(entry.get("id") or key)
    raise NotApplicable("the target configures no email provider (GET providers lists none of type email)")


def inbox(ctx: CheckContext) -> Inbox:
    url = ctx.inputs.inbox_url
    if not url:
        raise NotApplicable("no mail inbox known for this target: pass --smtp URL (the mocks' /_inbox) or --mock-idp")
    return Inbox(url, ctx.client.timeout)


def fresh_address(label: str) -> str:
    return f"conformance.{label}.{secrets.token_hex(4)}@example.com"


@dataclass
class LinkRequest:
    """One POST signin/{email provider} and what it mailed."""

    provider: str
    address: str
    exchange: Exchange
    jar: dict[str, str]
    mails: list[Mail]

    @property
    def link(self) -> str | None:
        return self.mails[-1].link_to(f"/callback/{self.provider}") if self.mails else None

    def token(self) -> str:
        value = dict(parse_qsl(urlsplit(self.link or "").query)).get("token")
        if not value:
            raise NotApplicable(f"the mailed link carries no token parameter: {self.link}")
        return value


def request_link(
    ctx: CheckContext, address: str, *, callback_url: str | None = None, csrf: bool = True, expect_mails: int = 1
) -> LinkRequest:
    """POST signin/{provider} for `address` from a fresh cookie jar and read the inbox: once `expect_mails` mails
    reached the address (a few seconds at most), or what came by then. With `csrf` False the POST is what a
    cross-site form sends: no csrfToken and a foreign Origin (the guard of targets that leave CSRF to the framework)."""
    provider, box = email_provider(ctx), inbox(ctx)
    token, jar = fresh_jar(ctx)
    form = {"email": address, **({"csrfToken": token} if csrf else {})}
    if callback_url is not None:
        form["callbackUrl"] = callback_url
    headers = {} if csrf else {"Origin": FOREIGN_ORIGIN}
    exchange = ctx.client.action(f"signin/{provider}", method="POST", form=form, cookies=jar, headers=headers)
    try:
        mails = box.wait_for(address.strip().lower(), expect_mails, seconds=5.0 if csrf else 0.0)
    except InboxUnavailable as exc:
        raise NotApplicable(str(exc)) from None
    if csrf and not mails and "error=AccessDenied" in (exchange.location or ""):
        raise NotApplicable(
            f"the target refused the new address {address} (AccessDenied: its signIn callback admits known users "
            "only); the email checks sign in fresh addresses"
        )
    return LinkRequest(provider, address, exchange, merged(jar, exchange), mails)


def sent_link(ctx: CheckContext, label: str, **options: Any) -> tuple[LinkRequest, str]:
    """A request whose link arrived; N/A otherwise (EMAIL-001 judges a missing link)."""
    request = request_link(ctx, fresh_address(label), **options)
    if request.link is None:
        raise NotApplicable(
            f"no sign-in link reached the inbox for {request.address} (POST answered {request.exchange.status}); "
            "EMAIL-001 judges that"
        )
    return request, request.link


def follow(ctx: CheckContext, link: str, jar: dict[str, str] | None = None) -> Exchange:
    """GET `link` on the target: a link naming another origin (the app's AUTH_URL behind a proxy) is sent to the
    origin under test with the same path and query, since that is the deployment being judged."""
    if not same_origin(link, ctx.origin):
        parts = urlsplit(link)
        link = ctx.origin + urlunsplit(("", "", parts.path, parts.query, ""))
    return ctx.client.request("GET", link, cookies=jar or {})


def with_query(link: str, **changes: str) -> str:
    parts = urlsplit(link)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def use_link(ctx: CheckContext, request: LinkRequest, link: str) -> tuple[Exchange, dict[str, Any] | None]:
    """Open `link` in the requesting jar; the exchange and the session user it left (None: no session)."""
    exchange = follow(ctx, link, request.jar)
    _, user = session_user(ctx, merged(request.jar, exchange))
    return exchange, user


def first_use_signs_in(ctx: CheckContext, request: LinkRequest, link: str) -> None:
    """A refused second use shows something only if the first use signed in."""
    _, user = use_link(ctx, request, link)
    if user is None:
        raise NotApplicable(
            "the emailed link did not sign the user in at all, so a refusal shows nothing; see EMAIL-001"
        )


def require_working_links(ctx: CheckContext) -> None:
    """A refusal shows something only on a target whose links sign in at all: one fresh link is used (once per run
    and worker); N/A otherwise."""

    def links_work() -> bool:
        request = request_link(ctx, fresh_address("works"))
        return request.link is not None and use_link(ctx, request, request.link)[1] is not None

    if not ctx.once("email_links_work", links_work):
        raise NotApplicable("the target's emailed links sign no one in, so a refusal shows nothing; see EMAIL-001")


def session_after(ctx: CheckContext, link: str) -> tuple[Exchange, dict[str, Any] | None]:
    """Open `link` in a fresh jar: the exchange and the session user it left (None: no session)."""
    exchange = follow(ctx, link)
    return exchange, session_user(ctx, merged({}, exchange))[1]


def expect_no_session(ctx: CheckContext, link: str, what: str) -> None:
    """Opening `link` in a fresh jar must leave no session."""
    exchange, user = session_after(ctx, link)
    expect(
        user is None,
        f"{what} signed a user in",
        expected="no session (Auth.js: 302 to error?error=Verification)",
        exchange=exchange,
        received={"Location": exchange.location, "session user": user},
    )


@check(
    "EMAIL-001",
    title="POST signin/{email provider} mails a link that signs the address in",
    clause="AUTHJS-email-link",
    severity=Severity.HIGH,
    family=FAMILY,
    action="signin",
)
def link_signs_in(ctx: CheckContext) -> str:
    request = request_link(ctx, fresh_address("signin"))
    expect(
        request.link is not None,
        f"no sign-in link for {request.address} reached the inbox {ctx.inputs.inbox_url}",
        expected=f"a mail to {request.address} with a link to callback/{request.provider}",
        exchange=request.exchange,
        received={
            "status": request.exchange.status,
            "Location": request.exchange.location,
            "mails": len(request.mails),
        },
    )
    assert request.link is not None
    exchange, user = use_link(ctx, request, request.link)
    email = str((user or {}).get("email") or "")
    expect(
        email.lower() == request.address,
        "the emailed link did not sign its address in",
        expected=f"a session for {request.address}",
        exchange=exchange,
        received={"Location": exchange.location, "session user": user},
    )
    return f"signed in {request.address} through callback/{request.provider}"


@check(
    "EMAIL-002",
    title="An emailed link signs in once: a second use is refused",
    clause="AUTHJS-email-token-once",
    severity=Severity.CRITICAL,
    family=FAMILY,
    action="callback-email",
    tags=("security",),
)
def link_works_once(ctx: CheckContext) -> None:
    request, link = sent_link(ctx, "once")
    first_use_signs_in(ctx, request, link)
    expect_no_session(ctx, link, "the emailed link, used a second time,")


@check(
    "EMAIL-003",
    title="An expired emailed link is refused",
    clause="AUTHJS-email-token-expiry",
    severity=Severity.HIGH,
    family=FAMILY,
    action="callback-email",
    tags=("security",),
)
def expired_link_refused(ctx: CheckContext) -> str:
    max_age = ctx.inputs.email_max_age
    if max_age is None or max_age > MAX_WAIT_SECONDS:
        raise NotApplicable(
            "an expired link cannot be made from outside: pass --email-max-age with the target's provider maxAge "
            f"(at most {MAX_WAIT_SECONDS:.0f} s; Auth.js's default is a day) and the check waits it out"
        )
    require_working_links(ctx)
    early, late = timed_link(ctx), timed_link(ctx)
    sleep_until(early[1] + max_age + FIRST_LOOK)
    if session_after(ctx, early[0])[1] is None:
        return f"refused {max_age + FIRST_LOOK:g} s after it was sent"
    sleep_until(late[1] + max_age + EXPIRY_MARGIN)
    used = f"used {max_age + EXPIRY_MARGIN:g} s after it was sent ({max_age:g} s max age)"
    expect_no_session(ctx, late[0], f"the emailed link, {used},")
    young = f"a link {max_age + FIRST_LOOK:g} s old still signed in"
    return f"refused {max_age + EXPIRY_MARGIN:g} s after it was sent ({young})"


def timed_link(ctx: CheckContext) -> tuple[str, float]:
    """A sent link and the monotonic time its mail was read (after the target stamped its expiry)."""
    _, link = sent_link(ctx, "expiry")
    return link, time.monotonic()


def sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))


@check(
    "EMAIL-004",
    title="An emailed link's token signs in no other address",
    clause="AUTHJS-email-token-identifier",
    severity=Severity.CRITICAL,
    family=FAMILY,
    action="callback-email",
    tags=("security",),
)
def token_bound_to_address(ctx: CheckContext) -> None:
    require_working_links(ctx)
    _, link = sent_link(ctx, "owner")
    victim = fresh_address("victim")
    expect_no_session(ctx, with_query(link, email=victim), f"the link mailed to one address, with email={victim},")


def _offsite(value: str | None, origin: str) -> bool:
    return bool(value) and not same_origin(str(value), origin)


@check(
    "EMAIL-005",
    title="The callbackUrl carried through an emailed link cannot lead offsite",
    clause="AUTHJS-email-callback-url",
    severity=Severity.HIGH,
    family=FAMILY,
    action="callback-email",
    params=CALLBACK_URL_CASES,
    tags=("security",),
)
def callback_url_stays_home(ctx: CheckContext, case: str) -> None:
    if case == "mailed":
        request, link = sent_link(ctx, "redirect", callback_url=EVIL)
        mailed = dict(parse_qsl(urlsplit(link).query)).get("callbackUrl")
        expect(
            not _offsite(mailed, ctx.origin),
            f"the sign-in request's callbackUrl {EVIL} was mailed in the link as it was",
            expected=f"a callbackUrl on {ctx.origin} (the redirect callback's base URL)",
            exchange=request.exchange,
            received={"link": link},
        )
    else:
        request, link = sent_link(ctx, "redirect")
        link = with_query(link, callbackUrl=EVIL)
    exchange = follow(ctx, link, request.jar)
    expect(
        not _offsite(exchange.location, ctx.origin),
        f"the emailed link ({case} callbackUrl {EVIL}) redirected offsite",
        expected=f"a Location on {ctx.origin}",
        exchange=exchange,
        received={"Location": exchange.location},
    )


@check(
    "EMAIL-006",
    title="POST signin/{email provider} from another site (no csrfToken, a foreign Origin) sends no mail",
    clause="AUTHJS-email-csrf",
    severity=Severity.HIGH,
    family=FAMILY,
    action="signin",
    tags=("security",),
)
def no_csrf_no_mail(ctx: CheckContext) -> None:
    refused = request_link(ctx, fresh_address("nocsrf"), csrf=False)
    # A mail sent later (an app that queues) arrives before the one of a request made after it: wait for that.
    request_link(ctx, fresh_address("barrier"))
    mails = inbox(ctx).mails(refused.address)
    expect(
        not mails,
        f"POST signin/{refused.provider} without a csrfToken mailed a sign-in link to {refused.address}",
        expected="no mail (Auth.js: MissingCSRF, 302 to signin?error=MissingCSRF)",
        exchange=refused.exchange,
        received={"mails": len(mails), "links": list(mails[-1].links) if mails else []},
    )


@check(
    "EMAIL-007",
    title="The verify-request redirect and page carry no token",
    clause="AUTHJS-email-token-secrecy",
    severity=Severity.HIGH,
    family=FAMILY,
    action="verify-request",
    tags=("security",),
)
def verify_request_leaks_nothing(ctx: CheckContext) -> None:
    request, _ = sent_link(ctx, "verify")
    token = request.token()
    location = request.exchange.location or ""
    expect(
        token not in location,
        "the redirect after POST signin carries the emailed token",
        expected="verify-request?provider=...&type=email, no token",
        exchange=request.exchange,
        received={"Location": location},
    )
    if location and same_origin(location, ctx.origin):
        page = ctx.client.request("GET", urljoin(ctx.origin + "/", location), cookies=request.jar)
        expect(
            token not in page.text and token not in (page.location or ""),
            "the verify-request page shows the emailed token",
            expected="a page that only says a link was sent",
            exchange=page,
            received={"status": page.status, "Location": page.location, "token found in": "body or Location"},
        )


@check(
    "EMAIL-008",
    title="No redirect after an emailed link is used carries its token",
    clause="AUTHJS-email-token-secrecy",
    severity=Severity.MEDIUM,
    family=FAMILY,
    action="callback-email",
    tags=("security",),
)
def token_not_in_later_redirects(ctx: CheckContext) -> None:
    request, link = sent_link(ctx, "redirects")
    token = request.token()
    jar, url, seen = dict(request.jar), link, []
    for _ in range(MAX_HOPS):
        exchange = follow(ctx, url, jar)
        jar = merged(jar, exchange)
        location = exchange.location
        if not location:
            break
        seen.append(location)
        expect(
            token not in location,
            "a redirect after the emailed link was used carries its token (it reaches logs, history and Referer)",
            expected="Locations without the token",
            exchange=exchange,
            received={"Locations": seen},
        )
        url = urljoin(url, location)
        if not same_origin(url, ctx.origin):
            break


@check(
    "EMAIL-009",
    title="Case and space variants of an address sign in one account",
    clause="AUTHJS-email-normalize",
    severity=Severity.MEDIUM,
    family=FAMILY,
    action="signin",
)
def address_variants_one_account(ctx: CheckContext) -> None:
    canonical = fresh_address("case")
    first = request_link(ctx, canonical)
    link = first.link
    if link is None:
        raise NotApplicable(f"no sign-in link reached the inbox for {canonical}; EMAIL-001 judges that")
    _, user = use_link(ctx, first, link)
    if user is None:
        raise NotApplicable("the emailed link did not sign the user in; EMAIL-001 judges that")
    variant = f"  {canonical.upper()} "
    second = request_link(ctx, variant, expect_mails=2)
    expect(
        len(second.mails) >= 2 and second.link is not None,
        f"no sign-in link for the address typed as {variant!r}",
        expected=f"a link mailed to {canonical}",
        exchange=second.exchange,
        received={"status": second.exchange.status, "Location": second.exchange.location},
    )
    assert second.link is not None
    exchange, other = use_link(ctx, second, second.link)
    same = (
        other is not None
        and str(other.get("email", "")) == str(user.get("email", ""))
        and other.get("id") == user.get("id")
    )
    expect(
        same,
        f"{variant!r} and {canonical!r} signed in different accounts",
        expected={"email": user.get("email"), "id": user.get("id")},
        exchange=exchange,
        received={"session user": other},
    )


@check(
    "EMAIL-010",
    title="An address with a comma-separated second recipient mails no one else",
    clause="GHSA-xv97-c62v-4587",
    severity=Severity.HIGH,
    family=FAMILY,
    action="signin",
    tags=("security",),
)
def no_second_recipient(ctx: CheckContext) -> None:
    owner, smuggled = fresh_address("owner"), fresh_address("smuggled")
    request = request_link(ctx, f"{owner},{smuggled}", expect_mails=0)
    request_link(ctx, fresh_address("barrier"))  # mail queued after the first request arrives after it
    mails = inbox(ctx).mails(smuggled)
    expect(
        not mails,
        f"the sign-in request for {owner!r},{smuggled!r} mailed a sign-in link to {smuggled} too",
        expected=f"no mail to {smuggled} (Auth.js refuses the address or mails {owner} alone)",
        exchange=request.exchange,
        received={"mails to the second address": len(mails), "links": list(mails[-1].links) if mails else []},
    )
