"""Every error leaves the API in the contract's `Error` shape: {"errors": [{"code": <status>, "message": "…"}]}.

Core's errors map to the contract's status codes: NotFound 404, Forbidden 403, InvalidInput and Conflict
400 (the contract lists no 409), a missing or dead token 401.
"""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from core.services.api_clients import InvalidToken
from core.storage import CorruptedFile

log = logging.getLogger("hubee.api")

STATUS_BY_ERROR = {NotFound: 404, Forbidden: 403, InvalidInput: 400, Conflict: 400, InvalidToken: 401}
HTTP_MESSAGES = {
    404: "Ressource introuvable.",
    405: "Méthode non autorisée pour cette ressource.",
    413: "Requête trop volumineuse.",
}
# pydantic's error types, in the words of the person reading the error.
VALIDATION_WORDS = {
    "missing": "est obligatoire",
    "string_too_long": "est trop long",
    "string_too_short": "est vide",
    "too_short": "doit contenir au moins un élément",
    "string_pattern_mismatch": "n'a pas le format attendu",
    "uuid_parsing": "n'est pas un identifiant UUID valide",
    "uuid_type": "n'est pas un identifiant UUID valide",
    "int_parsing": "doit être un nombre entier",
    "float_parsing": "doit être un nombre",
    "bool_parsing": "doit valoir true ou false",
    "datetime_from_date_parsing": "doit être une date-heure (RFC 3339)",
    "datetime_parsing": "doit être une date-heure (RFC 3339)",
    "json_invalid": "n'est pas du JSON valide",
    "model_attributes_type": "doit être un objet JSON",
    "list_type": "doit être une liste",
    "string_type": "doit être une chaîne de caractères",
    "greater_than_equal": "est trop petit",
}


def error_body(code: int, message: str) -> dict:
    return {"errors": [{"code": code, "message": message}]}


def error_response(code: int, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=code, headers=headers)


def _where(location: tuple) -> str:
    parts = [str(p) for p in location if p not in ("body",)]
    return ".".join(parts) or "corps de la requête"


def validation_message(exc: RequestValidationError) -> str:
    problems = []
    for error in exc.errors()[:5]:
        words = VALIDATION_WORDS.get(error.get("type"), error.get("msg", "est invalide"))
        problems.append(f"« {_where(tuple(error.get('loc', ())))} » {words}")
    return "Requête invalide : " + " ; ".join(problems) + "."


def install_error_handlers(app: FastAPI) -> None:
    """Route every error, expected or not, to the contract's shape."""

    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        code = next((status for cls, status in STATUS_BY_ERROR.items() if isinstance(exc, cls)), 400)
        headers = {"WWW-Authenticate": 'Bearer realm="HubEE Box"'} if code == 401 else None
        return error_response(code, exc.message, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(400, validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) and exc.status_code not in HTTP_MESSAGES else None
        return error_response(exc.status_code, message or HTTP_MESSAGES.get(exc.status_code, "Requête refusée."))

    @app.exception_handler(CorruptedFile)
    async def corrupted(_request: Request, exc: CorruptedFile) -> JSONResponse:
        log.error("stored file no longer matches its SHA-256: %s", exc)
        return error_response(500, "Le fichier stocké est corrompu : l'administrateur de la box a été averti.")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "Erreur interne du serveur.")
