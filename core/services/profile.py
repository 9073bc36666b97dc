""" "Mon compte": what a person may change on their own account (SPEC §3)."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from core import audit
from core.errors import Forbidden, NotFound
from core.models import Account, AccountRole, Civility, Role
from core.permissions import DOSSIER_ROLES, AccountChange, may_edit_account, require
from core.second_factor import enrol_totp, needs_second_factor, new_totp_secret, totp_uri, use_email_codes
from core.services.actors import actor_for
from core.validation import normalize_phone


@dataclass(frozen=True)
class ProfileUpdate:
    civility: Civility
    phone: str
    function: str | None = None
    phone_secondary: str | None = None


def _own_account(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None or not account.active:
        raise NotFound("Ce compte n'existe pas ou est désactivé.")
    return account


def update_own_profile(session: Session, *, account_id: int, update: ProfileUpdate, now: datetime) -> Account:
    """Civility, function and phones; each invalid field gets its own French message, nothing is half-saved."""
    account = _own_account(session, account_id)
    actor = actor_for(session, account)
    require(
        may_edit_account(
            actor, actor, AccountChange(fields=frozenset({"civility", "function", "phone", "phone_secondary"}))
        )
    )
    phone = normalize_phone(update.phone)
    secondary = (
        normalize_phone(update.phone_secondary, "phone_secondary") if (update.phone_secondary or "").strip() else None
    )
    account.civility, account.phone, account.phone_secondary = update.civility, phone, secondary
    account.function = (update.function or "").strip()[:200] or None
    session.flush()
    audit.record(
        session,
        "account.update_self",
        account_id=account.id,
        actor_email=account.email,
        organization_id=account.organization_id,
        target_type="account",
        target_id=account.id,
        now=now,
    )
    return account


def set_own_dossier_roles(session: Session, *, account_id: int, roles: frozenset[Role], now: datetime) -> None:
    """An administrateur local may give itself, or take back, the dossier roles (seed 000, Action 2)."""
    account = _own_account(session, account_id)
    actor = actor_for(session, account)
    wanted = frozenset(roles) & DOSSIER_ROLES
    current = actor.roles & DOSSIER_ROLES
    change = AccountChange(roles_added=wanted - current, roles_removed=current - wanted)
    require(may_edit_account(actor, actor, change))
    for role in change.roles_removed:
        session.delete(
            session.exec(
                select(AccountRole).where(AccountRole.account_id == account.id, AccountRole.role == role)
            ).one()
        )
    session.add_all([AccountRole(account_id=account.id, role=role) for role in change.roles_added])
    session.flush()
    audit.record(
        session,
        "account.roles_self",
        account_id=account.id,
        actor_email=account.email,
        organization_id=account.organization_id,
        target_type="account",
        target_id=account.id,
        details={
            "added": sorted(r.name for r in change.roles_added),
            "removed": sorted(r.name for r in change.roles_removed),
        },
        now=now,
    )


NO_SECOND_FACTOR = "Ce compte ne passe pas de vérification en deux étapes."


def _second_factor_account(session: Session, account_id: int) -> Account:
    account = _own_account(session, account_id)
    if not needs_second_factor(account):
        raise Forbidden(NO_SECOND_FACTOR)
    return account


def start_totp_enrolment(session: Session, *, account_id: int) -> tuple[str, str]:
    """A fresh secret and its otpauth:// URI for the QR code; nothing is saved until a code confirms it."""
    account = _second_factor_account(session, account_id)
    secret = new_totp_secret()
    return secret, totp_uri(account, secret)


def confirm_totp_enrolment(session: Session, *, account_id: int, secret: str, code: str, now: datetime) -> None:
    """Switch to the authenticator app once `code` proves it holds `secret`; InvalidInput otherwise."""
    enrol_totp(session, _second_factor_account(session, account_id), secret=secret, code=code, now=now)


def switch_to_email_codes(session: Session, *, account_id: int, now: datetime) -> None:
    """Back to codes sent by email; the authenticator app's secret is forgotten."""
    use_email_codes(session, _second_factor_account(session, account_id), now=now)
