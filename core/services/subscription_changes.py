"""What a subscription's page changes (SPEC §5, seed 001): modalité d'accès, API secret, notifications, éditeur
and délégué technique, activation and suspension. Each change updates "Mis à jour le" and is audited.
"""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from core.errors import Conflict, InvalidInput
from core.models import (
    AccessMode,
    Account,
    ActorType,
    NotificationFrequency,
    Subscription,
    SubscriptionStatus,
)
from core.permissions import Actor, may_configure_subscription, may_manage_subscription, require
from core.services.accounts import habilitated_account_count
from core.services.api_clients import hash_client_secret, new_client_secret, revoke_tokens_for_subscription
from core.services.forms import FieldChecks
from core.services.subscriptions import (
    NO_HABILITATED_ACCOUNT,
    paris_today,
    subscription_or_404,
    subscription_ref,
    touch_subscription,
)
from core.validation import normalize_email


@dataclass(frozen=True)
class ApiCredentials:
    """Shown once: only the secret's hash is kept."""

    client_id: str
    secret: str


def _editable(session: Session, actor: Actor, subscription_id: int, rule=may_manage_subscription) -> Subscription:
    subscription = subscription_or_404(session, subscription_id)
    require(rule(actor, subscription_ref(subscription)))
    if subscription.status is SubscriptionStatus.REFUSE:
        raise Conflict("Cet abonnement a été refusé : il ne peut pas être modifié.")
    return subscription


def _issue_secret(session: Session, subscription: Subscription, now: datetime) -> ApiCredentials:
    """A new secret (bcrypt-hashed, like every client secret); the previous one and every token obtained with it
    stop working at once."""
    subscription.api_client_id = subscription.api_client_id or f"hubee-{secrets.token_hex(12)}"
    secret = new_client_secret()
    subscription.api_secret_hash = hash_client_secret(secret)
    subscription.api_secret_issued_at = now
    revoke_tokens_for_subscription(session, subscription_id=subscription.id, now=now)
    return ApiCredentials(subscription.api_client_id, secret)


def choose_access_mode(
    session: Session, *, actor: Actor, subscription_id: int, access_mode: AccessMode, confirmed: bool, now: datetime
) -> ApiCredentials | None:
    """Portail or API, once its consequences are confirmed; a switch makes the dossiers received before read-only."""
    subscription = _editable(session, actor, subscription_id, may_configure_subscription)
    if not confirmed:
        raise InvalidInput(
            "Confirmez avoir pris connaissance des conséquences de ce choix en cochant la case.", field="confirmed"
        )
    previous = subscription.access_mode
    if previous is access_mode:
        raise Conflict(f"La modalité d'accès est déjà « {access_mode.value} ».", field="access_mode")
    subscription.access_mode = access_mode
    if previous is not None:
        subscription.access_mode_changed_at = now
    credentials = None
    if access_mode is AccessMode.API:
        credentials = _issue_secret(session, subscription, now)
    else:
        # The business software stops receiving: its secret, its tokens, its editor and delegate go.
        subscription.api_secret_hash = None
        subscription.editor_name = None
        subscription.technical_delegate_id = None
        revoke_tokens_for_subscription(session, subscription_id=subscription.id, now=now)
    touch_subscription(
        session, subscription, actor, "subscription.access_mode", now, previous=previous, access_mode=access_mode
    )
    return credentials


def regenerate_api_secret(session: Session, *, actor: Actor, subscription_id: int, now: datetime) -> ApiCredentials:
    """ "Régénérer la clé secrète": the new secret is shown once, the old one is refused from now on."""
    subscription = _editable(session, actor, subscription_id)
    if subscription.access_mode is not AccessMode.API:
        raise Conflict("Une clé secrète n'existe qu'en modalité d'accès API.")
    credentials = _issue_secret(session, subscription, now)
    touch_subscription(session, subscription, actor, "subscription.secret_regenerated", now)
    return credentials


@dataclass(frozen=True)
class SubscriptionSettings:
    notification_frequency: NotificationFrequency
    notification_email: str | None
    editor_name: str | None = None
    technical_delegate_id: int | None = None


