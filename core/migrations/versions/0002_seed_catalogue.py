"""seed the catalogue: operators and the seven démarches of SPEC §2

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

The rows are frozen here on purpose: later edits by the platform administrator, or to core/catalog.py,
must not change what this migration does.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPERATORS = [
    (1, "DILA", "Direction de l'information légale et administrative", "13000918600011", "75107"),
    (2, "DGS", "Direction générale de la santé", "11000101300017", "75107"),
    (3, "DINUM", "Direction interministérielle du numérique (API Particulier)", "13002526500013", "75107"),
]
PROCESSES = [
    (1, "CERTDC", "Certificat de décès électronique", "CERTDC", 2, False, False),
    (2, "EtatCivil", "Demande d'acte d'état civil (AEC)", "AEC", 1, True, True),
    (3, "depotDossierPACS", "Démarche en ligne de préparation à la conclusion d'un Pacs (DDPACS)", "DDPACS", 1, True, True),
    (4, "recensementCitoyen", "Recensement citoyen obligatoire (RCO)", "RCO", 1, True, True),
    (5, "JeChangeDeCoordonnees", "Déclaration de changement de coordonnées (JCC)", "JCC", 1, True, False),
    (6, "HebergementTourisme", "Déclaration d'un hébergement de tourisme (DHTOUR)", "DHTOUR", 1, True, True),
    (7, "FormulaireQF", "Formulaire de collecte du quotient familial", "QF", 3, False, False),
]


def upgrade() -> None:
    operator = sa.table(
        "operator", sa.column("id"), sa.column("code"), sa.column("name"), sa.column("siret"), sa.column("branch_code")
    )
    process = sa.table(
        "process",
        sa.column("id"),
        sa.column("code"),
        sa.column("label"),
        sa.column("short_label"),
        sa.column("operator_id"),
        sa.column("allows_complement", sa.Boolean),
        sa.column("allows_file_to_usager", sa.Boolean),
        sa.column("active", sa.Boolean),
    )
    op.bulk_insert(operator, [dict(zip(("id", "code", "name", "siret", "branch_code"), row)) for row in OPERATORS])
    keys = ("id", "code", "label", "short_label", "operator_id", "allows_complement", "allows_file_to_usager")
    op.bulk_insert(process, [dict(zip(keys, row), active=True) for row in PROCESSES])
    if op.get_bind().dialect.name == "postgresql":
        # Explicit ids were inserted: move the sequences past them.
        op.execute("SELECT setval(pg_get_serial_sequence('operator', 'id'), (SELECT max(id) FROM operator))")
        op.execute("SELECT setval(pg_get_serial_sequence('process', 'id'), (SELECT max(id) FROM process))")


def downgrade() -> None:
    op.execute("DELETE FROM process")
    op.execute("DELETE FROM operator")
