"""The account picker: one button per user, a Deny button, a free-text user form, stable ``data-testid``s.

The free-text form signs in as any email and name, with extra claims as JSON (as navikt/mock-oauth2-server
offers); the user is added to the directory, so userinfo and later sign-ins see the same claims. The page loads
nothing from another host. No Cross-Origin-Opener-Policy header is set, so popups keep their ``window.opener``.
"""

from __future__ import annotations

from html import escape

from starlette.responses import HTMLResponse

from .users import User

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}}
button{{display:block;width:100%;margin:.4rem 0;padding:.7rem;text-align:left;font-size:1rem;cursor:pointer}}
.hinted{{outline:3px solid #1a73e8}} small{{color:#555}}</style></head>
<body><h1>{title}</h1><p>Mock sign-in for <code>{client}</code>. Choose an account:</p>
<form method="post" action="{action}" data-testid="account-picker">
<input type="hidden" name="mock_request_id" value="{request_id}">
{buttons}
<button type="submit" name="deny" value="1" data-testid="deny">Deny</button>
</form>
<h2>Someone else</h2>
<form method="post" action="{action}" data-testid="custom-user">
<input type="hidden" name="mock_request_id" value="{request_id}">
<input type="hidden" name="custom" value="1">
<label>Email <input type="email" name="email" required data-testid="custom-email"></label><br>
<label>Name <input type="text" name="name" placeholder="Ada Lovelace" data-testid="custom-name"></label><br>
<label>Claims (JSON object, optional)<br><textarea name="claims" rows="3" cols="40" data-testid="custom-claims"
placeholder='{{"roles": ["admin"], "hd": "example.com"}}'></textarea></label>
<button type="submit" data-testid="custom-submit">Sign in as this user</button>
</form></body></html>"""

BUTTON = (
    '<button type="submit" name="user" value="{sub}" data-testid="user-{email}"{extra}>'
    "{name}<br><small>{email}</small></button>"
)

ERROR_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1 data-testid="error">Error {status}: {error}</h1><p data-testid="error-description">{description}</p>
</body></html>"""


def picker(
    title: str, client_id: str, action: str, request_id: str, users: list[User], hinted: User | None
) -> HTMLResponse:
    ordered = ([hinted] if hinted else []) + [u for u in users if u is not hinted]
    buttons = "\n".join(
        BUTTON.format(
            sub=escape(u.sub),
            email=escape(u.email),
            name=escape(u.name),
            extra=' class="hinted" autofocus data-hinted="true"' if u is hinted else "",
        )
        for u in ordered
    )
    html = PAGE.format(
        title=escape(title),
        client=escape(client_id),
        action=escape(action),
        request_id=escape(request_id),
        buttons=buttons,
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


def error_page(title: str, status: int, error: str, description: str) -> HTMLResponse:
    html = ERROR_PAGE.format(title=escape(title), status=status, error=escape(error), description=escape(description))
    return HTMLResponse(html, status_code=status if status >= 400 else 400)


def form_post(redirect_uri: str, params: dict[str, str]) -> HTMLResponse:
    """``response_mode=form_post``: an auto-submitting form (OAuth 2.0 Form Post Response Mode)."""
    inputs = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in params.items())
    html = (
        f'<!doctype html><html><body onload="document.forms[0].submit()"><form method="post" '
        f'action="{escape(redirect_uri)}">{inputs}<noscript><button>Continue</button></noscript>'
        f"</form></body></html>"
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})
