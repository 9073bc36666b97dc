"""What every route needs from the request: the calling client, partner headers, the clock, uploaded bytes."""

import base64
import binascii
import re
import tempfile
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from core import clock
from core.config import get_settings
from core.db import session_scope
from core.errors import InvalidInput
from core.services.api_clients import ApiClient, authenticate_token

bearer = HTTPBearer(auto_error=False, description="Jeton obtenu sur POST /oauth2/token (valable une heure)")
SPOOL_IN_MEMORY = 1024 * 1024
HEX_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


def now():
    """The box's clock, read through its module so that tests may freeze it."""
    return clock.utcnow()


def current_client(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> ApiClient:
    """The client holding the request's bearer token (401 otherwise)."""
    token = credentials.credentials if credentials and credentials.scheme.lower() == "bearer" else None
    with session_scope() as s:
        return authenticate_token(s, token=token, now=now())


Client = Annotated[ApiClient, Depends(current_client)]


def partner_info(
    editor_name: Annotated[str | None, Header(alias="editorName", max_length=50)] = None,
    application_name: Annotated[str | None, Header(alias="applicationName", max_length=50)] = None,
    software_version: Annotated[str | None, Header(alias="softwareVersion", max_length=50)] = None,
) -> dict | None:
    """The optional editorName / applicationName / softwareVersion headers, kept as the partner info."""
    info = {"editorName": editor_name, "applicationName": application_name, "softwareVersion": software_version}
    return {k: v for k, v in info.items() if v} or None


Partner = Annotated[dict | None, Depends(partner_info)]
DigestHeader = Annotated[str | None, Header(alias="digest", description="SHA-256 du fichier, en base64")]


def expected_sha256(digest: str | None) -> str | None:
    """The `digest` header (base64 SHA-256, optionally `SHA-256=`-prefixed, or hex) as lower-case hex."""
    if not digest:
        return None
    value = digest.strip()
    if value.lower().startswith("sha-256="):
        value = value[len("sha-256=") :]
    if HEX_SHA256.match(value):
        return value.lower()
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise InvalidInput("L'en-tête digest doit être l'empreinte SHA-256 du fichier, en base64.", field="digest")
    return raw.hex()


def digest_header(sha256_hex: str) -> str:
    """A file's SHA-256 as the contract's `digest` response header (base64)."""
    return base64.b64encode(bytes.fromhex(sha256_hex)).decode()


async def read_upload(request: Request) -> tempfile.SpooledTemporaryFile:
    """The request body in a spooled file, refused beyond the box's attachment size limit without reading on."""
    limit = get_settings().max_attachment_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 — the caller closes it
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            spool.close()
            raise _too_large(limit)
        spool.write(chunk)
    spool.seek(0)
    return spool


def _too_large(limit: int) -> InvalidInput:
    return InvalidInput(f"Le fichier dépasse la taille maximale autorisée ({limit // (1024 * 1024)} Mo).", field="size")
