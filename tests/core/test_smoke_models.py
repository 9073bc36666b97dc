"""The migrated schema holds the catalogue and enforces its constraints in the database."""

from datetime import date

import pytest
import sqlalchemy.exc
from sqlmodel import select

from core.db import session_scope
from core.models import ActorType, Process, Subscription
from core.services.actors import actor_for
from core.services.cases import count_cases_by_status
from tests.factories import make_account, make_organization, subscribe


def test_catalogue_is_seeded_by_migration(session):
    codes = set(session.exec(select(Process.code)))
    assert codes == {
        "CERTDC",
        "EtatCivil",
        "depotDossierPACS",
        "recensementCitoyen",
        "JeChangeDeCoordonnees",
        "HebergementTourisme",
        "FormulaireQF",
    }


def test_one_subscription_per_organization_and_process(db):
    with session_scope(db) as s:
        org = make_organization(s)
        subscribe(s, org, "EtatCivil")
    with pytest.raises(sqlalchemy.exc.IntegrityError), session_scope(db) as s:
        s.add(
            Subscription(
                organization_id=org.id,
                process_id=s.exec(select(Process.id).where(Process.code == "EtatCivil")).one(),
                activation_date=date(2021, 1, 1),
            )
        )
        s.flush()


def test_login_email_is_unique_in_the_database(db):
    from core.models import Account, Civility

    with session_scope(db) as s:
        org = make_organization(s)
        make_account(s, org, ActorType.ADMIN_LOCAL, email="dup@mairie.test")
    with pytest.raises(sqlalchemy.exc.IntegrityError), session_scope(db) as s:
        s.add(
            Account(
                email="dup@mairie.test",
                civility=Civility.MONSIEUR,
                first_name="A",
                last_name="B",
                phone="0123456789",
                actor_type=ActorType.AGENT,
                organization_id=org.id,
            )
        )
        s.flush()


def test_counts_start_at_zero(session):
    org = make_organization(session)
    admin = make_account(session, org, ActorType.ADMIN_LOCAL)
    counts = count_cases_by_status(session, actor=actor_for(session, admin))
    assert set(counts.values()) == {0}
