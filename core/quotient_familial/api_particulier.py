"""API Particulier's quotient familial by identity: `GET /v3/dss/quotient_familial/identite`.

Bearer token from the settings, `recipient` = the collectivité's SIRET (the data go to it). Every answer
other than a family record becomes `QFNotFound` or `QFUnavailable` with a French message for the citizen;
the status and the provider's error code go to the log, never the identity.
"""

import logging

import httpx

from core.quotient_familial.base import (
    NOT_FOUND,
    UNAVAILABLE,
    PivotIdentity,
    QFNotFound,
    QFResult,
    QFUnavailable,
    result_from_json,
)

log = logging.getLogger(__name__)

PATH = "/v3/dss/quotient_familial/identite"
CLOSED = (
    "Le service de transmission du quotient familial n'est pas disponible pour cette collectivité en ce moment. "
    "Rien n'a été transmis : réessayez plus tard ou contactez votre mairie."
)
REJECTED = (
    "Le service n'a pas pu vérifier ces informations. Vérifiez votre date et votre lieu de naissance, puis réessayez."
)
TOO_MANY = "Le service reçoit trop de demandes en ce moment. Rien n'a été transmis : réessayez dans une minute."
TOO_SLOW = "La CAF ou la MSA n'a pas répondu à temps. Rien n'a été transmis : réessayez dans quelques minutes."
# What the citizen is told for each status; anything else is UNAVAILABLE.
MESSAGES: dict[int, tuple[type, str]] = {
    400: (QFNotFound, REJECTED),
    401: (QFUnavailable, CLOSED),  # token missing, wrong or expired
    403: (QFUnavailable, CLOSED),  # token without the quotient familial scope, or recipient not allowed
    404: (QFNotFound, NOT_FOUND),
    422: (QFNotFound, REJECTED),
    429: (QFUnavailable, TOO_MANY),
    502: (QFUnavailable, UNAVAILABLE),
    503: (QFUnavailable, UNAVAILABLE),
    504: (QFUnavailable, TOO_SLOW),
}


def query_params(
    identity: PivotIdentity, *, recipient: str, year: int | None = None, month: int | None = None
) -> dict[str, object]:
    """The query string as API Particulier names it; empty fields are left out."""
    params: dict[str, object] = {
        "recipient": recipient,
        "nomNaissance": identity.family_name,
        "prenoms[]": list(identity.given_names),
        "sexeEtatCivil": identity.sex,
        "anneeDateNaissance": identity.birth_year,
        "moisDateNaissance": identity.birth_month,
        "jourDateNaissance": identity.birth_day,
        "codeCogInseeCommuneNaissance": None if identity.born_abroad else identity.birthplace,
        "codeCogInseePaysNaissance": identity.birthcountry,
        "annee": year,
        "mois": month,
    }
    return {key: value for key, value in params.items() if value not in (None, "", [])}


def _error_code(response: httpx.Response) -> str:
    try:
        first = response.json()["errors"][0]
        return f"{first.get('code')} {first.get('title')}"
    except (ValueError, KeyError, IndexError, TypeError):
        return "sans détail"


class ApiParticulierProvider:
    name = "api_particulier"

    def __init__(self, base_url: str, token: str | None, *, timeout: float = 10.0):
        self.url = base_url.rstrip("/") + PATH
        self.token = token
        self.timeout = timeout

    def fetch(
        self, identity: PivotIdentity, *, recipient: str, year: int | None = None, month: int | None = None
    ) -> QFResult:
        """One call to API Particulier; a French `ProviderError` when it gives no quotient familial."""
        if not self.token:
            raise self._fail(QFUnavailable, CLOSED, "aucun jeton API Particulier configuré")
        try:
            response = httpx.get(
                self.url,
                params=query_params(identity, recipient=recipient, year=year, month=month),
                headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
                timeout=self.timeout,
            )
        except httpx.TimeoutException as exc:
            raise self._fail(QFUnavailable, TOO_SLOW, f"délai dépassé ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise self._fail(QFUnavailable, UNAVAILABLE, f"injoignable ({type(exc).__name__})") from exc
        if response.status_code == 200:
            return self._result(response)
        kind, message = MESSAGES.get(response.status_code, (QFUnavailable, UNAVAILABLE))
        raise self._fail(kind, message, f"HTTP {response.status_code}, {_error_code(response)}")

    def _result(self, response: httpx.Response) -> QFResult:
        try:
            return result_from_json(response.json()["data"])
        except (ValueError, KeyError, TypeError) as exc:
            raise self._fail(QFUnavailable, UNAVAILABLE, f"réponse 200 illisible ({type(exc).__name__})") from exc

    @staticmethod
    def _fail(kind: type, message: str, detail: str):
        log.warning("API Particulier, quotient familial : %s", detail)
        return kind(message, detail=detail)
