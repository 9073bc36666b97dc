"""Quotient familial: the public form's checks, look-up and dossier (JSON, XML, PDF read back), limits, the kit."""

import io
import json
import re
import zlib
from dataclasses import asdict, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import qrcode
from defusedxml import ElementTree
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M
from sqlmodel import select

from core.config import get_settings
from core.errors import Forbidden, InvalidInput, NotFound
from core.models import (
    AccessMode,
    ActorType,
    Attachment,
    AuditEntry,
    Case,
    CaseStatus,
    Event,
    EventAction,
    Folder,
    Notification,
    Operator,
    Role,
    SubscriptionStatus,
)
from core.permissions import Actor
from core.qr import qr_bytes
from core.quotient_familial.base import PivotIdentity, QFResult
from core.quotient_familial.form import QFForm, QFFormErrors, validate_qf_form
from core.quotient_familial.places import place_name, search_communes
from core.quotient_familial.sandbox import FAMILIES, SandboxProvider
from core.services.actors import actor_for
from core.services.folders import process_by_code
from core.services.quotient_familial import (
    CLOSED_FORM,
    UNKNOWN_FORM,
    QFLookup,
    lookup_quotient_familial,
    qf_kit_view,
    qf_poster_pdf,
    qf_public_view,
    submit_quotient_familial,
)
from tests.factories import make_account, make_organization, subscribe
from tests.unit.french import assert_french_sentence

NOW = datetime(2026, 6, 15, 8, 30, tzinfo=UTC)
FAURE = FAMILIES[1]  # couple, three children, MSA
BENALI = FAMILIES[2]  # born in Morocco
SANDBOX = SandboxProvider(clock=lambda: NOW)


def form_for(identity: PivotIdentity, **changes) -> QFForm:
    form = QFForm(
        family_name=identity.family_name.lower(),
        given_names=" ".join(identity.given_names),
        sex=identity.sex,
        birth_day=identity.birth_day,
        birth_month=identity.birth_month,
        birth_year=identity.birth_year,
        born_abroad=identity.born_abroad,
        birthplace=identity.birthplace or "",
        birthcountry=identity.birthcountry if identity.born_abroad else "",
        consent=True,
    )
    return replace(form, **changes)


@pytest.fixture
def commune(session):
    org = make_organization(session, "Commune de Saint-Jalle")
    subscription = subscribe(session, org, "FormulaireQF")
    return org, subscription


@pytest.fixture
def limits(monkeypatch):
    settings = get_settings()

    def set_limits(**values):
        for name, value in values.items():
            monkeypatch.setattr(settings, name, value)

    return set_limits


def look_up(session, org, identity=FAURE.identity, *, lookups=0, now=NOW, **changes) -> QFLookup:
    form = form_for(identity, **changes)
    return lookup_quotient_familial(
        session, siret=org.siret, form=form, lookups_in_session=lookups, now=now, provider=SANDBOX
    )


def send(session, org, store, lookup=None, *, sent=0, now=NOW):
    lookup = lookup or look_up(session, org, now=now)
    return submit_quotient_familial(
        session, siret=org.siret, lookup=lookup, submissions_in_session=sent, now=now, store=store
    )


# --- The public page ----------------------------------------------------------------------------------


def test_public_view_names_the_collectivite(session, commune):
    org, _ = commune
    view = qf_public_view(session, siret=f" {org.siret[:7]} {org.siret[7:]}", now=NOW)
    assert (view.siret, view.organization_name) == (org.siret, "Commune de Saint-Jalle")


@pytest.mark.parametrize("siret", ["", "123", "21773132400019", "2177313240001X"])
def test_an_unknown_address_is_refused(session, commune, siret):
    with pytest.raises(NotFound) as raised:
        qf_public_view(session, siret=siret, now=NOW)
    assert raised.value.message == UNKNOWN_FORM
    assert_french_sentence(raised.value.message)


@pytest.mark.parametrize("status", [SubscriptionStatus.INACTIF, SubscriptionStatus.SUSPENDU, None])
def test_a_collectivite_without_active_subscription_has_no_form(session, status):
    org = make_organization(session, "Commune de Vesc")
    if status is not None:
        subscribe(session, org, "FormulaireQF", status=status)
    subscribe(session, org, "EtatCivil")  # another démarche does not open the form
    with pytest.raises(NotFound) as raised:
        qf_public_view(session, siret=org.siret, now=NOW)
    assert raised.value.message == CLOSED_FORM.format(name="Commune de Vesc")


