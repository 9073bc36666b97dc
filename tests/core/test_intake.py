"""Intake of dropped packages with a frozen clock: good ones become dossiers as the API makes them, bad ones go
to quarantine with a French reason and nothing imported, a re-dropped one creates no duplicate."""

import hashlib
import io
import json
import os
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from core.config import get_settings
from core.db import session_scope
from core.models import (
    Attachment,
    AuditEntry,
    Case,
    CaseStatus,
    Event,
    EventAction,
    Folder,
    FolderStatus,
    Operator,
    SubscriptionStatus,
)
from core.services import intake
from core.services.intake import IntakeError, import_inbound_packages
from tests.factories import make_organization, subscribe

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
XML = b"<?xml version='1.0'?><demande><acte>naissance</acte></demande>"
PDF = b"%PDF-1.4 justificatif"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def world(db):
    with session_scope(db) as s:
        lunel = make_organization(s, "Commune de Lunel")
        sete = make_organization(s, "Commune de Sète")
        for organization in (lunel, sete):
            subscribe(s, organization, "EtatCivil")
        subscribe(s, lunel, "recensementCitoyen", status=SubscriptionStatus.SUSPENDU)
        return {"lunel": lunel.siret, "sete": sete.siret}


@pytest.fixture
def inbound(tmp_path):
    return tmp_path / "inbound"


@pytest.fixture
def run(db, inbound, store):
    settings = get_settings().model_copy(update={"inbound_dir": inbound, "max_attachment_bytes": store.max_bytes})

    def _run(now=T0, **kwargs):
        return import_inbound_packages(db, now=now, settings=settings, store=store, **kwargs)

    return _run


def manifest_for(sirets, external_id="EC-2026-000123", **changes) -> dict:
    manifest = {
        "processCode": "EtatCivil",
        "externalId": external_id,
        "applicant": {"firstName": "Marie", "lastName": "DURAND", "email": "Marie.Durand@example.fr"},
        "personneConcernee": "Léa DURAND",
        "cases": [{"siret": siret, "externalId": f"{external_id}-{i:02d}"} for i, siret in enumerate(sirets, 1)],
        "attachments": [
            {
                "fileName": "demande.xml",
                "type": "Document principal",
                "mimeType": "application/xml",
                "sha256": sha(XML),
            },
            {"fileName": "justificatif.pdf", "type": "Pièce jointe", "mimeType": "application/pdf", "sha256": sha(PDF)},
        ],
    }
    manifest.update(changes)
    return manifest


def drop(inbound, name, manifest=None, files=None, *, raw_manifest=None, age=timedelta(minutes=1), members=None):
    """Write a ZIP into the inbound folder, last modified `age` before T0."""
    inbound.mkdir(parents=True, exist_ok=True)
    path = inbound / name
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if raw_manifest is not None or manifest is not None:
            archive.writestr("manifest.json", raw_manifest if raw_manifest is not None else json.dumps(manifest))
        for file_name, content in (
            files if files is not None else {"demande.xml": XML, "justificatif.pdf": PDF}
        ).items():
            archive.writestr(file_name, content)
        for info, content in members or ():
            archive.writestr(info, content)
    path.write_bytes(buffer.getvalue())
    stamp = (T0 - age).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def reason_of(inbound, name) -> str:
    return (inbound / "quarantine" / f"{name}.reason.txt").read_text(encoding="utf-8")


def folder_count(db) -> int:
    with session_scope(db) as s:
        return len(s.exec(select(Folder)).all())


def test_a_valid_package_becomes_a_folder_and_cases_as_the_api_makes_them(db, world, inbound, run, store):
    drop(inbound, "ec-123.zip", manifest_for([world["lunel"], world["sete"]]))

    report = run()

    assert (report.imported, report.quarantined, report.already_imported) == (1, 0, 0)
    assert not (inbound / "ec-123.zip").exists() and (inbound / "done" / "ec-123.zip").exists()
    with session_scope(db) as s:
        folder = s.exec(select(Folder)).one()
        assert (folder.external_id, folder.status, folder.created_at) == (
            "EC-2026-000123",
            FolderStatus.HUBEE_NOTIFIED,
            T0,
        )
        assert s.get(Operator, folder.operator_id).code == "DILA"
        assert folder.applicant_email == "marie.durand@example.fr"
        cases = s.exec(select(Case).order_by(Case.external_id)).all()
        assert [c.external_id for c in cases] == ["EC-2026-000123-01", "EC-2026-000123-02"]
        assert {c.status for c in cases} == {CaseStatus.HUBEE_NOTIFIED}
        assert {c.subject_name for c in cases} == {"Léa DURAND"} and cases[0].transmitted_at == T0
        files = s.exec(select(Attachment).order_by(Attachment.file_name)).all()
        assert [(f.file_name, f.mime_type, f.sha256) for f in files] == [
            ("demande.xml", "application/xml", sha(XML)),
            ("justificatif.pdf", "application/pdf", sha(PDF)),
        ]
        assert store.read_bytes(sha(PDF)) == PDF
        assert len(s.exec(select(Event).where(Event.action_type == EventAction.TRANSMISSION)).all()) == 2
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "intake.imported")).one()
        assert entry.details["package"] == "ec-123.zip"


