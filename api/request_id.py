"""Request ids: each API request carries one in its log lines and gets it back in `X-Request-ID`.

A proxy's id (nginx `$request_id`) is kept when it is sane, so one id follows the request from the proxy's
access log to the box's; otherwise one is generated. Pure ASGI: no buffering of bodies (downloads stream).
"""

import re
import uuid

from core.logging_setup import REQUEST_ID

HEADER = b"x-request-id"
ACCEPTED = re.compile(rb"^[A-Za-z0-9._\-]{8,128}$")  # no spaces or control characters in the log line


class RequestIdMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        given = next((value for name, value in scope["headers"] if name == HEADER), b"")
        request_id = given.decode("ascii") if ACCEPTED.match(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                headers = [(n, v) for n, v in message.get("headers", []) if n.lower() != HEADER]
                message = {**message, "headers": [*headers, (HEADER, request_id.encode("ascii"))]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)