def test_a_subscription_starting_tomorrow_has_no_form_yet(session):
    org = make_organization(session)
    subscribe(session, org, "FormulaireQF", activation_date=date(2026, 6, 16))
    with pytest.raises(NotFound):
        qf_public_view(session, siret=org.siret, now=NOW)


# --- The form's checks --------------------------------------------------------------------------------


def test_an_empty_form_lists_every_field_in_order():
    with pytest.raises(QFFormErrors) as raised:
        validate_qf_form(QFForm(), today=NOW.date())
    errors = raised.value.errors
    assert list(errors) == ["family_name", "given_names", "sex", "birth_month", "birth_year", "birthplace", "consent"]
    for message in errors.values():
        assert_french_sentence(message)
    assert raised.value.field == "family_name"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"family_name": "Dupont3"}, "family_name", "que des lettres"),
        ({"family_name": "x" * 101}, "family_name", "100 caractères"),
        ({"given_names": "Jean <script>"}, "given_names", "que des lettres"),
        ({"given_names": " ".join(["Jean"] * 11)}, "given_names", "10 prénoms"),
        ({"sex": "X"}, "sex", "sexe"),
        ({"birth_year": 1899}, "birth_year", "entre 1900 et 2026"),
        ({"birth_year": 2026, "birth_month": 7, "birth_day": None}, "birth_year", "futur"),
        ({"birth_month": 13}, "birth_month", "entre 1 et 12"),
        ({"birth_month": 2, "birth_day": 30}, "birth_day", "n'existe pas"),
        ({"birthplace": "7505"}, "birthplace", "5 caractères"),
        ({"birthplace": "99350"}, "birthplace", "5 caractères"),
        ({"born_abroad": True, "birthcountry": "99100"}, "birthcountry", "commence par 99"),
        ({"born_abroad": True, "birthcountry": ""}, "birthcountry", "pays de naissance"),
        ({"consent": False}, "consent", "consentement"),
    ],
)
def test_each_field_has_its_message(changes, field, words):
    with pytest.raises(QFFormErrors) as raised:
        validate_qf_form(form_for(FAURE.identity, **changes), today=NOW.date())
    assert list(raised.value.errors) == [field]
    assert words in raised.value.errors[field]
    assert_french_sentence(raised.value.errors[field])


def test_the_form_becomes_the_identity_asked():
    typed = form_for(FAURE.identity, family_name="  faure ", given_names="Jean-Luc,  André", birth_day=None)
    identity = validate_qf_form(typed, today=NOW.date())
    assert identity == PivotIdentity("FAURE", ("Jean-Luc", "André"), "M", 1979, 11, None, "26113", "99100")
    assert identity.birthdate == "1979-11"
    abroad = validate_qf_form(form_for(BENALI.identity, birthplace="26362"), today=NOW.date())
    assert (abroad.birthplace, abroad.birthcountry, abroad.born_abroad) == (None, "99350", True)
    corsican = validate_qf_form(form_for(FAURE.identity, birthplace="2a004"), today=NOW.date())
    assert corsican.birthplace == "2A004"


def test_communes_are_found_by_name_or_code():
    assert [p.code for p in search_communes("valence")] == ["26362"]
    assert "26362" in [p.code for p in search_communes("263")]
    assert search_communes("saint-etienne")[0].name == "Saint-Étienne"
    assert place_name("99350") == "Maroc" and place_name("12345") is None


# --- Look-up ------------------------------------------------------------------------------------------


def test_a_found_family_is_shown_and_the_look_up_counted(session, commune):
    org, _ = commune
    lookup = look_up(session, org, birth_day=None)
    assert lookup.message is None
    qf = lookup.result.quotient_familial
    assert (qf.fournisseur, qf.valeur, qf.annee, qf.mois) == ("MSA", 487, 2026, 5)
    assert len(lookup.result.allocataires) == 2 and len(lookup.result.enfants) == 3
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "qf.lookup")).one()
    assert (entry.organization_id, entry.details) == (org.id, {"provider": "sandbox", "outcome": "found"})
    assert "FAURE" not in json.dumps(entry.details)


@pytest.mark.parametrize(("family", "outcome"), [(FAMILIES[5], "QFNotFound"), (FAMILIES[6], "QFUnavailable")])
def test_not_found_or_unreachable_is_an_answer_and_nothing_is_sent(session, commune, family, outcome):
    org, _ = commune
    lookup = look_up(session, org, family.identity)
    assert lookup.result is None
    assert_french_sentence(lookup.message)
    assert session.exec(select(AuditEntry.details).where(AuditEntry.action == "qf.lookup")).one()["outcome"] == outcome
    assert session.exec(select(Folder)).all() == []
    with pytest.raises(InvalidInput):
        submit_quotient_familial(session, siret=org.siret, lookup=lookup, submissions_in_session=0, now=NOW)


