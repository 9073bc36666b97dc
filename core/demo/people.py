"""Invented people and places for the demo dossiers: nobody here exists, every address is made up.

Names are drawn from common French first names and surnames; the towns of birth are real places with their
public INSEE codes, because a birth place is only believable with a real code.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from core.text import search_key

FIRST_NAMES_F = [
    "Camille", "Léa", "Chloé", "Manon", "Inès", "Jade", "Louise", "Emma", "Sarah", "Julie", "Margaux", "Anaïs",
    "Élodie", "Nathalie", "Sandrine", "Isabelle", "Sophie", "Claire", "Aurélie", "Céline", "Martine", "Monique",
    "Françoise", "Brigitte", "Agnès", "Océane", "Zoé", "Lina", "Maëlys", "Rose",
]  # fmt: skip
FIRST_NAMES_M = [
    "Lucas", "Hugo", "Louis", "Nathan", "Gabriel", "Arthur", "Jules", "Théo", "Enzo", "Raphaël", "Thomas",
    "Nicolas", "Julien", "Maxime", "Antoine", "Sébastien", "Laurent", "Philippe", "Michel", "Bernard", "Didier",
    "Pascal", "Jérôme", "Yannick", "Noah", "Tom", "Mathis", "Victor", "Bastien", "Rémi",
]  # fmt: skip
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent",
    "Lefèvre", "Michel", "Garcia", "Roux", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine",
    "Rousseau", "Vincent", "Chevalier", "Blanc", "Guérin", "Faure", "Mercier", "Boyer", "Gauthier", "Perrin",
    "Morel", "Roussel", "Brun", "Arnaud", "Chabert", "Reynaud", "Vernet", "Bouvier", "Peyron", "Sauvan", "Jullien",
    "Mazet", "Rey", "Teyssier", "Chaix", "Barthélemy", "N'Diaye", "Da Silva", "Nguyen",
]  # fmt: skip
STREETS = [
    ("RUE", "DES ÉCOLES"), ("CHEMIN", "DU MOULIN"), ("IMPASSE", "DES TILLEULS"), ("ROUTE", "DE LA FORÊT"),
    ("PLACE", "DE LA MAIRIE"), ("RUE", "DU LAVOIR"), ("CHEMIN", "DES VIGNES"), ("ALLÉE", "DES CHÊNES"),
    ("RUE", "DE L'ÉGLISE"), ("MONTÉE", "DU CHÂTEAU"), ("RUE", "DES JARDINS"), ("CHEMIN", "DE LA SOURCE"),
]  # fmt: skip


@dataclass(frozen=True)
class Place:
    """A town with its postal code, INSEE (COG) code and département."""

    name: str
    postal_code: str
    insee: str
    department: str


# Real towns with their public codes, used as places of birth, death and former addresses.
TOWNS = [
    Place("VALENCE", "26000", "26362", "Drôme"),
    Place("MONTÉLIMAR", "26200", "26198", "Drôme"),
    Place("DIE", "26150", "26113", "Drôme"),
    Place("CREST", "26400", "26108", "Drôme"),
    Place("PRIVAS", "07000", "07186", "Ardèche"),
    Place("GRENOBLE", "38000", "38185", "Isère"),
    Place("LYON", "69001", "69123", "Rhône"),
    Place("AVIGNON", "84000", "84007", "Vaucluse"),
    Place("MARSEILLE", "13001", "13055", "Bouches-du-Rhône"),
    Place("PARIS", "75001", "75056", "Paris"),
]


@dataclass(frozen=True)
class Address:
    number: int
    street_type: str
    street_name: str
    place: Place

    @property
    def street(self) -> str:
        return f"{self.number} {self.street_type} {self.street_name}"


@dataclass(frozen=True)
class Person:
    sex: str  # "F" or "M"
    first_names: str  # all given names, the usual one first
    last_name: str
    birth_date: date
    birth_place: Place
    address: Address
    email: str
    phone: str

    @property
    def first_name(self) -> str:
        return self.first_names.split()[0]

    @property
    def civility_long(self) -> str:
        return "MADAME" if self.sex == "F" else "MONSIEUR"

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def random_address(rng: random.Random, place: Place) -> Address:
    street_type, street_name = rng.choice(STREETS)
    return Address(rng.randint(1, 48), street_type, street_name, place)


def _email(rng: random.Random, first: str, last: str) -> str:
    local = f"{search_key(first)}.{search_key(last)}".replace(" ", "-").replace("'", "")
    return f"{local}{rng.randint(1, 99)}@courriel.test"


def random_person(
    rng: random.Random,
    home: Place,
    *,
    age_range: tuple[int, int] = (20, 85),
    sex: str | None = None,
    last_name: str | None = None,
    today: date,
) -> Person:
    """Someone living in `home`, between the given ages on `today`."""
    sex = sex or rng.choice("FM")
    names = FIRST_NAMES_F if sex == "F" else FIRST_NAMES_M
    first_names = " ".join(rng.sample(names, rng.choice((1, 2, 2, 3))))
    last_name = last_name or rng.choice(LAST_NAMES)
    age_days = rng.randint(age_range[0] * 365 + 10, (age_range[1] + 1) * 365 - 10)  # both ends included
    return Person(
        sex=sex,
        first_names=first_names,
        last_name=last_name,
        birth_date=today - timedelta(days=age_days),
        birth_place=rng.choice(TOWNS + [home]),
        address=random_address(rng, home),
        email=_email(rng, first_names.split()[0], last_name),
        phone=f"06{rng.randint(0, 99_999_999):08d}",
    )
