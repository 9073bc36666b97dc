"""OAuth2 client credentials of the HubEE API, and the bearer tokens they obtain.

Two kinds of clients, as in HubEE: the business software of an API-mode subscription (scope SI; its client id
and secret hash live on the `Subscription`, issued in the portal) and an operator (scope OSL; an
`OperatorClient` managed by the platform administrator). A token is random, valid one hour, stored only as
its SHA-256, and dies with its client's secret. The token endpoint's outcome is returned, not raised, so
that the audit entry of a refused attempt is committed with the refusal.
"""

import functools
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from core import audit
from core.errors import DomainError
from core.models import (
    AccessMode,
    ApiClientKind,
    ApiToken,
    Operator,
    OperatorClient,
    Process,
    Subscription,
    SubscriptionStatus,
)
from core.passwords import hash_password, verify_password
from core.tokens import token_hash

TOKEN_VALIDITY = timedelta(hours=1)
# A suspended subscription receives no new dossiers but its software still processes the ones it has.
WORKING_STATUSES = frozenset({SubscriptionStatus.ACTIF, SubscriptionStatus.SUSPENDU})
BAD_CLIENT = "Identifiant client ou clé secrète incorrect."
BAD_TOKEN = "Jeton d'accès absent, invalide, expiré ou révoqué : demandez-en un nouveau."


class InvalidToken(DomainError):
    """The bearer token is missing, unknown, expired or revoked (HTTP 401)."""


@dataclass(frozen=True)
class ApiClient:
    """Who calls the API: what the isolation rules need, as `Actor` is for people."""

    kind: ApiClientKind
    operator_id: int  # SI: the operator of its démarche; OSL: itself
    name: str  # the author of its events when it gives none
    subscription_id: int | None = None
    organization_id: int | None = None
    process_id: int | None = None
    operator_client_id: int | None = None


@dataclass(frozen=True)
class TokenGrant:
    """The token endpoint's answer: a token, or an OAuth2 error code with a French description."""

    access_token: str | None = None
    scope: str | None = None
    expires_in: int = int(TOKEN_VALIDITY.total_seconds())
    error: str | None = None
    description: str = ""


@functools.cache
def _dummy_hash() -> str:
    return hash_password("Aucun-client#0")


def hash_client_secret(secret: str) -> str:
    """The stored form of a client secret (bcrypt, as passwords)."""
    return hash_password(secret)


def verify_client_secret(secret: str, secret_hash: str | None) -> bool:
    return bool(secret) and verify_password(secret, secret_hash)


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


def _si_client(subscription: Subscription, process: Process) -> ApiClient:
    return ApiClient(
        kind=ApiClientKind.SI,
        operator_id=process.operator_id,
        name=subscription.editor_name or "Logiciel métier",
        subscription_id=subscription.id,
        organization_id=subscription.organization_id,
        process_id=subscription.process_id,
    )


def _osl_client(client: OperatorClient, operator: Operator) -> ApiClient:
    return ApiClient(kind=ApiClientKind.OSL, operator_id=operator.id, name=operator.name, operator_client_id=client.id)


def _find_client(session: Session, client_id: str):
    """(kind, credentials row, ApiClient) for a client id, or None."""
    row = session.exec(
        select(Subscription, Process)
        .join(Process, Process.id == Subscription.process_id)
        .where(Subscription.api_client_id == client_id)
    ).first()
    if row is not None:
        return ApiClientKind.SI, row[0], _si_client(*row)
    row = session.exec(
        select(OperatorClient, Operator)
        .join(Operator, Operator.id == OperatorClient.operator_id)
        .where(OperatorClient.client_id == client_id)
    ).first()
    if row is not None:
        return ApiClientKind.OSL, row[0], _osl_client(*row)
    return None


def _usable(kind: ApiClientKind, row) -> bool:
    if kind is ApiClientKind.SI:
        return row.access_mode is AccessMode.API and row.status in WORKING_STATUSES
    return row.revoked_at is None


def _secret_hash(kind: ApiClientKind, row) -> str | None:
    return row.api_secret_hash if kind is ApiClientKind.SI else row.secret_hash