def test_a_mistyped_identity_is_not_found(session, commune):
    org, _ = commune
    assert look_up(session, org, birth_day=3).result is None
    assert look_up(session, org, birthplace="26362").result is None
    assert look_up(session, org, given_names="André").result is None


def test_look_ups_are_limited_per_session_and_per_hour(session, commune, limits):
    org, _ = commune
    limits(qf_max_lookups_per_session=2, qf_max_lookups_per_hour=3)
    with pytest.raises(Forbidden) as raised:
        look_up(session, org, lookups=2)
    assert_french_sentence(raised.value.message)
    for _ in range(3):
        look_up(session, org, lookups=0, now=NOW - timedelta(minutes=30))
    with pytest.raises(Forbidden):
        look_up(session, org)
    other = make_organization(session)
    subscribe(session, other, "FormulaireQF")
    assert look_up(session, other).result is not None  # the limit is per collectivité
    assert look_up(session, org, now=NOW + timedelta(minutes=31)).result is not None  # and per hour


def test_an_invalid_form_is_not_looked_up(session, commune):
    org, _ = commune
    with pytest.raises(QFFormErrors):
        look_up(session, org, consent=False)
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "qf.lookup")).all() == []


# --- The dossier --------------------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    """The text drawn on the pages: the content streams inflated, the strings of their Tj operators."""
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    shown = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue  # images
        for text in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", content):
            shown.append(re.sub(rb"\\(.)", rb"\1", text).decode("latin-1"))
    return "\n".join(shown)


def xml_document(data: bytes):
    """FormulaireQF.xml back as the JSON's structure (values as text, empty elements as None)."""

    def value(node):
        children = list(node)
        if not children:
            return node.text
        if node.tag in ("allocataires", "enfants"):
            return [value(child) for child in children]
        return {child.tag: value(child) for child in children}

    root = ElementTree.fromstring(data)
    assert root.tag == "FormulaireQF"
    return value(root)


def as_text(document):
    if isinstance(document, dict):
        return {k: as_text(v) for k, v in document.items()}
    if isinstance(document, list):
        return [as_text(v) for v in document]
    return None if document is None else str(document)


def files_of(session, store, folder_id) -> dict[str, bytes]:
    attachments = session.exec(select(Attachment).where(Attachment.folder_id == folder_id)).all()
    return {a.file_name: store.read_bytes(a.sha256) for a in attachments}


def test_a_confirmed_look_up_becomes_a_formulaire_qf_dossier(session, commune, store):
    org, subscription = commune
    lookup = look_up(session, org)
    receipt = send(session, org, store, lookup)
    assert re.fullmatch(r"[0-9A-F]{14}-01", receipt.reference)
    assert receipt.organization_name == "Commune de Saint-Jalle"
    case = session.exec(select(Case).where(Case.external_id == receipt.reference)).one()
    folder = session.get(Folder, case.folder_id)
    dinum = session.exec(select(Operator).where(Operator.code == "DINUM")).one()
    assert (folder.external_id, folder.operator_id) == (receipt.reference[:-3], dinum.id)
    assert (case.organization_id, case.process_id) == (org.id, process_by_code(session, "FormulaireQF").id)
    assert (case.status, case.subscription_id, case.transmitted_at) == (CaseStatus.HUBEE_NOTIFIED, subscription.id, NOW)
    assert case.subject_name == "Jean-Luc André FAURE"
    assert session.exec(select(Event.action_type).where(Event.case_id == case.id)).all() == [EventAction.TRANSMISSION]
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "qf.submitted")).one()
    assert audit.details == {"reference": receipt.reference}


