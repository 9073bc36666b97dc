"""The business content of dossiers: the operators' real samples, hostile and broken files, generic trees."""

import json
import time
from pathlib import Path

import pytest

from core.documents import MAX_FILE_BYTES, BusinessContent, dispatch, etat_civil, render_business_content
from core.documents.formatting import french_date, humanise, month_year, number, yes_no
from core.documents.generic import MAX_CHILDREN, MAX_DEPTH, MAX_FIELDS
from tests.unit.french import assert_french_sentence

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "hubee-samples"
PROCESS_OF_FOLDER = {
    "CERTDC": "CERTDC",
    "DEPOTDOSSIERPACS": "depotDossierPACS",
    "ETATCIVIL": "EtatCivil",
    "JECHANGEDECOORDONNEES": "JeChangeDeCoordonnees",
    "RECENSEMENTCITOYEN": "recensementCitoyen",
}
MIME = {".xml": "application/xml", ".pdf": "application/pdf", ".json": "application/json"}


def sample_files(folder: str) -> list[tuple[str, str, bytes]]:
    """Every file of a sample dossier, PDFs included, as the dossier page would pass them."""
    path = SAMPLES / folder
    if not path.is_dir():
        pytest.fail(f"The HubEE samples are missing: expected {path} (the shared/ folder beside the repository).")
    return [(p.name, MIME.get(p.suffix, "application/octet-stream"), p.read_bytes()) for p in sorted(path.iterdir())]


def render_sample(folder: str) -> BusinessContent:
    return render_business_content(PROCESS_OF_FOLDER[folder], sample_files(folder))


def the(content: BusinessContent, label: str, under: str | None = None) -> str:
    values = content.values(label, under)
    assert len(values) == 1, f"{label!r} under {under!r}: {values}"
    return values[0]


def all_values(content: BusinessContent) -> list[str]:
    return [field.value for _, field in content.walk()]


# --- the real samples -------------------------------------------------------------------------------------


def test_every_sample_folder_is_known_and_renders_without_problem():
    if not SAMPLES.is_dir():
        pytest.fail(f"The HubEE samples are missing: expected {SAMPLES}.")
    assert sorted(p.name for p in SAMPLES.iterdir() if p.is_dir()) == sorted(PROCESS_OF_FOLDER)
    for folder in PROCESS_OF_FOLDER:
        content = render_sample(folder)
        assert content.problems == (), folder
        assert content.sections, folder
        assert all(name.endswith(".xml") for name in content.source_files)


@pytest.mark.parametrize("folder", sorted(PROCESS_OF_FOLDER))
def test_every_sample_xml_alone_renders_without_problem(folder):
    for name, mime, content in sample_files(folder):
        if name.endswith(".xml"):
            rendered = render_business_content(PROCESS_OF_FOLDER[folder], [(name, mime, content)])
            assert rendered.problems == ()
            assert rendered.source_files == (name,)


def test_etat_civil_sample_shows_the_act_the_titulaire_and_the_demandeur():
    content = render_sample("ETATCIVIL")
    assert content.title == "Demande d'acte d'état civil — Acte de naissance (copie intégrale)"
    assert the(content, "Type d'acte") == "Acte de naissance"
    assert the(content, "Nature de l'acte") == "Copie intégrale"
    assert the(content, "Nombre d'exemplaires") == "1"
    assert the(content, "Lieu de l'acte") == "NICE (06000)"
    assert the(content, "Motif de la demande") == "Autre"
    assert the(content, "Nom de naissance", "Titulaire de l'acte") == "DUBOIS"
    assert the(content, "Prénoms", "Titulaire de l'acte") == "Angela Claire Louise"
    assert the(content, "Date de naissance", "Titulaire de l'acte") == "24/08/1962"
    assert the(content, "Civilité", "Titulaire de l'acte") == "Madame"
    assert the(content, "Qualité du demandeur") == "La personne concernée par l'acte"
    assert the(content, "Nom", "Demandeur") == "L'heritier"  # &apos; is a predefined entity, not a declared one
    assert the(content, "Courriel", "Demandeur") == "wossewodda-3728@yopmail.com"
    assert the(content, "Adresse", "Adresse d'envoi de l'acte") == "20 RUE PIERRE SEGURAN, 06300 NICE"


