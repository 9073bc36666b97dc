"""HebergementTourisme (DHTOUR): no sample exists, so the flow is modelled on the DILA ones.

It follows the cerfa forms behind the démarche (14004 for a meublé de tourisme, 13566 for chambres d'hôtes)
and the naming of the other DILA flows (Formalite, Demandeur-like blocks, French element names).
"""

import random
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime

from core.config import get_settings
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

KINDS = [("MEUBLE_TOURISME", "Meublé de tourisme", "14004*04"), ("CHAMBRE_HOTES", "Chambres d'hôtes", "13566*03")]


def _address(parent: ET.Element, tag: str, address: Address, with_insee: bool = False) -> None:
    node = element(parent, tag)
    fields(node, Voie=address.street, CodePostal=address.place.postal_code, Ville=address.place.name)
    if with_insee:
        element(node, "CodeINSEE", address.place.insee)


def _declarant(root: ET.Element, owner: Person) -> None:
    node = element(root, "Declarant")
    fields(element(node, "Qualite"), Code="PARTICULIER", Libelle="Particulier")
    fields(node, Civilite=owner.civility_long, Nom=owner.last_name, Prenom=owner.first_names)
    _address(node, "AdresseFrancaise", owner.address)
    fields(node, Courriel=owner.email, Telephone=owner.phone)


@dataclass(frozen=True)
class Lodging:
    kind: tuple[str, str, str]  # code, label, cerfa
    address: Address
    rooms: int
    capacity: int
    stars: int  # 0: not classified
    season: tuple[date, date]


def _random_lodging(rng: random.Random, commune: Commune, today: date) -> Lodging:
    rooms = rng.randint(1, 4)
    summer = rng.random() < 0.6
    return Lodging(
        kind=rng.choices(KINDS, weights=(3, 1))[0],
        address=random_address(rng, commune.place),
        rooms=rooms,
        capacity=rooms * 2 + rng.randint(0, 2),
        stars=rng.choice((0, 0, 1, 2, 3, 4)),
        season=(date(today.year, 4 if summer else 1, 1), date(today.year, 10 if summer else 12, 31)),
    )


def _lodging(root: ET.Element, lodging: Lodging) -> None:
    node = element(root, "Hebergement")
    fields(element(node, "TypeHebergement"), Code=lodging.kind[0], Libelle=lodging.kind[1])
    _address(node, "Adresse", lodging.address, with_insee=True)
    element(node, "ResidencePrincipale", "false")
    fields(node, NombrePieces=lodging.rooms + 1, NombreChambres=lodging.rooms, CapaciteAccueil=lodging.capacity)
    fields(element(node, "Classement"), Classe=str(lodging.stars > 0).lower(), NombreEtoiles=lodging.stars or None)
    period = element(element(node, "PeriodesLocation"), "Periode")
    fields(period, DateDebut=lodging.season[0].isoformat(), DateFin=lodging.season[1].isoformat())


def _xml(owner: Person, lodging: Lodging, sent_at: datetime, number: str) -> ET.Element:
    root = ET.Element("DeclarationHebergementTourisme", {"version": "1.0"})
    submitted = sent_at.astimezone(get_settings().zone).replace(tzinfo=None, microsecond=0)
    fields(
        element(root, "Formalite"),
        Identifiant=number,
        FormaliteType="DECL",
        DateSoumission=submitted.isoformat(),
        FormaliteModeCode="AJOUT",
        Cerfa=lodging.kind[2],
    )
    _declarant(root, owner)
    _lodging(root, lodging)
    element(root, "AttestationHonneur", "true")
    return root


def _summary(owner: Person, lodging: Lodging, number: str) -> list[tuple[str, object]]:
    place = lodging.address.place
    return [
        ("Numéro de télédossier", number),
        ("Déclarant", f"{owner.first_names} {owner.last_name.upper()}"),
        ("Type d'hébergement", f"{lodging.kind[1]} (cerfa {lodging.kind[2]})"),
        ("Adresse de l'hébergement", f"{lodging.address.street}, {place.postal_code} {place.name}"),
        ("Chambres / capacité", f"{lodging.rooms} chambre(s), {lodging.capacity} personnes"),
        ("Classement", f"{lodging.stars} étoile(s)" if lodging.stars else "non classé"),
        ("Période de location", f"du {french_date(lodging.season[0])} au {french_date(lodging.season[1])}"),
    ]


def build(rng: random.Random, commune: Commune, sent_at: datetime, number: str) -> DemoDossier:
    """A resident or a second-home owner declares a holiday let in the receiving commune."""
    today = sent_at.date()
    owner = random_person(rng, rng.choice(TOWNS + [commune.place]), age_range=(30, 75), today=today)
    lodging = _random_lodging(rng, commune, today)
    title = "Déclaration d'un hébergement de tourisme"
    files = (
        xml_file("DeclarationHebergementTourisme-XML.xml", _xml(owner, lodging, sent_at, number), MAIN_DOCUMENT),
        pdf_file(
            "DeclarationHebergementTourisme-PDF.pdf", SUMMARY, title, _summary(owner, lodging, number), created=sent_at
        ),
    )
    return DemoDossier(applicant=owner, files=files, subject_name=owner.display_name, applicant_email=owner.email)
