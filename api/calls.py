"""Calling core from a route: one service, one transaction; and the responses every route shares."""

from typing import Annotated
from urllib.parse import quote

from fastapi import Header, HTTPException
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import digest_header, expected_sha256, now, read_upload
from api.schemas import Error
from core.db import session_scope
from core.services.api_cases import FileDownload
from core.storage import get_store

ERRORS = {code: {"model": Error} for code in (400, 401, 403, 404)}


def call(service, **arguments):
    """Run one core service in its own transaction (committed unless it raises)."""
    with session_scope() as s:
        return service(s, **arguments)


async def call_async(service, **arguments):
    """`call` from an async route, off the event loop."""
    return await run_in_threadpool(call, service, **arguments)


async def store_upload(request, digest: str | None, service, **arguments) -> Response:
    """An attachment upload: the announced SHA-256 checked, the body streamed to `service`, then 204."""
    sha256 = expected_sha256(digest)
    content = await read_upload(request)
    with content:
        await call_async(service, content=content, expected_sha256=sha256, now=now(), store=get_store(), **arguments)
    return no_content()


def json(body, status_code: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status_code)


def no_content() -> Response:
    return Response(status_code=204)


def file_response(download: FileDownload) -> Response:
    """The file's bytes with the contract's `digest` header (base64 SHA-256)."""
    disposition = f"attachment; filename*=UTF-8''{quote(download.file_name)}"
    return Response(
        content=download.content,
        media_type="application/octet-stream",
        headers={"digest": digest_header(download.sha256), "Content-Disposition": disposition},
    )


def require_patch_override(
    override: Annotated[str | None, Header(alias="X-HTTP-Method-Override")] = None,
) -> None:
    """POST stands for PATCH only with `X-HTTP-Method-Override: PATCH` (the contract's variant)."""
    if (override or "").upper() != "PATCH":
        raise HTTPException(405)


FILE_RESPONSE = {
    200: {
        "description": "Le fichier",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        "headers": {"digest": {"description": "Empreinte SHA-256 du fichier (base64)", "schema": {"type": "string"}}},
    },
    **ERRORS,
}
BINARY_BODY = {
    "requestBody": {
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        "required": True,
    }
}
