"""Backup and restore round trip on SQLite: the restored box has the same rows and the same files."""

import hashlib
import subprocess
import sys
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from core.backup import create_backup, restore_backup
from core.config import Settings
from core.db import make_engine, session_scope
from core.demo import load_demo_data
from core.errors import Conflict, InvalidInput
from core.migrate import upgrade_to_head

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def settings_for(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, DATABASE_URL=f"sqlite:///{data_dir / 'hubee.db'}")


def snapshot(settings: Settings) -> tuple[dict[str, int], dict[str, str]]:
    """Rows per table and SHA-256 of every stored file."""
    engine = make_engine(settings.resolved_database_url)
    with engine.connect() as conn:
        rows = {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in SQLModel.metadata.sorted_tables
        }
    engine.dispose()
    files = {
        str(p.relative_to(settings.attachments_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in settings.attachments_dir.rglob("*")
        if p.is_file()
    }
    return rows, files


@pytest.fixture
def box(tmp_path, monkeypatch):
    """A small box with the demo world, its files in its own data directory."""
    settings = settings_for(tmp_path / "data")
    monkeypatch.setenv("HUBEE_DATA_DIR", str(settings.data_dir))
    from core.config import get_settings

    get_settings.cache_clear()
    upgrade_to_head(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    with session_scope(engine) as s:
        load_demo_data(s, now=NOW)
    engine.dispose()
    settings.secret_key()
    yield settings
    get_settings.cache_clear()


def test_round_trip_restores_the_same_rows_and_files(box, tmp_path):
    report = create_backup(box, tmp_path / "backups", now=NOW)
    assert report.archive.name == "hubee-backup-20261102-103000.tar.gz"
    before = snapshot(box)
    assert before[0]["case"] > 250 and len(before[1]) == report.attachments > 100

    target = settings_for(tmp_path / "restored")
    restore_backup(target, report.archive)
    assert snapshot(target) == before
    assert (target.data_dir / "secret_key").read_text() == (box.data_dir / "secret_key").read_text()


def test_restore_refuses_a_data_directory_in_use(box, tmp_path):
    report = create_backup(box, tmp_path / "backups", now=NOW)
    with pytest.raises(Conflict):
        restore_backup(box, report.archive)


def test_restore_refuses_an_archive_with_escaping_paths(tmp_path):
    evil = tmp_path / "evil.tar.gz"
    payload = tmp_path / "x"
    payload.write_text("x")
    with tarfile.open(evil, "w:gz") as tar:
        tar.add(payload, "../outside")
    with pytest.raises(InvalidInput):
        restore_backup(settings_for(tmp_path / "fresh"), evil)
    assert not (tmp_path / "outside").exists()


def test_cli_backup_then_restore(box, tmp_path):
    env_box = {"HUBEE_DATA_DIR": str(box.data_dir), "DATABASE_URL": box.resolved_database_url, "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "core.cli", "backup", "--to", str(tmp_path / "b")],
        cwd=ROOT,
        env=env_box,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    archive = next((tmp_path / "b").glob("hubee-backup-*.tar.gz"))
    fresh = tmp_path / "fresh"
    env_fresh = {
        "HUBEE_DATA_DIR": str(fresh),
        "DATABASE_URL": f"sqlite:///{fresh / 'hubee.db'}",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-m", "core.cli", "restore", str(archive)],
        cwd=ROOT,
        env=env_fresh,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert snapshot(settings_for(fresh)) == snapshot(box)