def test_the_same_package_dropped_again_creates_no_duplicate(db, world, inbound, run):
    package = drop(inbound, "ec-123.zip", manifest_for([world["lunel"]]))
    content = package.read_bytes()
    run()
    again = inbound / "ec-123.zip"
    again.write_bytes(content)
    os.utime(again, ((T0 - timedelta(minutes=1)).timestamp(),) * 2)

    report = run(now=T0 + timedelta(minutes=5))

    assert (report.imported, report.already_imported, report.quarantined) == (0, 1, 0)
    assert folder_count(db) == 1
    assert sorted(p.name for p in (inbound / "done").iterdir()) == ["ec-123-20260504080500-1.zip", "ec-123.zip"]


def test_another_package_reusing_an_imported_number_is_quarantined(db, world, inbound, run):
    drop(inbound, "first.zip", manifest_for([world["lunel"]]))
    run()
    drop(inbound, "second.zip", manifest_for([world["sete"]]))
    assert run().quarantined == 1
    assert "EC-2026-000123 a déjà été reçu de DILA avec un contenu différent" in reason_of(inbound, "second.zip")
    assert folder_count(db) == 1


def test_files_still_being_written_are_left_alone(db, world, inbound, run):
    drop(inbound, "young.zip", manifest_for([world["lunel"]]), age=timedelta(seconds=5))
    drop(inbound, ".copying.zip", manifest_for([world["lunel"]], "OTHER-1"))
    drop(inbound, "ec.zip.part", manifest_for([world["lunel"]], "OTHER-2"))
    report = run()
    assert (report.imported, report.waiting, report.quarantined) == (0, 1, 0)
    assert sorted(p.name for p in inbound.iterdir() if p.is_file()) == [".copying.zip", "ec.zip.part", "young.zip"]
    assert run(now=T0 + timedelta(minutes=1)).imported == 1


def _bomb():
    info = zipfile.ZipInfo("bombe.xml")
    info.compress_type = zipfile.ZIP_DEFLATED
    return [(info, bytes(3 * 1024 * 1024))]  # 3 MiB of zeros in a few kilobytes


def _traversal():
    return [(zipfile.ZipInfo("../../etc/cron.d/evil"), b"* * * * * root rm -rf /")]


BAD_PACKAGES = {
    "not a zip": (lambda w: {"raw_file": b"PK\x03\x04 this is not a zip"}, "n'est pas une archive ZIP lisible"),
    "bad json": (lambda w: {"raw_manifest": b'{"processCode": "EtatCivil",'}, "n'est pas un JSON valide (ligne 1"),
    "no manifest": (lambda w: {"manifest": None}, "manifest.json est absent"),
    "missing field": (
        lambda w: {"manifest": manifest_for([w["lunel"]], applicant={"firstName": "Marie"})},
        "champ « applicant.lastName » : Le champ « nom du demandeur » est obligatoire",
    ),
    "email not a text": (
        lambda w: {"manifest": manifest_for([w["lunel"]], applicant={"firstName": "M", "lastName": "D", "email": [1]})},
        "champ « applicant.email » : L'adresse électronique n'est pas valide",
    ),
    "bad siret": (
        lambda w: {"manifest": manifest_for(["12345678901234"])},
        "champ « siret » : Ce SIRET n'est pas valide",
    ),
    "unknown démarche": (
        lambda w: {"manifest": manifest_for([w["lunel"]], processCode="PermisDeChasse")},
        "La démarche « PermisDeChasse » n'existe pas dans le catalogue.",
    ),
    "no active subscription": (
        lambda w: {"manifest": manifest_for([w["lunel"]], processCode="recensementCitoyen")},
        "n'a pas d'abonnement actif à la démarche « Recensement citoyen obligatoire (RCO) »",
    ),
    "half deliverable": (
        lambda w: {"manifest": manifest_for([w["lunel"], "21340172201787"])},
        "Aucun service instructeur actif n'a le SIRET 21340172201787",
    ),
    "missing file": (
        lambda w: {"manifest": manifest_for([w["lunel"]]), "files": {"demande.xml": XML}},
        "Le fichier « justificatif.pdf » annoncé dans manifest.json est absent de l'archive.",
    ),
    "hash mismatch": (
        lambda w: {"manifest": manifest_for([w["lunel"]]), "files": {"demande.xml": XML, "justificatif.pdf": b"autre"}},
        "L'empreinte SHA-256 du fichier « justificatif.pdf » ne correspond pas",
    ),
    "oversize": (
        lambda w: {
            "manifest": manifest_for([w["lunel"]]),
            "files": {"demande.xml": XML, "justificatif.pdf": PDF, "gros.bin": os.urandom(1024 * 1024 + 1)},
        },
        "Le fichier « gros.bin » dépasse la taille maximale autorisée (1 Mo).",
    ),
    "zip bomb": (
        lambda w: {"manifest": manifest_for([w["lunel"]]), "members": _bomb()},
        "taux de compression anormal",
    ),
    "path traversal": (
        lambda w: {"manifest": manifest_for([w["lunel"]]), "members": _traversal()},
        "Nom de fichier refusé dans l'archive : « ../../etc/cron.d/evil »",
    ),
    "too many files": (
        lambda w: {"manifest": manifest_for([w["lunel"]]), "files": {f"f{i}.txt": b"x" for i in range(51)}},
        "L'archive contient trop de fichiers (52) : au plus 50 pièces jointes.",
    ),
    "unlisted file": (
        lambda w: {
            "manifest": manifest_for([w["lunel"]]),
            "files": {"demande.xml": XML, "justificatif.pdf": PDF, "x.exe": b"MZ"},
        },
        "Le fichier « x.exe » est dans l'archive mais pas dans manifest.json.",
    ),
}


