"""Services instructeurs: communes and other administrations that receive dossiers."""

from datetime import datetime
from enum import Enum

from sqlmodel import Field, SQLModel

from core.clock import utcnow
from core.models.types import enum_column, utc_column


class OrganizationKind(str, Enum):
    COMMUNE = "Commune"
    GROUPEMENT = "Groupement de communes"
    AUTRE = "Autre administration"


class Organization(SQLModel, table=True):
    """Service instructeur (SI), identified by SIRET (14 digits, Luhn) and INSEE/branch code."""

    id: int | None = Field(default=None, primary_key=True)
    siret: str = Field(max_length=14, unique=True)
    branch_code: str = Field(max_length=10)
    name: str = Field(max_length=200)
    kind: OrganizationKind = Field(default=OrganizationKind.COMMUNE, sa_column=enum_column(OrganizationKind))
    email: str | None = Field(default=None, max_length=320)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(nullable=False))
