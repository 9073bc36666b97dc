"""Operators' API clients (scope OSL), managed by the platform administrator (and `python -m core.cli api-client`).

A secret is shown once, when it is made; only its bcrypt hash is kept. Regenerating or revoking ends the
client's live tokens at once.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from core import audit
from core.errors import NotFound
from core.models import Operator, OperatorClient
from core.permissions import Actor, may_administer_platform, require
from core.services.api_clients import hash_client_secret, new_client_secret, revoke_tokens_for_operator_client


@dataclass(frozen=True)
class OperatorClientRow:
    client_id: str
    operator_code: str
    label: str | None
    created_at: datetime
    revoked_at: datetime | None


def create_operator_client(
    session: Session,
    *,
    actor: Actor | None,
    operator_code: str,
    label: str | None = None,
    now: datetime,
    client_id: str | None = None,
    secret: str | None = None,
) -> tuple[OperatorClient, str]:
    """A new OSL client for an operator and its secret, shown this once; `actor=None` is the shell."""
    if actor is not None:
        require(may_administer_platform(actor))
    operator = session.exec(select(Operator).where(Operator.code == operator_code.strip().upper())).first()
    if operator is None:
        raise NotFound(f"L'opérateur « {operator_code} » n'existe pas (DILA, DGS, DINUM…).", field="operator")
    secret = secret or new_client_secret()
    client = OperatorClient(
        operator_id=operator.id,
        client_id=client_id or f"osl-{operator.code.lower()}-{secrets.token_hex(6)}",
        secret_hash=hash_client_secret(secret),
        label=label,
        created_at=now,
    )
    session.add(client)
    session.flush()
    _audit_client(session, "api.operator_client_created", actor, client, now)
    return client, secret


def _operator_client(session: Session, client_id: str) -> OperatorClient:
    client = session.exec(select(OperatorClient).where(OperatorClient.client_id == client_id)).first()
    if client is None:
        raise NotFound(f"Aucun client opérateur n'a l'identifiant « {client_id} ».", field="client_id")
    return client


def regenerate_operator_client_secret(session: Session, *, actor: Actor | None, client_id: str, now: datetime) -> str:
    """A new secret for an operator client, shown this once; the old one and its tokens stop working at once."""
    if actor is not None:
        require(may_administer_platform(actor))
    client = _operator_client(session, client_id)
    secret = new_client_secret()
    client.secret_hash = hash_client_secret(secret)
    revoke_tokens_for_operator_client(session, operator_client_id=client.id, now=now)
    _audit_client(session, "api.operator_client_secret_regenerated", actor, client, now)
    return secret


def revoke_operator_client(session: Session, *, actor: Actor | None, client_id: str, now: datetime) -> OperatorClient:
    """Disable an operator client for good, with its tokens."""
    if actor is not None:
        require(may_administer_platform(actor))
    client = _operator_client(session, client_id)
    if client.revoked_at is None:
        client.revoked_at = now
        revoke_tokens_for_operator_client(session, operator_client_id=client.id, now=now)
        _audit_client(session, "api.operator_client_revoked", actor, client, now)
    return client


def list_operator_clients(session: Session, *, actor: Actor | None) -> list[OperatorClientRow]:
    """Every operator client, newest first."""
    if actor is not None:
        require(may_administer_platform(actor))
    rows = session.exec(
        select(OperatorClient, Operator.code)
        .join(Operator, Operator.id == OperatorClient.operator_id)
        .order_by(OperatorClient.created_at.desc(), OperatorClient.id.desc())
    ).all()
    return [OperatorClientRow(c.client_id, code, c.label, c.created_at, c.revoked_at) for c, code in rows]


def _audit_client(session: Session, action: str, actor: Actor | None, client: OperatorClient, now: datetime) -> None:
    audit.record(
        session,
        action,
        account_id=actor.id if actor else None,
        target_type="operator_client",
        target_id=client.client_id,
        now=now,
    )
