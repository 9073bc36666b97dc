"""The OAuth2 token endpoint (client credentials), as HubEE's: client id and secret in HTTP Basic, body
`grant_type=client_credentials&scope=SI` (or OSL). Errors follow RFC 6749 (`error`, `error_description`)
and also carry the contract's `errors` list, so either kind of client can read them.
"""

import base64
import binascii
from urllib.parse import parse_qs, unquote_plus

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import now
from api.errors import error_body
from api.schemas import Error, Token
from core.db import session_scope
from core.services.api_clients import issue_token

router = APIRouter(tags=["OAuth2"])
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    headers = dict(NO_STORE)
    if error == "invalid_client":
        headers["WWW-Authenticate"] = 'Basic realm="HubEE Box"'
    body = {"error": error, "error_description": description, **error_body(status, description)}
    return JSONResponse(body, status_code=status, headers=headers)


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, ValueError):
        return None
    client_id, _, secret = decoded.partition(":")
    # RFC 6749 §2.3.1: both parts are form-urlencoded before being joined.
    return unquote_plus(client_id), unquote_plus(secret)


def _form(body: bytes) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(body.decode("utf-8", "replace")).items()}


@router.post(
    "/oauth2/token",
    summary="Obtenir un jeton d'accès (client credentials)",
    response_model=Token,
    responses={400: {"model": Error}, 401: {"model": Error}},
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "grant_type": {"type": "string", "enum": ["client_credentials"]},
                            "scope": {"type": "string", "enum": ["SI", "OSL"]},
                        },
                        "required": ["grant_type"],
                    }
                }
            }
        }
    },
)
@router.post("/token", include_in_schema=False)
async def token(request: Request) -> JSONResponse:
    """Client credentials → bearer token valid one hour."""
    form = _form(await request.body())
    credentials = _basic_credentials(request.headers.get("authorization"))
    if credentials is None and form.get("client_id"):
        credentials = (form["client_id"], form.get("client_secret", ""))
    if form.get("grant_type") != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "Seul grant_type=client_credentials est accepté.")
    if credentials is None:
        return _oauth_error(401, "invalid_client", "Identifiants client absents (HTTP Basic attendu).")
    grant = await _grant(*credentials, form.get("scope"))
    if grant.error:
        return _oauth_error(401 if grant.error == "invalid_client" else 400, grant.error, grant.description)
    body = {
        "access_token": grant.access_token,
        "token_type": "Bearer",
        "expires_in": grant.expires_in,
        "scope": grant.scope,
    }
    return JSONResponse(body, headers=NO_STORE)


async def _grant(client_id: str, secret: str, scope: str | None):
    from starlette.concurrency import run_in_threadpool

    def issue():
        with session_scope() as s:
            return issue_token(s, client_id=client_id, client_secret=secret, scope=scope, now=now())

    return await run_in_threadpool(issue)  # bcrypt is slow on purpose: keep it off the event loop