@pytest.mark.parametrize("case", BAD_PACKAGES, ids=list(BAD_PACKAGES))
def test_each_bad_package_is_quarantined_with_its_reason_and_nothing_imported(db, world, inbound, run, case):
    build, expected = BAD_PACKAGES[case]
    spec = {"manifest": manifest_for([world["lunel"]]), **build(world)}
    if "raw_file" in spec:
        inbound.mkdir(parents=True, exist_ok=True)
        (inbound / "bad.zip").write_bytes(spec["raw_file"])
        os.utime(inbound / "bad.zip", ((T0 - timedelta(minutes=1)).timestamp(),) * 2)
    else:
        drop(
            inbound,
            "bad.zip",
            spec["manifest"],
            spec.get("files"),
            raw_manifest=spec.get("raw_manifest"),
            members=spec.get("members"),
        )

    report = run()

    assert (report.imported, report.quarantined) == (0, 1)
    assert (inbound / "quarantine" / "bad.zip").exists() and not (inbound / "bad.zip").exists()
    reason = reason_of(inbound, "bad.zip")
    assert expected in reason
    assert reason.startswith("Paquet : bad.zip\nMis en quarantaine le 04/05/2026 à 10:00:00 (heure de Paris)")
    assert folder_count(db) == 0


def test_a_quarantined_name_is_never_overwritten(db, world, inbound, run):
    for minute in (1, 2):
        drop(inbound, "bad.zip", raw_manifest=b"nope")
        run(now=T0 + timedelta(minutes=minute))
    assert sorted(p.name for p in (inbound / "quarantine").iterdir()) == [
        "bad-20260504080200-1.zip",
        "bad-20260504080200-1.zip.reason.txt",
        "bad.zip",
        "bad.zip.reason.txt",
    ]


def test_good_packages_are_imported_beside_bad_ones(db, world, inbound, run):
    drop(inbound, "a.zip", manifest_for([world["lunel"]], "A-1"))
    drop(inbound, "b.zip", raw_manifest=b"[")
    drop(inbound, "c.zip", manifest_for([world["sete"]], "C-1"))
    report = run()
    assert (report.imported, report.quarantined) == (2, 1)
    assert folder_count(db) == 2


def test_an_unexpected_failure_leaves_the_package_for_the_next_run(db, world, inbound, run, monkeypatch):
    drop(inbound, "a.zip", manifest_for([world["lunel"]]))

    def broken(*args, **kwargs):
        raise RuntimeError("base indisponible")

    monkeypatch.setattr(intake, "deliver_folder", broken)
    with pytest.raises(
        IntakeError, match="1 paquet\\(s\\) laissé\\(s\\) .* a.zip \\(RuntimeError : base indisponible\\)"
    ):
        run()
    assert (inbound / "a.zip").exists() and folder_count(db) == 0
    monkeypatch.undo()
    assert run().imported == 1


def test_each_package_is_stamped_by_the_clock_when_given(db, world, inbound, run):
    drop(inbound, "a.zip", manifest_for([world["lunel"]]))
    later = T0 + timedelta(seconds=42)
    run(clock=lambda: later)
    with session_scope(db) as s:
        assert s.exec(select(Case)).one().transmitted_at == later
