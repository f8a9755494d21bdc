"""HTTP API and page of the mock SMTP inbox, under `/_inbox` on the mocks' port.

    GET    /_inbox?to=ADDRESS         {"smtp": ..., "count": n, "messages": [...]} (oldest first; `to` optional)
    GET    /_inbox/latest?to=ADDRESS  the newest message for ADDRESS, 404 when there is none
    GET    /_inbox/messages/{id}      one message
    DELETE /_inbox?to=ADDRESS         forget the messages (of ADDRESS, or all)
    GET    /_inbox/page               a small HTML page listing messages and their links

A message is `{id, from, to, subject, text, html, links, received_at}`; `links` are the http(s) URLs of both
bodies with HTML entities decoded, so a magic link is `links[0]`.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .smtp_inbox import Inbox

__all__ = ["PREFIX", "inbox_routes"]

PREFIX = "/_inbox"
_MAX_ADDRESS = 320


def _recipient(request: Request) -> str | None:
    to = request.query_params.get("to")
    if to is not None and (not to.strip() or len(to) > _MAX_ADDRESS):
        raise ValueError("to: expected one e-mail address")
    return to


def _bad(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=400)


def inbox_routes(inbox: Inbox, smtp_url: Callable[[], str]) -> list[BaseRoute]:
    async def listing(request: Request) -> Response:
        try:
            to = _recipient(request)
        except ValueError as exc:
            return _bad(str(exc))
        if request.method == "DELETE":
            return JSONResponse({"deleted": inbox.clear(to)})
        messages = [m.as_json() for m in inbox.messages(to)]
        return JSONResponse({"smtp": smtp_url(), "count": len(messages), "messages": messages})

    async def latest(request: Request) -> Response:
        try:
            to = _recipient(request)
        except ValueError as exc:
            return _bad(str(exc))
        if to is None:
            return _bad("to: required")
        found = inbox.messages(to)
        if not found:
            return JSONResponse({"error": f"no message for {to.strip()}"}, status_code=404)
        return JSONResponse(found[-1].as_json())

    async def one(request: Request) -> Response:
        raw = request.path_params["message_id"]
        message = inbox.message(int(raw)) if raw.isdigit() and len(raw) < 12 else None
        if message is None:
            return JSONResponse({"error": f"no message {raw}"}, status_code=404)
        return JSONResponse(message.as_json())

    async def page(request: Request) -> Response:
        try:
            to = _recipient(request)
        except ValueError as exc:
            return _bad(str(exc))
        rows = []
        for message in reversed(inbox.messages(to)):
            links = "".join(f'<li><a href="{escape(link)}">{escape(link)}</a></li>' for link in message.links)
            rows.append(
                f"<article><h2>{escape(message.subject)}</h2><p>to {escape(', '.join(message.recipients))} from "
                f"{escape(message.mail_from)} at {escape(message.received_at)}</p><ul>{links}</ul>"
                f"<pre>{escape(message.text)}</pre></article>"
            )
        body = "".join(rows) or "<p>No messages.</p>"
        return HTMLResponse(
            '<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><title>Mock inbox</title></head>'
            f"<body><h1>Mock inbox</h1><p>SMTP {escape(smtp_url())}</p>{body}</body></html>"
        )

    return [
        Route(PREFIX, listing, methods=["GET", "DELETE"]),
        Route(PREFIX + "/latest", latest, methods=["GET"]),
        Route(PREFIX + "/page", page, methods=["GET"]),
        Route(PREFIX + "/messages/{message_id}", one, methods=["GET"]),
    ]