def test_pacs_sample_shows_both_partners_the_convention_and_the_pieces():
    content = render_sample("DEPOTDOSSIERPACS")
    assert the(content, "Date de naissance", "Partenaire 1") == "10/10/1994"
    assert the(content, "Date de naissance", "Partenaire 2") == "12/02/1994"
    assert the(content, "Lieu de naissance", "Partenaire 2") == "NICE (06000), YVELIENS, France"
    assert content.values("Nationalité") == ["Française", "Française"]
    assert content.values("Civilité") == ["Mme", "Mme"]
    assert the(content, "Protection de l'OFPRA (réfugié, apatride)", "Partenaire 1") == "Non"
    assert the(content, "Convention choisie") == "Convention de Pacs spécifique"
    assert the(content, "Adresse", "Résidence commune (mairie d'enregistrement)") == "1, 06000 NICE, France"
    assert the(content, "Aucun lien de parenté ou d'alliance entre les partenaires") == "Oui"
    assert the(content, "Convention de Pacs spécifique") == "A-1-NGF8UV66-depotDossierPACS-cp-2.pdf"
    assert the(content, "Acte de naissance du partenaire 2") == "A-1-NGF8UV66-depotDossierPACS-anp-1.pdf"
    assert the(content, "Déclaration conjointe (cerfa 15725*02)") == "15725-02.pdf"


def test_recensement_sample_shows_the_young_person_and_unknown_parents():
    content = render_sample("RECENSEMENTCITOYEN")
    assert content.title == "Recensement citoyen obligatoire — ALAIN BUREAU"
    assert the(content, "Sexe") == "Masculin"  # Sexe 1, as INSEE codes it
    assert the(content, "Nom de famille", "Personne recensée") == "BUREAU"
    assert the(content, "Date de naissance", "Personne recensée") == "04/04/2003"
    assert the(content, "Lieu de naissance", "Personne recensée") == "NICE (06000)"
    assert the(content, "Domicile") == "25 ALLEE CAMILLE MUFFAT, 06200 NICE"
    assert the(content, "Courriel", "Contact") == "Test.GT07@yopmail.com"
    assert the(content, "Téléphone", "Contact") == "0123456789"
    assert the(content, "Nombre de frères et sœurs vivants") == "1"
    assert content.values("Filiation") == ["Non renseignée", "Non renseignée"]
    assert the(content, "Date de soumission") == "04/08/2021 à 11:42"
    assert the(content, "Justificatif d'identité") == "A-1-N8F602RR-recensementCitoyen-ji-0.pdf"
    # Empty elements of the flow (NomUsage, Nationalite, AdresseResidence…) are not shown as blank lines.
    assert "" not in all_values(content)
    assert content.values("Nom d'usage") == []


def test_jechangedecoordonnees_sample_is_an_etat_civil_flow_shown_as_such():
    content = render_sample("JECHANGEDECOORDONNEES")
    assert content.problems == ()
    assert content.title.startswith("Demande d'acte d'état civil")
    assert the(content, "Nom de naissance", "Titulaire de l'acte") == "DUBOIS"
    (note,) = content.notes
    assert "flux-siv.xml" in note and "demande d'acte d'état civil" in note and "changement de coordonnées" in note
    assert_french_sentence(note)


