"""Backups of the box: the database and the attachment store in one dated archive, and their restoration.

SQLite is copied with its online backup API (consistent while the box runs); PostgreSQL with `pg_dump`
(custom format) and restored with `pg_restore`. The archive also holds the attachments and the box's secret
(login codes are keyed with it). Restoring needs an empty data directory — and an empty PostgreSQL database —
so that a restore never mixes two states.
"""

import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from core.config import Settings
from core.errors import Conflict, InvalidInput

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite"
PG_DUMP_FILE = "database.pgdump"


@dataclass(frozen=True)
class BackupReport:
    archive: Path
    backend: str
    attachments: int


def _backend(url: str) -> str:
    return make_url(url).get_backend_name()


def _libpq_url(url: str) -> str:
    """pg_dump speaks libpq URLs: drop SQLAlchemy's '+driver' part."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _dump_database(url: str, staging: Path) -> str:
    if _backend(url) == "sqlite":
        source = sqlite3.connect(make_url(url).database)
        target = sqlite3.connect(staging / SQLITE_FILE)
        with target:
            source.backup(target)
        source.close()
        target.close()
        return SQLITE_FILE
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={staging / PG_DUMP_FILE}", _libpq_url(url)], check=True
    )
    return PG_DUMP_FILE


def create_backup(settings: Settings, destination: Path, *, now: datetime) -> BackupReport:
    """Write `hubee-backup-YYYYMMDD-HHMMSS.tar.gz` in `destination`; the file appears only once complete."""
    url = settings.resolved_database_url
    destination.mkdir(parents=True, exist_ok=True)
    archive = destination / f"hubee-backup-{now.astimezone(settings.zone):%Y%m%d-%H%M%S}.tar.gz"
    with tempfile.TemporaryDirectory(dir=destination) as tmp:
        staging = Path(tmp)
        database_file = _dump_database(url, staging)
        manifest = {"created_at": now.isoformat(), "backend": _backend(url), "database": database_file}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2))
        partial = staging / "archive.partial"
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(staging / MANIFEST, MANIFEST)
            tar.add(staging / database_file, database_file)
            if settings.attachments_dir.is_dir():
                tar.add(settings.attachments_dir, "attachments")
            secret = settings.data_dir / "secret_key"
            if secret.is_file():
                tar.add(secret, "secret_key")
        partial.replace(archive)
    count = (
        sum(1 for p in settings.attachments_dir.rglob("*") if p.is_file()) if settings.attachments_dir.is_dir() else 0
    )
    return BackupReport(archive=archive, backend=manifest["backend"], attachments=count)


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = tar.getmembers()
    for member in members:
        path = Path(member.name)
        if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
            raise InvalidInput(f"Archive refusée : entrée suspecte « {member.name} ».", field="archive")
    return members


def _check_empty_target(settings: Settings, url: str) -> None:
    if settings.attachments_dir.exists() and any(settings.attachments_dir.iterdir()):
        raise Conflict(
            f"Le dossier des pièces jointes {settings.attachments_dir} n'est pas vide : restauration refusée."
        )
    if _backend(url) == "sqlite" and Path(make_url(url).database).exists():
        raise Conflict(f"La base {make_url(url).database} existe déjà : restaurez dans un dossier de données vide.")


def restore_backup(settings: Settings, archive: Path) -> dict:
    """Restore an archive of `create_backup` into the (empty) data directory and database of `settings`."""
    url = settings.resolved_database_url
    _check_empty_target(settings, url)
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(archive, "r:gz") as tar:
        staging = Path(tmp)
        tar.extractall(staging, members=_safe_members(tar), filter="data")
        manifest = json.loads((staging / MANIFEST).read_text())
        if manifest["backend"] != _backend(url):
            raise InvalidInput(
                f"Cette sauvegarde vient d'une base {manifest['backend']} : elle se restaure sur le même type de base."
            )
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        if manifest["backend"] == "sqlite":
            shutil.copyfile(staging / SQLITE_FILE, make_url(url).database)
        else:
            subprocess.run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--exit-on-error",
                    f"--dbname={_libpq_url(url)}",
                    str(staging / PG_DUMP_FILE),
                ],
                check=True,
            )
        if (staging / "attachments").is_dir():
            shutil.copytree(staging / "attachments", settings.attachments_dir, dirs_exist_ok=True)
        if (staging / "secret_key").is_file() and not (settings.data_dir / "secret_key").exists():
            shutil.copyfile(staging / "secret_key", settings.data_dir / "secret_key")
    return manifest
