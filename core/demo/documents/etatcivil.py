"""EtatCivil (AEC): the `EnveloppeMetierType` flow of service-public.fr, plus its PDF summary."""

import random
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime, timedelta

from core.demo.documents.common import (
    MAIN_DOCUMENT,
    SUMMARY,
    Commune,
    DemoDossier,
    element,
    fields,
    french_date,
    pdf_file,
    xml_file,
)
from core.demo.people import TOWNS, Person, random_person

ACT_TYPES = [("NAISSANCE", "Acte de naissance"), ("MARIAGE", "Acte de mariage"), ("DECES", "Acte de décès")]
ACT_NATURES = [
    ("COPIE-INTEGRALE", "Copie intégrale"),
    ("EXTRAIT-AVEC-FILIATION", "Extrait avec filiation"),
    ("EXTRAIT-SANS-FILIATION", "Extrait sans filiation"),
    ("EXTRAIT-PLURILINGUE", "Extrait plurilingue"),
]
REASONS = ["Demande de passeport", "Mariage", "Pacs", "Succession", "Autre"]
# Who asks, and the act's holder relative to them.
QUALITIES = [
    ("PersonneConcernee", "La personne concernée par l'acte"),
    ("Parent", "Son père ou sa mère"),
    ("Enfant", "Son fils ou sa fille"),
]


def _holder_and_applicant(rng: random.Random, commune: Commune, act: str, quality: str, today) -> tuple[Person, Person]:
    living = act != "DECES"
    ages = {"PersonneConcernee": (18, 80), "Parent": (1, 17), "Enfant": (60, 95)}[quality if living else "Enfant"]
    holder = random_person(rng, rng.choice(TOWNS), age_range=ages, today=today)
    if act == "NAISSANCE":  # a birth act is held by the commune of birth
        holder = replace(holder, birth_place=commune.place)
    if quality == "PersonneConcernee" and living:
        return holder, holder
    applicant = random_person(rng, rng.choice(TOWNS), age_range=(25, 70), last_name=holder.last_name, today=today)
    return holder, applicant


def _act_date(rng: random.Random, act: str, holder: Person, today):
    if act == "NAISSANCE":
        return holder.birth_date
    if act == "MARIAGE":
        return holder.birth_date + timedelta(days=rng.randint(22 * 365, 40 * 365))
    return today - timedelta(days=rng.randint(20, 900))


def _xml(act, nature, act_date, reason, quality, commune: Commune, holder: Person, applicant: Person) -> ET.Element:
    root = ET.Element("EnveloppeMetierType", {"canal_utilise": "0"})
    request = element(root, "DemandeActe")
    fields(element(request, "TypeActe"), Code=act[0], Libelle=act[1])
    fields(element(request, "NatureActe"), Code=nature[0], Libelle=nature[1])
    element(request, "DateActe", act_date.isoformat())
    place = commune.place
    fields(element(request, "LieuActe"), CodePostal=place.postal_code, Ville=place.name, CodeINSEE=place.insee)
    element(request, "NombreExemplaires", 1)
    fields(element(request, "MotifDemande"), Libelle=reason, Commentaire=reason)
    asker = element(request, "Demandeur")
    fields(element(asker, "QualiteDemandeur"), Code=quality[0], Libelle=quality[1])
    fields(asker, Civilite=applicant.civility_long, Nom=applicant.last_name, Prenom=applicant.first_names)
    home = applicant.address
    fields(
        element(asker, "AdresseFrancaise"), Voie=home.street, CodePostal=home.place.postal_code, Ville=home.place.name
    )
    element(asker, "Courriel", applicant.email)
    titulaire = element(request, "Titulaire")
    fields(
        titulaire,
        Civilite=holder.civility_long,
        NomNaissance=holder.last_name.upper(),
        Prenoms=holder.first_names,
        DateDeNaissance=holder.birth_date.isoformat(),
        LieuDeNaissance=holder.birth_place.name,
        DepartementDeNaissance=holder.birth_place.department,
    )
    return root


def build(rng: random.Random, commune: Commune, sent_at: datetime, number: str) -> DemoDossier:
    """A request for a copy of an act held by the receiving commune."""
    act = rng.choices(ACT_TYPES, weights=(6, 2, 1))[0]
    nature = rng.choice(ACT_NATURES)
    quality = QUALITIES[0] if act[0] == "NAISSANCE" and rng.random() < 0.7 else rng.choice(QUALITIES[1:])
    holder, applicant = _holder_and_applicant(rng, commune, act[0], quality[0], sent_at.date())
    act_date = _act_date(rng, act[0], holder, sent_at.date())
    reason = rng.choice(REASONS)
    root = _xml(act, nature, act_date, reason, quality, commune, holder, applicant)
    summary = [
        ("Numéro de télédossier", number),
        ("Type d'acte", act[1]),
        ("Nature de l'acte", nature[1]),
        ("Date de l'acte", french_date(act_date)),
        ("Lieu de l'acte", f"{commune.place.name} ({commune.place.postal_code})"),
        ("Motif", reason),
        ("Titulaire", f"{holder.first_names} {holder.last_name.upper()}"),
        ("Demandeur", f"{applicant.first_names} {applicant.last_name.upper()} ({quality[1]})"),
        ("Adresse du demandeur", f"{applicant.address.street}, {applicant.address.place.postal_code}"),
        ("Courriel", applicant.email),
    ]
    files = (
        xml_file("ActeEtatCivil-XML.xml", root, MAIN_DOCUMENT),
        pdf_file(
            "ActeEtatCivil-PDF.pdf",
            SUMMARY,
            "Demande d'acte d'état civil",
            summary,
            created=sent_at,
            subtitle=f"Transmise le {french_date(sent_at)} par service-public.fr",
        ),
    )
    return DemoDossier(
        applicant=applicant, files=files, subject_name=holder.display_name, applicant_email=applicant.email
    )