def test_certdc_sample_merges_both_volets_and_says_where_they_disagree():
    content = render_sample("CERTDC")
    assert the(content, "Numéro du certificat") == "ER20190860001"
    assert the(content, "Sexe", "Défunt(e)") == "Féminin"
    assert the(content, "Nom", "Défunt(e)") == "test"
    assert the(content, "Date de naissance", "Défunt(e)") == "23/12/1980"
    assert the(content, "Domicile", "Défunt(e)") == "1 test, 35000 RENNES"
    assert the(content, "Établissement") == "HOPITAL SAINT-LOUIS - LA ROCHELLE (FINESS 170000087)"
    assert the(content, "Commune du décès") == "LA ROCHELLE (17019)"
    # The two sample volets were written for different test deaths: both values are shown, with a note.
    assert the(content, "Date et heure du décès") == "27/03/2019 à 16:00 (volet VA) ; 26/10/2021 à 10:00 (volet DD)"
    (note,) = content.notes
    assert "prénoms" in note and "date et heure du décès" in note
    assert_french_sentence(note)
    assert the(content, "Déclarant") == "Baptiste Geffrault"
    assert the(content, "Obstacle médico-légal") == "Non"
    assert the(content, "Mise en bière immédiate") == "Non"
    assert the(content, "Signature électronique") == "Présente (non vérifiée par la box)"
    assert not any("MIIH" in value or "http" in value for value in all_values(content))  # no certificate dump


# --- hostile and broken files -------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<lolz>&lol9;</lolz>"""


def only_problem(content: BusinessContent, *words: str) -> str:
    (problem,) = content.problems
    assert_french_sentence(problem)
    for word in words:
        assert word in problem
    return problem


