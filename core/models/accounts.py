"""Accounts, their roles and habilitations, their authentication state, tokens and sessions."""

from datetime import datetime
from enum import Enum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from core.clock import utcnow
from core.models.types import enum_column, enum_type, utc_column


class ActorType(str, Enum):
    AGENT = "Agent"
    ADMIN_LOCAL = "Administrateur local"
    DELEGUE_TECHNIQUE = "Délégué technique"
    PLATFORM_ADMIN = "Administrateur de la plateforme"


class Role(str, Enum):
    DOSSIERS_CONSULTATION = "Consultation des télédossiers"
    DOSSIERS_GESTION = "Gestion des télédossiers"
    USERS_CONSULTATION = "Consultation des utilisateurs"
    USERS_GESTION = "Gestion des utilisateurs"
    SUBSCRIPTIONS_CONSULTATION = "Consultation des abonnements"
    SUBSCRIPTIONS_GESTION = "Gestion des abonnements"


class Civility(str, Enum):
    MONSIEUR = "M."
    MADAME = "Mme"


class SecondFactorMethod(str, Enum):
    EMAIL = "Code par courriel"
    TOTP = "Application d'authentification"


class Account(SQLModel, table=True):
    """A person's nominative account; the email is the login and never changes."""

    id: int | None = Field(default=None, primary_key=True)
    # Stored lower-cased by the services, so that the unique constraint is case-insensitive.
    email: str = Field(max_length=320, unique=True)
    civility: Civility = Field(sa_column=enum_column(Civility))
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    phone: str = Field(max_length=20)
    phone_secondary: str | None = Field(default=None, max_length=20)
    function: str | None = Field(default=None, max_length=200)
    actor_type: ActorType = Field(sa_column=enum_column(ActorType, index=True))
    # None for the délégué technique and the platform administrator, who belong to no SI.
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    deactivated_at: datetime | None = Field(default=None, sa_column=utc_column())

    # Authentication state (rules in core/auth.py).
    password_hash: str | None = Field(default=None, max_length=200)
    password_set_at: datetime | None = Field(default=None, sa_column=utc_column())
    failed_logins: int = 0
    lock_count: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=utc_column())
    second_factor_method: SecondFactorMethod = Field(
        default=SecondFactorMethod.EMAIL, sa_column=enum_column(SecondFactorMethod)
    )
    totp_secret: str | None = Field(default=None, max_length=64)
    totp_last_step: int | None = Field(default=None, sa_type=sa.BigInteger)
    last_login_at: datetime | None = Field(default=None, sa_column=utc_column())
    # 0, 60 or 90: the last inactivity reminder sent since the last login.
    inactivity_reminder_days: int = 0

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class AccountRole(SQLModel, table=True):
    account_id: int = Field(foreign_key="account.id", primary_key=True)
    role: Role = Field(sa_column=sa.Column(enum_type(Role), primary_key=True))


class Habilitation(SQLModel, table=True):
    """A démarche whose dossiers the account may see."""

    account_id: int = Field(foreign_key="account.id", primary_key=True)
    process_id: int = Field(foreign_key="process.id", primary_key=True, index=True)


class TokenPurpose(str, Enum):
    ACTIVATION = "activation"
    PASSWORD_RESET = "password_reset"
    EMAIL_CODE = "email_code"


class AccountToken(SQLModel, table=True):
    """Single-use secret sent to a person (activation or reset link, emailed code); only its hash is kept."""

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    purpose: TokenPurpose = Field(sa_column=enum_column(TokenPurpose))
    token_hash: str = Field(max_length=128, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    expires_at: datetime = Field(sa_column=utc_column(nullable=False, index=True))
    used_at: datetime | None = Field(default=None, sa_column=utc_column())
    attempts: int = 0


class SessionStage(str, Enum):
    """How far a login has gone: only ACTIVE sessions open the portal."""

    SECOND_FACTOR = "second_factor"
    PASSWORD_CHANGE = "password_change"
    ACTIVE = "active"


class PortalSession(SQLModel, table=True):
    """Server-side portal session; the browser holds only a random id whose hash is stored here."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=128, unique=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    stage: SessionStage = Field(default=SessionStage.ACTIVE, sa_column=enum_column(SessionStage))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    last_seen_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=utc_column())
    end_reason: str | None = Field(default=None, max_length=50)
