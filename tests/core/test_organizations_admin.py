"""The platform administrator's organizations and catalogue."""

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from core.db import session_scope
from core.errors import Conflict, Forbidden
from core.models import ActorType, AuditEntry, OrganizationKind, Process
from core.services.actors import actor_for
from core.services.catalogue import ProcessChanges, catalogue_choices, list_catalogue, update_process
from core.services.forms import InvalidFields
from core.services.organizations import (
    create_organization,
    list_organizations,
    organization_choices,
    set_organization_active,
    update_organization,
)
from core.services.subscription_requests import request_form_view
from tests.factories import make_account, make_organization, subscribe, valid_siret

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
ORIGINAL_QF = ("Formulaire de collecte du quotient familial", "QF", False, False, True)


@pytest.fixture
def platform(session):
    return actor_for(session, make_account(session, None, ActorType.PLATFORM_ADMIN))


def test_list_searches_and_counts(session, platform):
    org = make_organization(session, "Commune de Montclar-sur-Roubion")
    subscribe(session, org, "EtatCivil")
    make_account(session, org, ActorType.ADMIN_LOCAL)
    beaulieu = make_organization(session, "Commune de Beaulieu")
    page = list_organizations(session, actor=platform, search="montclar roubion")
    [row] = page.rows
    assert (row.name, row.accounts, row.subscriptions, row.active) == ("Commune de Montclar-sur-Roubion", 1, 1, True)
    assert list_organizations(session, actor=platform, search=org.siret).total == 1
    assert list_organizations(session, actor=platform).total == 2
    assert [label for _, label in organization_choices(session, actor=platform)] == [
        f"Commune de Beaulieu ({beaulieu.siret})",
        f"Commune de Montclar-sur-Roubion ({org.siret})",
    ]


def test_create_edit_and_deactivate(session, platform):
    org = create_organization(
        session, actor=platform, siret=valid_siret("21260318"), name="Saint-Pons", branch_code="26318", now=NOW
    )
    with pytest.raises(InvalidFields) as error:
        update_organization(
            session,
            actor=platform,
            organization_id=org.id,
            name="",
            branch_code="123",
            kind=org.kind,
            email="x@",
            now=NOW,
        )
    assert list(error.value.errors) == ["name", "branch_code", "email"]
    update_organization(
        session,
        actor=platform,
        organization_id=org.id,
        name="Commune de Saint-Pons",
        branch_code="26318",
        kind=OrganizationKind.COMMUNE,
        email="Mairie@Saint-Pons.test",
        now=NOW,
    )
    assert (org.name, org.email) == ("Commune de Saint-Pons", "mairie@saint-pons.test")
    set_organization_active(session, actor=platform, organization_id=org.id, active=False, now=NOW)
    assert not org.active
    with pytest.raises(Conflict):
        set_organization_active(session, actor=platform, organization_id=org.id, active=False, now=NOW)
    actions = session.exec(select(AuditEntry.action).where(AuditEntry.target_type == "organization")).all()
    assert actions == ["organization.create", "organization.update", "organization.deactivate"]


def test_an_si_manages_no_organization(session):
    org = make_organization(session)
    admin = actor_for(session, make_account(session, org, ActorType.ADMIN_LOCAL))
    with pytest.raises(Forbidden):
        list_organizations(session, actor=admin)
    with pytest.raises(Forbidden):
        set_organization_active(session, actor=admin, organization_id=org.id, active=False, now=NOW)
    with pytest.raises(Forbidden):
        list_catalogue(session, actor=admin)


@pytest.fixture
def restored_catalogue(db):
    """The catalogue survives the wiping between tests: put the edited row back as it was."""
    yield
    with session_scope(db) as s:
        qf = s.exec(select(Process).where(Process.code == "FormulaireQF")).one()
        qf.label, qf.short_label, qf.allows_complement, qf.allows_file_to_usager, qf.active = ORIGINAL_QF


def test_catalogue_edit_changes_label_capabilities_and_availability(restored_catalogue, session, platform):
    qf = session.exec(select(Process).where(Process.code == "FormulaireQF")).one()
    update_process(
        session,
        actor=platform,
        process_id=qf.id,
        now=NOW,
        changes=ProcessChanges(
            "Quotient familial", "QF", allows_complement=True, allows_file_to_usager=False, active=False
        ),
    )
    row = next(r for r in list_catalogue(session, actor=platform) if r.code == "FormulaireQF")
    assert (row.label, row.allows_complement, row.active, row.operator) == ("Quotient familial", True, False, "DINUM")
    assert (qf.id, "Quotient familial") in catalogue_choices(session).processes
    # An inactive démarche can no longer be requested.
    assert "FormulaireQF" not in {p.code for p in request_form_view(session, actor=platform).processes}
    with pytest.raises(InvalidFields) as error:
        update_process(
            session,
            actor=platform,
            process_id=qf.id,
            now=NOW,
            changes=ProcessChanges("", "QF-TROP-LONG-POUR-UN-LIBELLE", False, False, True),
        )
    assert list(error.value.errors) == ["label", "short_label"]
