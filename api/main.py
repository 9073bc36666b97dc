"""The HubEE-compatible API: `uvicorn api.main:app` (port 8080 by default, `make run` starts it).

Folder API 1.2.7 under /teledossiers/v1 for the business software of API-mode subscriptions (scope SI) and
the operators (scope OSL), with its OAuth2 token endpoint. Routes parse the request, call one core service
in one transaction, and return the contract's bodies; every error is in the contract's `Error` shape.
"""

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from api import routes_cases, routes_folders, routes_notifications, token
from api.calls import call
from api.errors import error_response, install_error_handlers
from api.request_id import RequestIdMiddleware
from core.logging_setup import configure_logging
from core.services.api_health import check_health

DESCRIPTION = """
API compatible avec HubEE (Folder API 1.2.7) : un logiciel métier ou un opérateur écrit pour HubEE
fonctionne avec la box en changeant seulement l'URL du jeton, l'URL de l'API et ses identifiants.

1. `POST /oauth2/token` : identifiant et clé secrète en HTTP Basic,
   corps `grant_type=client_credentials&scope=SI` (ou `OSL`) ; jeton valable une heure.
2. Appels suivants : en-tête `Authorization: Bearer <jeton>`.

Guide pas à pas : `docs/api.md`.
"""


def create_app() -> FastAPI:
    configure_logging("api")
    app = FastAPI(
        title="HubEE Box — Folder API",
        version="1.2.7",
        description=DESCRIPTION,
        openapi_tags=[
            {"name": "OAuth2", "description": "Jetons d'accès (client credentials)"},
            {"name": "Notifications", "description": "La file de chaque client"},
            {"name": "Folders", "description": "Dossiers envoyés par les opérateurs (OSL)"},
            {"name": "Cases", "description": "Télédossiers, événements et pièces jointes (SI, OSL)"},
        ],
    )
    install_error_handlers(app)
    app.add_middleware(RequestIdMiddleware)
    app.include_router(token.router)
    app.include_router(routes_notifications.router)
    app.include_router(routes_folders.router)
    app.include_router(routes_cases.router)

    @app.get("/healthz", tags=["Exploitation"], summary="État du service")
    def healthz():
        try:
            return call(check_health)
        except Exception:  # the database is down: say so, as the contract's error
            return error_response(503, "Base de données injoignable.")

    @app.get("/", include_in_schema=False)
    def root() -> JSONResponse:
        return JSONResponse({"api": "/teledossiers/v1", "token": "/oauth2/token", "openapi": "/openapi.json"})

    return app


app = create_app()