def test_the_dossier_files_say_the_same_thing(session, commune, store):
    org, _ = commune
    lookup = look_up(session, org)
    receipt = send(session, org, store, lookup)
    folder_id = session.exec(select(Case.folder_id).where(Case.external_id == receipt.reference)).one()
    files = files_of(session, store, folder_id)
    pdf_name = "quotient_familial_FAURE_Jean-Luc_André.pdf"
    assert sorted(files) == ["FormulaireQF.json", "FormulaireQF.xml", pdf_name]

    document = json.loads(files["FormulaireQF.json"])
    assert document == {
        "external_id": receipt.reference[:-3],
        "pivot_identity": {
            "family_name": "FAURE",
            "given_name": "Jean-Luc André",
            "gender": "male",
            "birthdate": "1979-11-02",
            "birthplace": "26113",
            "birthcountry": "99100",
        },
        "quotient_familial_v3": {
            "allocataires": [asdict(m) for m in FAURE.allocataires],
            "enfants": [asdict(m) for m in FAURE.enfants],
            "quotient_familial": {
                "fournisseur": "MSA",
                "valeur": 487,
                "annee": 2026,
                "mois": 5,
                "annee_calcul": 2026,
                "mois_calcul": 6,
            },
            "version": "v3",
        },
    }
    assert document["quotient_familial_v3"]["allocataires"][1]["nom_usage"] == "FAURE"
    assert xml_document(files["FormulaireQF.xml"]) == as_text(document)

    text = pdf_text(files[pdf_name])
    for expected in ("Identité pivot", "Quotient familial", "Allocataires (2)", "Enfants (3)", "FAURE", "Jean-Luc André",
                     "Masculin", "02/11/1979", "Die (26113)", "487 EUR", "MSA (Mutualité sociale agricole)",
                     "mai 2026", "ROCHE (nom d'usage FAURE) ISABELLE, né(e) le 30/06/1981, F",
                     "FAURE CHLOÉ, né(e) le 05/12/2011, F", receipt.reference, "Commune de Saint-Jalle"):  # fmt: skip
        assert expected in text, expected
    assert text.index("Identité pivot") < text.index("Allocataires") < text.index("Enfants")


def test_a_family_born_abroad_without_children(session, commune, store):
    org, _ = commune
    receipt = send(session, org, store, look_up(session, org, BENALI.identity, birth_day=None))
    folder_id = session.exec(select(Case.folder_id).where(Case.external_id == receipt.reference)).one()
    files = files_of(session, store, folder_id)
    identity = json.loads(files["FormulaireQF.json"])["pivot_identity"]
    assert (identity["birthplace"], identity["birthcountry"], identity["birthdate"]) == (None, "99350", "1990-07")
    assert identity["gender"] == "female"
    assert xml_document(files["FormulaireQF.xml"])["quotient_familial_v3"]["enfants"] is None  # empty element
    text = pdf_text(files["quotient_familial_BENALI_Yasmina.pdf"])
    assert "Maroc (99350)" in text and "07/1990" in text and "aucun enfant" in text and "Enfants (0)" in text


def test_an_api_subscription_gets_its_notification(session, store):
    org = make_organization(session)
    subscription = subscribe(session, org, "FormulaireQF", access_mode=AccessMode.API)
    receipt = send(session, org, store)
    case_id = session.exec(select(Case.id).where(Case.external_id == receipt.reference)).one()
    notification = session.exec(select(Notification)).one()
    assert (notification.subscription_id, notification.case_id) == (subscription.id, case_id)


def test_submissions_are_limited_per_session_and_per_hour(session, commune, store, limits):
    org, _ = commune
    limits(qf_max_per_session=2, qf_max_per_hour=2)
    with pytest.raises(Forbidden) as raised:
        send(session, org, store, sent=2)
    assert "2 quotients familiaux" in raised.value.message
    send(session, org, store, now=NOW - timedelta(minutes=50))
    send(session, org, store, now=NOW - timedelta(minutes=10))
    with pytest.raises(Forbidden) as raised:
        send(session, org, store)
    assert_french_sentence(raised.value.message)
    assert len(session.exec(select(Case)).all()) == 2
    send(session, org, store, now=NOW + timedelta(minutes=11))  # the first one is now more than an hour old


def test_a_suspended_subscription_stops_a_pending_confirmation(session, commune, store):
    org, subscription = commune
    lookup = look_up(session, org)
    subscription.status = SubscriptionStatus.SUSPENDU
    session.flush()
    with pytest.raises(NotFound):
        send(session, org, store, lookup)


# --- The agents' kit ----------------------------------------------------------------------------------


def actor(session, org, actor_type=ActorType.ADMIN_LOCAL, **kwargs) -> Actor:
    return actor_for(session, make_account(session, org, actor_type, **kwargs))


def test_kit_gives_the_address_the_email_and_the_monthly_arrivals(session, commune, store):
    org, _ = commune
    for sent_at in (
        NOW,
        NOW - timedelta(days=1),
        datetime(2026, 4, 30, 22, 30, tzinfo=UTC),
        datetime(2025, 5, 2, tzinfo=UTC),
    ):
        send(session, org, store, now=sent_at)
    admin = actor(session, org, ActorType.ADMIN_LOCAL, roles=frozenset({Role.DOSSIERS_CONSULTATION}))
    kit = qf_kit_view(session, actor=admin, now=NOW)
    assert kit.url == f"{get_settings().public_base_url}/qf?collectivite={org.siret}"
    assert kit.url in kit.email_body and "Commune de Saint-Jalle" in kit.email_body
    assert kit.email_subject == "Transmettez-nous votre quotient familial"
    assert [m.label for m in kit.arrivals][0] == "juillet 2025" and kit.arrivals[-1].label == "juin 2026"
    by_month = {m.label: m.count for m in kit.arrivals}
    # 30 April 22:30 UTC is 1 May in Paris; 2 May 2025 is older than the twelve months shown.
    assert (by_month["juin 2026"], by_month["mai 2026"], by_month["avril 2026"]) == (2, 1, 0)
    assert sum(by_month.values()) == 3