def test_a_truncated_xml_is_reported_and_the_other_files_still_render():
    name, mime, xml = sample_files("ETATCIVIL")[1]
    files = [(name, mime, xml[: len(xml) // 2]), ("recap.pdf", "application/pdf", b"%PDF-1.4 ...")]
    content = render_business_content("EtatCivil", files)
    only_problem(content, "Le fichier ActeEtatCivil-XML.xml est illisible", "ligne")
    assert content.sections == ()
    assert content.title


def test_one_broken_certdc_volet_leaves_the_other_shown():
    files = sample_files("CERTDC")
    broken = [(n, m, c[:-200] if n.endswith("_DD.xml") else c) for n, m, c in files]
    content = render_business_content("CERTDC", broken)
    only_problem(content, "_DD.xml est illisible")
    assert the(content, "Numéro du certificat") == "ER20190860001"


def test_entity_expansion_is_refused_without_expanding():
    started = time.perf_counter()
    content = render_business_content("EtatCivil", [("bomb.xml", "application/xml", BILLION_LAUGHS)])
    assert time.perf_counter() - started < 1
    only_problem(content, "bomb.xml", "refusée par sécurité")
    assert not any("lol" in value for value in all_values(content))


@pytest.mark.parametrize(
    ("xml", "words"),
    [
        (b"<!DOCTYPE r [<!ELEMENT r ANY>]><r>x</r>", "DTD"),
        (b'<!DOCTYPE r SYSTEM "http://example.test/r.dtd"><r>x</r>', "DTD"),
        (b'<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>', "DTD"),
    ],
)
def test_dtds_and_external_entities_are_refused(xml, words):
    content = render_business_content("Inconnue", [("hostile.xml", "text/xml", xml)])
    only_problem(content, "hostile.xml", words, "refusée par sécurité")
    assert content.sections == ()


def test_an_oversize_file_is_refused_without_being_parsed():
    big = b"<r>" + b"<a>x</a>" * (MAX_FILE_BYTES // 8 + 1) + b"</r>"
    content = render_business_content("Inconnue", [("big.xml", "application/xml", big)])
    only_problem(content, "big.xml", "trop volumineux", "2,0 Mo")
    assert content.sections == ()


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (b'{"external_id": "X", "pivot_identity": {', ("FormulaireQF.json est illisible", "ligne 1")),
        (b"", ("vide",)),
        (b'{"nom": "\xe9t\xe9"}', ("encodage",)),  # latin-1 bytes in a UTF-8 document
        (b"[" * 100_000 + b"]" * 100_000, ("trop profonde",)),
    ],
)
def test_malformed_json_is_reported(payload, words):
    content = render_business_content("FormulaireQF", [("FormulaireQF.json", "application/json", payload)])
    only_problem(content, *words)


def test_a_renderer_that_fails_falls_back_to_the_tree_with_a_problem(monkeypatch):
    def broken(documents, file_names=()):
        raise KeyError("unforeseen")

    monkeypatch.setattr(etat_civil, "render", broken)
    content = render_sample("ETATCIVIL")
    only_problem(content, "ActeEtatCivil-XML.xml", "n'a pas pu être mis en forme")
    assert "DUBOIS" in all_values(content)
    assert content.title == "Contenu du télédossier"


def test_a_dossier_without_data_file_says_so():
    content = render_business_content("EtatCivil", [("acte.pdf", "application/pdf", b"%PDF-1.4")])
    assert content.problems == () and content.sections == ()
    (note,) = content.notes
    assert_french_sentence(note)


def test_files_are_recognised_by_content_when_the_name_says_nothing():
    xml = sample_files("RECENSEMENTCITOYEN")[1][2]
    content = render_business_content("recensementCitoyen", [("flux", "application/octet-stream", xml)])
    assert content.problems == () and the(content, "Nom de famille", "Personne recensée") == "BUREAU"
    text_file = render_business_content("recensementCitoyen", [("lisez-moi", "text/plain", b"Bonjour")])
    assert text_file.source_files == () and text_file.problems == ()


# --- unknown formats as trees ---------------------------------------------------------------------------------


def test_an_unknown_xml_is_a_readable_tree_with_attributes():
    xml = (
        b'<DemandeInconnue version="2"><DateDeDepot>2024-03-05</DateDeDepot>'
        b'<Personne role="demandeur"><NomUsage>Durand</NomUsage><CodeINSEENaissance>26362</CodeINSEENaissance>'
        b"<Majeur>true</Majeur></Personne><Personne><NomUsage>Petit</NomUsage></Personne></DemandeInconnue>"
    )
    content = render_business_content("Inconnue", [("autre.xml", "application/xml", xml)])
    assert content.problems == () and content.title == "Contenu du télédossier"
    (tree,) = content.sections
    assert tree.heading == "Contenu de autre.xml"
    assert the(content, "Document") == "Demande inconnue"
    assert the(content, "Version") == "2"
    assert the(content, "Date de depot") == "05/03/2024"
    assert [s.heading for s in tree.subsections] == ["Personne 1", "Personne 2"]
    assert the(content, "Role", "Personne 1") == "demandeur"
    assert the(content, "Code INSEE naissance") == "26362"
    assert the(content, "Majeur") == "Oui"


def test_an_unknown_démarche_with_a_known_format_is_rendered_by_its_format():
    content = render_business_content("Inconnue", sample_files("ETATCIVIL"))
    assert content.notes == () and the(content, "Nom de naissance", "Titulaire de l'acte") == "DUBOIS"


def test_the_tree_is_bounded_in_depth_width_and_length():
    deep = "".join(f"<Niveau{i}>" for i in range(40)) + "fond" + "".join(f"</Niveau{i}>" for i in reversed(range(40)))
    wide = "".join(f"<Ligne>{i}</Ligne>" for i in range(5000))
    long_value = "x" * 10_000
    xml = f"<Racine><Profond>{deep}</Profond><Large>{wide}</Large><Long>{long_value}</Long></Racine>".encode()
    content = render_business_content("Inconnue", [("gros.xml", "application/xml", xml)])
    assert content.problems == ()
    walked = list(content.walk())
    assert max(len(path) for path, _ in walked) <= MAX_DEPTH
    assert len(walked) <= MAX_FIELDS + 10
    assert len(content.values("Ligne", "Large")) == 0  # 5,000 lines: numbered, and cut
    assert len([f for path, f in walked if "Large" in path]) <= MAX_CHILDREN + 1
    assert the(content, "…", "Large") == f"{5000 - MAX_CHILDREN} autres éléments non affichés"
    (shown,) = content.values("Long")
    assert len(shown) <= 300 and shown.endswith("…")
    assert "fond" not in all_values(content)


def test_the_json_tree_is_bounded_too():
    data = {"niveau": {"niveau": {"niveau": {"niveau": {"niveau": {"niveau": {"niveau": {"fond": 1}}}}}}}}
    data["liste"] = [{"rang": i} for i in range(2000)]
    content = render_business_content("Inconnue", [("d.json", "application/json", json.dumps(data).encode())])
    walked = list(content.walk())
    assert max(len(path) for path, _ in walked) <= MAX_DEPTH
    assert len(walked) <= MAX_FIELDS + 10


def test_a_qf_json_of_another_shape_becomes_a_tree_with_a_note():
    payload = json.dumps({"quotient": 512, "famille": ["A", "B"], "valide": True}).encode()
    content = render_business_content("FormulaireQF", [("FormulaireQF.json", "application/json", payload)])
    assert the(content, "Quotient") == "512"
    assert the(content, "Famille") == "A, B"
    assert the(content, "Valide") == "Oui"
    (note,) = content.notes
    assert "n'a pas la forme attendue" in note


# --- French formatting -----------------------------------------------------------------------------------------


def test_french_formatting_of_values():
    assert french_date("2024-03-05") == "05/03/2024"
    assert french_date("2019-03-27T16:22:59") == "27/03/2019 à 16:22"
    assert french_date("2024-07-01T10:00:00Z") == "01/07/2024 à 12:00"  # aware values in Paris time
    assert french_date("04/04/2003") == "04/04/2003"
    assert french_date("1987-06") == "06/1987"
    assert french_date("2024-13-45") == "2024-13-45"  # never invents: shown as written
    assert french_date("") is None
    assert (yes_no("true"), yes_no("false"), yes_no(True), yes_no("peut-être")) == ("Oui", "Non", "Oui", "peut-être")
    assert month_year(5, 2024) == "mai 2024" and month_year("13", "2024") == "13 2024"
    assert number(1460, "€") == "1\u00a0460\u00a0€"
    assert humanise("DateDeNaissance") == "Date de naissance"
    assert humanise("CodeINSEENaissance") == "Code INSEE naissance"
    assert humanise("pivot_identity") == "Pivot identity"
    assert humanise("{http://www.w3.org/2000/09/xmldsig#}SignedInfo") == "Signed info"


def test_unknown_codes_are_shown_as_written():
    xml = (
        b"<PACS><partenaire1><civilite>DR</civilite><nomNaissance>ROSSI</nomNaissance>"
        b"<codeNationalite>ITA</codeNationalite><LieuNaissance><codePays>ITA</codePays></LieuNaissance>"
        b"</partenaire1></PACS>"
    )
    content = render_business_content("depotDossierPACS", [("flux-pacs.xml", "application/xml", xml)])
    assert content.problems == ()
    assert the(content, "Nationalité") == "ITA"
    assert the(content, "Civilité") == "DR"
    assert the(content, "Lieu de naissance") == "ITA"


def test_the_process_table_names_every_catalogue_démarche():
    from core.catalog import PROCESSES

    assert {code for code, *_ in PROCESSES} == set(dispatch.EXPECTED)


def test_even_the_tree_failing_leaves_a_problem_not_an_exception(monkeypatch):
    def broken(documents, file_names=()):
        raise RecursionError

    monkeypatch.setattr(etat_civil, "render", broken)
    monkeypatch.setattr(dispatch.generic, "render", broken)
    content = render_sample("ETATCIVIL")
    assert len(content.problems) == 2 and content.sections == ()
    assert content.problems[1] == "Le contenu de ActeEtatCivil-XML.xml n'a pas pu être affiché."


QF_DOCUMENT = {
    "external_id": "QF-2025-000042",
    "pivot_identity": {
        "family_name": "ROUX",
        "given_name": "JEANNE STEPHANIE",
        "gender": "female",
        "birthdate": "1987-06",
        "birthplace": None,
        "birthcountry": "99134",
    },
    "quotient_familial_v3": {
        "allocataires": [
            {
                "nom_naissance": "ROUX",
                "nom_usage": "MARTIN",
                "prenoms": "JEANNE",
                "date_naissance": "1987-06-27",
                "sexe": "F",
            }
        ],
        "enfants": [],
        "quotient_familial": {
            "fournisseur": "MSA",
            "valeur": 1150,
            "annee": 2023,
            "mois": 5,
            "annee_calcul": 2024,
            "mois_calcul": 12,
        },
        "version": "v3",
    },
}
QF_XML = (
    b"<FormulaireQF><external_id>QF-2025-000042</external_id><pivot_identity><family_name>ROUX</family_name>"
    b"<given_name>JEANNE STEPHANIE</given_name><gender>female</gender><birthdate>1987-06</birthdate>"
    b"<birthplace></birthplace><birthcountry>99134</birthcountry></pivot_identity><quotient_familial_v3>"
    b"<allocataires><allocataire><nom_naissance>ROUX</nom_naissance><nom_usage>MARTIN</nom_usage>"
    b"<prenoms>JEANNE</prenoms><date_naissance>1987-06-27</date_naissance><sexe>F</sexe></allocataire>"
    b"</allocataires><enfants></enfants><quotient_familial><fournisseur>MSA</fournisseur><valeur>1150</valeur>"
    b"<annee>2023</annee><mois>5</mois><annee_calcul>2024</annee_calcul><mois_calcul>12</mois_calcul>"
    b"</quotient_familial><version>v3</version></quotient_familial_v3></FormulaireQF>"
)


def test_quotient_familial_json_shows_identity_quotient_and_family():
    files = [("FormulaireQF.json", "application/json", json.dumps(QF_DOCUMENT).encode())]
    content = render_business_content("FormulaireQF", files)
    assert content.problems == () and content.title == "Quotient familial — JEANNE STEPHANIE ROUX"
    assert the(content, "Sexe", "Identité pivot") == "Féminin"
    assert the(content, "Date de naissance", "Identité pivot") == "06/1987"  # day unknown
    assert the(content, "Pays de naissance") == "code INSEE 99134"
    assert the(content, "Valeur") == "1\u00a0150\u00a0€"
    assert the(content, "Fournisseur") == "MSA (Mutualité sociale agricole)"
    assert the(content, "Mois de référence") == "mai 2023"
    assert the(content, "Calculé en") == "décembre 2024"
    assert the(content, "Nom d'usage", "Allocataire 1") == "MARTIN"
    assert the(content, "Enfants") == "Aucun enfant"


def test_quotient_familial_broken_json_falls_back_to_the_same_content_in_xml():
    good = render_business_content(
        "FormulaireQF", [("FormulaireQF.json", "application/json", json.dumps(QF_DOCUMENT).encode())]
    )
    files = [
        ("FormulaireQF.json", "application/json", b'{"external_id": '),
        ("FormulaireQF.xml", "application/xml", QF_XML),
    ]
    content = render_business_content("FormulaireQF", files)
    only_problem(content, "Le fichier FormulaireQF.json est illisible")
    assert content.sections == good.sections
    assert content.source_files == ("FormulaireQF.xml",)


def test_office_and_pdf_files_are_not_taken_for_data():
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    files = [("lettre.docx", docx, b"PK\x03\x04"), ("scan.pdf", "application/pdf", b"%PDF"), ("x", docx, b"<r/>")]
    content = render_business_content("EtatCivil", files)
    assert content.problems == () and content.source_files == ("x",)
