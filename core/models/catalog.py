"""The catalogue: online-service operators and the démarches (processes) they send."""

from sqlmodel import Field, SQLModel


class Operator(SQLModel, table=True):
    """Opérateur de service en ligne (OSL): DILA, DGS, DINUM…"""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True)
    name: str = Field(max_length=200)
    # The operator's identity in the HubEE contract (OrganizationIdentifier, type OSL).
    siret: str = Field(max_length=14)
    branch_code: str = Field(max_length=10)


class Process(SQLModel, table=True):
    """Démarche: what a télédossier is about, and what an agent may do with it."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=30, unique=True)
    label: str = Field(max_length=200)
    short_label: str = Field(max_length=20)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    allows_complement: bool = False
    allows_file_to_usager: bool = False
    active: bool = True