def test_kit_hides_the_arrivals_from_an_agent_without_the_demarche(session, commune):
    org, _ = commune
    subscribe(session, org, "EtatCivil")
    etat_civil = frozenset({process_by_code(session, "EtatCivil").id})
    agent = actor(session, org, ActorType.AGENT, habilitations=etat_civil)
    assert qf_kit_view(session, actor=agent, now=NOW).arrivals is None
    admin_without_dossiers = actor(session, org, roles=frozenset({Role.USERS_GESTION}))
    assert qf_kit_view(session, actor=admin_without_dossiers, now=NOW).arrivals is None
    qf = frozenset({process_by_code(session, "FormulaireQF").id})
    habilitated = actor(session, org, ActorType.AGENT, habilitations=qf)
    assert len(qf_kit_view(session, actor=habilitated, now=NOW).arrivals) == 12


def test_kit_needs_a_subscribed_collectivite(session):
    org = make_organization(session, "Commune de Vesc")
    subscribe(session, org, "FormulaireQF", status=SubscriptionStatus.INACTIF)
    with pytest.raises(NotFound) as raised:
        qf_kit_view(session, actor=actor(session, org), now=NOW)
    assert raised.value.message.startswith("Commune de Vesc n'a pas d'abonnement actif")
    for outsider in (ActorType.DELEGUE_TECHNIQUE, ActorType.PLATFORM_ADMIN):
        with pytest.raises(Forbidden):
            qf_kit_view(session, actor=actor(session, None, outsider), now=NOW)


def qr_matches(image: Image.Image, data: str) -> bool:
    """The pixels carry the module matrix qrcode computes for `data` (a decoder would read `data` back)."""
    image = image.convert("L")
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, box_size=1)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    box = image.width // len(matrix)
    offset = (image.width - box * len(matrix)) // 2
    return all(
        (image.getpixel((offset + c * box + box // 2, offset + r * box + box // 2)) < 128) == dark
        for r, cells in enumerate(matrix)
        for c, dark in enumerate(cells)
    )


@pytest.mark.parametrize("image_format", ["PNG", "JPEG"])
def test_the_qr_code_carries_the_form_address(session, commune, image_format):
    org, _ = commune
    kit = qf_kit_view(session, actor=actor(session, org), now=NOW)
    image = Image.open(io.BytesIO(qr_bytes(kit.url, 480, image_format)))
    assert (image.format, image.size) == (image_format, (480, 480))
    assert qr_matches(image, kit.url)
    assert not qr_matches(image, kit.url.replace(org.siret, "21260271000015"))


def test_the_poster_is_an_a4_page_with_the_code_and_the_steps(session, commune):
    org, _ = commune
    kit = qf_kit_view(session, actor=actor(session, org), now=NOW)
    poster = qf_poster_pdf(kit, now=NOW)
    assert b"/MediaBox [0 0 595.28 841.89]" in poster and poster.count(b"/Type /Page\n") == 1
    assert b"/Subtype /Image" in poster
    text = pdf_text(poster)
    assert kit.url in text and "Commune de Saint-Jalle" in text
    assert "Scannez ce code" in text and "confirmez l'envoi" in text


def test_sandbox_families_cover_both_providers_and_several_shapes():
    found = [f for f in FAMILIES if f.fournisseur]
    assert {f.fournisseur for f in found} == {"CNAF", "MSA"}
    assert {len(f.enfants) for f in found} >= {0, 2, 3, 4}
    assert {len(f.allocataires) for f in found} == {1, 2}
    assert any(f.identity.born_abroad for f in found)
    for family in found:
        result = SANDBOX.fetch(family.identity, recipient="x")
        assert isinstance(result, QFResult) and result.quotient_familial.valeur == family.valeur


def test_the_readme_lists_the_sandbox_families():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for family in FAMILIES:
        identity = family.identity
        row = f"| {identity.family_name} | {' '.join(identity.given_names)} | {identity.sex} |"
        assert row in readme, row
        assert family.valeur is None or f"QF {family.valeur}," in readme
