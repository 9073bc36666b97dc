"""Every démarche the demo generates renders without problem, and shows the values the generator wrote."""

import json
import random
from datetime import UTC, datetime

import pytest

from core.demo.documents import GENERATORS, coordonnees
from core.demo.world import COMMUNES
from core.documents import BusinessContent, render_business_content

SENT_AT = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
SEEDS = range(12)


def demo_dossier(code: str, seed: int, **extra):
    build = coordonnees.build if extra else GENERATORS[code]
    return build(random.Random(seed), COMMUNES[seed % 3].commune, SENT_AT, f"DEMO-{seed:04d}", **extra)


def rendered(code: str, dossier) -> BusinessContent:
    files = [(f.file_name, f.mime_type, f.content) for f in dossier.files]
    return render_business_content(code, files)


def the(content: BusinessContent, label: str, under: str | None = None) -> str:
    values = content.values(label, under)
    assert len(values) == 1, f"{label!r} under {under!r}: {values}"
    return values[0]


@pytest.mark.parametrize("code", sorted(GENERATORS))
def test_every_demo_démarche_renders_without_problem_or_note(code):
    for seed in SEEDS:
        dossier = demo_dossier(code, seed)
        content = rendered(code, dossier)
        assert content.problems == (), (code, seed)
        assert content.notes == (), (code, seed)
        assert content.sections and content.title != "Contenu du télédossier", (code, seed)
        assert all("\n" not in field.value and field.value for _, field in content.walk())


def test_etat_civil_demo_shows_the_holder_and_the_applicant():
    for seed in SEEDS:
        dossier = demo_dossier("EtatCivil", seed)
        content = rendered("EtatCivil", dossier)
        holder = dossier.subject_name.split()[-1].upper()
        assert the(content, "Nom de naissance", "Titulaire de l'acte") == holder
        assert the(content, "Courriel", "Demandeur") == dossier.applicant.email


def test_pacs_and_recensement_demo_list_their_pieces():
    pacs = rendered("depotDossierPACS", demo_dossier("depotDossierPACS", 1))
    assert len(pacs.values("Acte de naissance du partenaire 1")) == 1
    assert len(pacs.values("Acte de naissance du partenaire 2")) == 1
    census = rendered("recensementCitoyen", demo_dossier("recensementCitoyen", 1))
    assert census.values("Livret de famille")[0].endswith("-recensementCitoyen-jf-1.pdf")


def test_coordonnees_demo_names_every_commune_told():
    dossier = demo_dossier("JeChangeDeCoordonnees", 4, others=(COMMUNES[1].commune, COMMUNES[2].commune))
    content = rendered("JeChangeDeCoordonnees", dossier)
    assert content.problems == () and content.notes == ()
    assert the(content, "Destinataire 2") == "Mairie de Montclar-sur-Roubion (INSEE 26395)"
    assert the(content, "Type de changement") == "Changement d'adresse postale"
    assert "26450 MONTCLAR-SUR-ROUBION" in the(content, "Ancienne adresse")


def test_certdc_demo_volets_agree_and_latin1_names_survive():
    for seed in SEEDS:
        dossier = demo_dossier("CERTDC", seed)
        content = rendered("CERTDC", dossier)
        assert content.notes == ()
        assert the(content, "Prénoms", "Défunt(e)").split()[0] == dossier.subject_name.split()[0]
        assert the(content, "Signature électronique") == "Présente (non vérifiée par la box)"


def test_quotient_familial_demo_shows_the_json_values_and_the_xml_alone_gives_the_same():
    for seed in SEEDS:
        dossier = demo_dossier("FormulaireQF", seed)
        document = json.loads(next(f.content for f in dossier.files if f.file_name.endswith(".json")))
        qf = document["quotient_familial_v3"]["quotient_familial"]
        content = rendered("FormulaireQF", dossier)
        assert the(content, "Valeur").replace("\u00a0", "") == f"{qf['valeur']}€"
        provider = {"CNAF": "CAF (Caisse d'allocations familiales)", "MSA": "MSA (Mutualité sociale agricole)"}
        assert the(content, "Fournisseur") == provider[qf["fournisseur"]]
        assert the(content, "Numéro du dossier") == f"DEMO-{seed:04d}"
        enfants = content.values("Prénoms", "Enfants")
        assert enfants == [e["prenoms"] for e in document["quotient_familial_v3"]["enfants"]]
        xml_only = [(f.file_name, f.mime_type, f.content) for f in dossier.files if not f.file_name.endswith(".json")]
        assert render_business_content("FormulaireQF", xml_only).sections == content.sections


def test_tourisme_demo_shows_the_lodging():
    content = rendered("HebergementTourisme", demo_dossier("HebergementTourisme", 2))
    assert the(content, "Type d'hébergement") in ("Meublé de tourisme", "Chambres d'hôtes")
    assert the(content, "Capacité d'accueil").endswith("personnes")
    assert the(content, "Périodes de location").startswith("du 01/")
