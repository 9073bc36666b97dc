"""CSV exports open in French Excel and never carry a formula."""

import csv
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from core.csv_export import csv_bytes
from core.models import SubscriptionStatus


def parse(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_bom_semicolons_french_dates_and_labels():
    data = csv_bytes(
        ["Nom", "Date", "Horodatage", "Statut", "Actif"],
        [
            [
                "Hélène; Garnier",
                date(2026, 3, 9),
                datetime(2026, 3, 9, 23, 30, tzinfo=UTC),
                SubscriptionStatus.REFUSE,
                True,
            ]
        ],
        ZoneInfo("Europe/Paris"),
    )
    assert b"\r\n" in data
    assert parse(data) == [
        ["Nom", "Date", "Horodatage", "Statut", "Actif"],
        ["Hélène; Garnier", "09/03/2026", "10/03/2026 00:30", "Refusé", "Oui"],
    ]


def test_formula_cells_are_neutralised():
    dangerous = ["=1+1", "+33 6", "-2", "@SUM(A1)", "\tx", "\rx", "normal"]
    assert parse(csv_bytes(["v"], [[v] for v in dangerous]))[1:] == [
        ["'=1+1"],
        ["'+33 6"],
        ["'-2"],
        ["'@SUM(A1)"],
        ["'\tx"],
        ["'\rx"],
        ["normal"],
    ]