def _refuse(session: Session, client_id: str, error: str, description: str, now: datetime) -> TokenGrant:
    audit.record(session, "api.token_refused", target_type="api_client", target_id=client_id[:64], now=now)
    return TokenGrant(error=error, description=description)


def issue_token(
    session: Session, *, client_id: str, client_secret: str, scope: str | None, now: datetime
) -> TokenGrant:
    """Check client credentials and the requested scope; a bearer token valid one hour, or the OAuth2 error."""
    found = _find_client(session, client_id or "") if client_id else None
    if found is None:
        verify_password(client_secret or "x", _dummy_hash())  # same time as a wrong secret
        return _refuse(session, client_id or "", "invalid_client", BAD_CLIENT, now)
    kind, row, client = found
    if not verify_client_secret(client_secret, _secret_hash(kind, row)):
        return _refuse(session, client_id, "invalid_client", BAD_CLIENT, now)
    if not _usable(kind, row):
        why = (
            "L'abonnement de ce client n'est pas actif en modalité API."
            if kind is ApiClientKind.SI
            else "Ce client opérateur a été révoqué."
        )
        return _refuse(session, client_id, "invalid_client", why, now)
    requested = set((scope or kind.value).split())
    if kind.value not in requested:
        return _refuse(session, client_id, "invalid_scope", f"Ce client n'a accès qu'au périmètre {kind.value}.", now)
    raw = secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            token_hash=token_hash(raw),
            kind=kind,
            subscription_id=client.subscription_id,
            operator_client_id=client.operator_client_id,
            created_at=now,
            expires_at=now + TOKEN_VALIDITY,
        )
    )
    audit.record(
        session,
        "api.token_issued",
        organization_id=client.organization_id,
        target_type="api_client",
        target_id=client_id,
        details={"scope": kind.value},
        now=now,
    )
    return TokenGrant(access_token=raw, scope=kind.value)


def authenticate_token(session: Session, *, token: str | None, now: datetime) -> ApiClient:
    """The client holding this bearer token, if the token and its client are still valid."""
    row = (
        session.exec(select(ApiToken).where(ApiToken.token_hash == token_hash(token or ""))).first() if token else None
    )
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise InvalidToken(BAD_TOKEN)
    if row.kind is ApiClientKind.SI:
        found = session.exec(
            select(Subscription, Process)
            .join(Process, Process.id == Subscription.process_id)
            .where(Subscription.id == row.subscription_id)
        ).first()
        if found is None or not _usable(ApiClientKind.SI, found[0]):
            raise InvalidToken(BAD_TOKEN)
        return _si_client(*found)
    found = session.exec(
        select(OperatorClient, Operator)
        .join(Operator, Operator.id == OperatorClient.operator_id)
        .where(OperatorClient.id == row.operator_client_id)
    ).first()
    if found is None or not _usable(ApiClientKind.OSL, found[0]):
        raise InvalidToken(BAD_TOKEN)
    return _osl_client(*found)


def _revoke(session: Session, condition, now: datetime) -> int:
    result = session.exec(
        sa.update(ApiToken)
        .where(condition, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
        .values(revoked_at=now)
    )
    session.flush()
    return result.rowcount


def revoke_tokens_for_subscription(session: Session, *, subscription_id: int, now: datetime) -> int:
    """End every live token of a subscription's software (secret regenerated, modality switched); how many."""
    return _revoke(session, ApiToken.subscription_id == subscription_id, now)


def revoke_tokens_for_operator_client(session: Session, *, operator_client_id: int, now: datetime) -> int:
    """End every live token of an operator client; how many."""
    return _revoke(session, ApiToken.operator_client_id == operator_client_id, now)


def purge_expired_tokens(session: Session, *, now: datetime, keep: timedelta = timedelta(days=1)) -> int:
    """Delete tokens expired or revoked for longer than `keep` (a job's chore); how many."""
    limit = now - keep
    result = session.exec(sa.delete(ApiToken).where(sa.or_(ApiToken.expires_at < limit, ApiToken.revoked_at < limit)))
    return result.rowcount
