"""The operators and the seven démarches of SPEC §2, as seeded by the first migration.

The migration keeps its own frozen copy of these rows (migrations must not change when this file does);
`ensure_catalogue` restores them on a database where they were removed, e.g. between tests.
"""

from sqlmodel import Session, select

from core.models import Operator, Process

OPERATORS = [
    {
        "code": "DILA",
        "name": "Direction de l'information légale et administrative",
        "siret": "13000918600011",
        "branch_code": "75107",
    },
    {"code": "DGS", "name": "Direction générale de la santé", "siret": "11000101300017", "branch_code": "75107"},
    {
        "code": "DINUM",
        "name": "Direction interministérielle du numérique (API Particulier)",
        "siret": "13002526500013",
        "branch_code": "75107",
    },
]

# code, label, short label, operator, complément request allowed, file to the usager allowed
PROCESSES = [
    ("CERTDC", "Certificat de décès électronique", "CERTDC", "DGS", False, False),
    ("EtatCivil", "Demande d'acte d'état civil (AEC)", "AEC", "DILA", True, True),
    (
        "depotDossierPACS",
        "Démarche en ligne de préparation à la conclusion d'un Pacs (DDPACS)",
        "DDPACS",
        "DILA",
        True,
        True,
    ),
    ("recensementCitoyen", "Recensement citoyen obligatoire (RCO)", "RCO", "DILA", True, True),
    ("JeChangeDeCoordonnees", "Déclaration de changement de coordonnées (JCC)", "JCC", "DILA", True, False),
    ("HebergementTourisme", "Déclaration d'un hébergement de tourisme (DHTOUR)", "DHTOUR", "DILA", True, True),
    ("FormulaireQF", "Formulaire de collecte du quotient familial", "QF", "DINUM", False, False),
]


def ensure_catalogue(session: Session) -> None:
    """Insert the catalogue rows that are missing; existing rows (maybe edited) are left alone."""
    operators = {o.code: o for o in session.exec(select(Operator))}
    for row in OPERATORS:
        if row["code"] not in operators:
            operators[row["code"]] = Operator(**row)
            session.add(operators[row["code"]])
    session.flush()
    existing = set(session.exec(select(Process.code)))
    for code, label, short, operator_code, complement, file_out in PROCESSES:
        if code not in existing:
            session.add(
                Process(
                    code=code,
                    label=label,
                    short_label=short,
                    operator_id=operators[operator_code].id,
                    allows_complement=complement,
                    allows_file_to_usager=file_out,
                )
            )
    session.flush()
