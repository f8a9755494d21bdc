"""Deliberately broken targets: the reference app with its HTML rewritten on the way out.

Each breakage is one string replacement on the reference server's own page, so a failing check can only
be caused by the behaviour the replacement removes (targetOrigin, window.close, opener guard, csrf input).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tests.harness.mutator import Mutation, Mutator, Reply

Rewrite = Callable[[str], str]

POST_WITH_ORIGIN = "try { if (target) { target.postMessage(message, targetOrigin); } } catch (e) {}"
LEAK = (
    "message.data = {accessToken: 'ya29.leaked-access-token', refreshToken: '1//leaked-refresh', "
    "code: '4/leaked-code'}; if (target) { target.postMessage(message, '*'); }"
)
STAR_NO_SECRETS = "if (target) { target.postMessage(message, '*'); }"
THROW_WITHOUT_OPENER = "window.opener.postMessage(message, targetOrigin);"
CSRF_INPUT = re.compile(r'<input type="hidden" name="csrfToken" value="[^"]*"/>')


def replace(old: str, new: str) -> Rewrite:
    """Replace `old` with `new`; pages without the anchor pass through (redirects, other callback pages)."""

    def rewrite(html: str) -> str:
        if old in html:
            return html.replace(old, new)
        return html

    return rewrite


BREAKAGES: dict[str, tuple[str, Rewrite]] = {
    "leaks-token-to-star": ("/callback/", replace(POST_WITH_ORIGIN, LEAK)),
    "posts-to-star": ("/callback/", replace(POST_WITH_ORIGIN, STAR_NO_SECRETS)),
    "never-closes": ("/callback/", replace("window.close();", "")),
    "posts-twice": ("/callback/", replace(POST_WITH_ORIGIN, POST_WITH_ORIGIN + POST_WITH_ORIGIN)),
    "throws-without-opener": ("/callback/", replace(POST_WITH_ORIGIN, THROW_WITHOUT_OPENER)),
    "signin-without-csrf": ("/signin", lambda html: CSRF_INPUT.sub("", html)),
    "signout-without-csrf": ("/signout", lambda html: CSRF_INPUT.sub("", html)),
}


def html_rewrite(rewrite: Rewrite) -> Mutation:
    """A `Mutator` mutation that rewrites text/html bodies and leaves everything else alone."""

    def mutate(reply: Reply) -> None:
        if (reply.header("content-type") or "").startswith("text/html"):
            reply.body = rewrite(reply.body.decode("utf-8")).encode("utf-8")

    return mutate


def broken_app(app: Any, path_part: str, rewrite: Rewrite) -> Mutator:
    """`app` with `rewrite` applied to the HTML of every path that contains `path_part`."""
    return Mutator(app, path_part, html_rewrite(rewrite), contains=True)
