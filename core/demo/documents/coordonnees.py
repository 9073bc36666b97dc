"""JeChangeDeCoordonnees (JCC): `flux-siv.xml` in the DILA envelope, and its PDF summary.

The reference sample of this démarche is a copy of the EtatCivil envelope; the envelope and the
`Demandeur` block are kept as they are there, the body carries what a change of details says
(new and former address, phones, e-mail, household of a newcomer).
"""

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
from core.demo.people import TOWNS, Address, Person, random_address, random_person

CHANGES = [
    ("ADRESSE", "Changement d'adresse postale"),
    ("COURRIEL", "Changement d'adresse électronique"),
    ("TELEPHONE", "Changement de numéro de téléphone"),
]


def _address(parent: ET.Element, tag: str, address: Address) -> None:
    fields(element(parent, tag), Voie=address.street, CodePostal=address.place.postal_code, Ville=address.place.name)


def _household(request: ET.Element, adults: int, children_ages: list[int]) -> None:
    household = element(request, "Foyer")
    fields(household, NombreAdultes=adults, NombreEnfants=len(children_ages))
    for age in children_ages:
        element(element(household, "Enfant"), "Age", age)


def _xml(change, effective, person: Person, former: Address, recipients, household) -> ET.Element:
    root = ET.Element("EnveloppeMetierType", {"canal_utilise": "0"})
    request = element(root, "DemandeChangementCoordonnees")
    fields(element(request, "TypeChangement"), Code=change[0], Libelle=change[1])
    element(request, "DateEffet", effective.isoformat())
    asker = element(request, "Demandeur")
    fields(asker, Civilite=person.civility_long, Nom=person.last_name, Prenom=person.first_names)
    element(asker, "DateDeNaissance", person.birth_date.isoformat())
    _address(asker, "AdresseFrancaise", person.address)
    _address(asker, "AncienneAdresse", former)
    fields(asker, Courriel=person.email, TelephoneFixe=None, TelephonePortable=person.phone)
    if household:
        _household(request, *household)
    targets = element(request, "Destinataires")
    for commune in recipients:
        fields(element(targets, "Destinataire"), Organisme=f"Mairie de {commune.name}", CodeINSEE=commune.place.insee)
    return root


def build(rng: random.Random, commune: Commune, sent_at: datetime, number: str, others=()) -> DemoDossier:
    """Someone moves into `commune` (from the first of `others`, if any) and tells every recipient at once."""
    recipients = (commune, *others)
    person = random_person(rng, commune.place, age_range=(22, 75), today=sent_at.date())
    former = random_address(rng, others[0].place if others else rng.choice(TOWNS + [commune.place]))
    change = CHANGES[0] if others or rng.random() < 0.7 else rng.choice(CHANGES[1:])
    if change[0] != "ADRESSE":
        former = person.address
    else:
        person = replace(person, address=random_address(rng, commune.place))
    newcomer = change[0] == "ADRESSE" and rng.random() < 0.6
    household = (rng.randint(1, 2), sorted(rng.sample(range(1, 17), rng.randint(0, 3)))) if newcomer else None
    effective = sent_at.date() - timedelta(days=rng.randint(0, 30))
    root = _xml(change, effective, person, former, recipients, household)
    summary = [
        ("Numéro de télédossier", number),
        ("Déclarant", f"{person.first_names} {person.last_name.upper()}"),
        ("Changement", change[1]),
        ("Date d'effet", french_date(effective)),
        ("Nouvelle adresse", f"{person.address.street}, {commune.place.postal_code} {commune.place.name}"),
        ("Ancienne adresse", f"{former.street}, {former.place.postal_code} {former.place.name}"),
        ("Courriel / téléphone", f"{person.email} / {person.phone}"),
        ("Destinataires", ", ".join(c.name for c in recipients)),
    ]
    files = (
        xml_file("flux-siv.xml", root, MAIN_DOCUMENT),
        pdf_file("flux-siv.pdf", SUMMARY, "Déclaration de changement de coordonnées", summary, created=sent_at),
    )
    return DemoDossier(applicant=person, files=files, subject_name=person.display_name, applicant_email=person.email)