def _check_delegation(session: Session, actor: Actor, subscription: Subscription, settings: SubscriptionSettings):
    editor = (settings.editor_name or "").strip()[:100] or None
    if (editor, settings.technical_delegate_id) == (subscription.editor_name, subscription.technical_delegate_id):
        return editor
    require(may_configure_subscription(actor, subscription_ref(subscription)))
    if subscription.access_mode is not AccessMode.API:
        raise InvalidInput(
            "L'éditeur et le délégué technique ne se désignent qu'en modalité d'accès API.", field="editor_name"
        )
    if settings.technical_delegate_id is not None:
        delegate = session.get(Account, settings.technical_delegate_id)
        if delegate is None or delegate.actor_type is not ActorType.DELEGUE_TECHNIQUE or not delegate.active:
            raise InvalidInput("Choisissez un délégué technique actif.", field="technical_delegate_id")
    return editor


def update_subscription_settings(
    session: Session, *, actor: Actor, subscription_id: int, settings: SubscriptionSettings, now: datetime
) -> Subscription:
    """Notifications (one address, required unless "Aucune"), and in API mode the éditeur and délégué technique."""
    subscription = _editable(session, actor, subscription_id)
    checks = FieldChecks()
    editor = checks.run(_check_delegation, session, actor, subscription, settings)
    email = (settings.notification_email or "").strip()
    if email or settings.notification_frequency is not NotificationFrequency.AUCUNE:
        email = checks.run(normalize_email, email, "notification_email")
    checks.raise_if_any()
    subscription.notification_frequency = settings.notification_frequency
    subscription.notification_email = email or None
    subscription.editor_name = editor
    subscription.technical_delegate_id = settings.technical_delegate_id
    touch_subscription(
        session,
        subscription,
        actor,
        "subscription.settings",
        now,
        frequency=settings.notification_frequency,
        email=email or None,
        editor=editor,
        delegate=subscription.technical_delegate_id,
    )
    return subscription


@dataclass(frozen=True)
class Activation:
    effective_now: bool
    warning: str | None


def activate_subscription(
    session: Session, *, actor: Actor, subscription_id: int, activation_date: date, now: datetime
) -> Activation:
    """Receive dossiers from `activation_date` (today or later); warns when nobody is habilitated to see them."""
    subscription = _editable(session, actor, subscription_id)
    if subscription.status is SubscriptionStatus.ACTIF:
        raise Conflict("Cet abonnement est déjà actif.")
    if subscription.access_mode is None:
        raise InvalidInput("Choisissez d'abord la modalité d'accès aux télédossiers.", field="access_mode")
    if subscription.notification_frequency is not NotificationFrequency.AUCUNE and not subscription.notification_email:
        raise InvalidInput(
            "Renseignez l'adresse électronique notifiée (ou choisissez la fréquence « Aucune »).",
            field="notification_email",
        )
    today = paris_today(now)
    if activation_date is None or activation_date < today:
        raise InvalidInput("La date d'activation doit être aujourd'hui ou une date future.", field="activation_date")
    subscription.activation_date = activation_date
    subscription.suspension_date = None
    if activation_date == today:
        subscription.status = SubscriptionStatus.ACTIF
        subscription.activated_at = now
    touch_subscription(
        session, subscription, actor, "subscription.activate", now, activation_date=activation_date.isoformat()
    )
    nobody = habilitated_account_count(session, subscription.organization_id, subscription.process_id) == 0
    return Activation(activation_date == today, NO_HABILITATED_ACCOUNT if nobody else None)


def suspend_subscription(session: Session, *, actor: Actor, subscription_id: int, now: datetime) -> date:
    """Stop new dossiers from the next day (Paris); those already received can still be processed."""
    subscription = _editable(session, actor, subscription_id)
    if subscription.status is not SubscriptionStatus.ACTIF:
        raise Conflict("Seul un abonnement actif peut être suspendu.")
    if subscription.suspension_date is not None:
        raise Conflict(f"La suspension est déjà prévue le {subscription.suspension_date:%d/%m/%Y}.")
    subscription.suspension_date = paris_today(now) + timedelta(days=1)
    touch_subscription(
        session, subscription, actor, "subscription.suspend", now, from_date=subscription.suspension_date.isoformat()
    )
    return subscription.suspension_date
