"""Shared fixtures: a migrated database (SQLite by default, PostgreSQL when HUBEE_TEST_DATABASE_URL is set),
a temporary data directory, and a clean slate for every test."""

import os
import tempfile
from pathlib import Path

import pytest

# Settings are read from the environment: set it before anything builds them.
_DATA_DIR = Path(tempfile.mkdtemp(prefix="hubee-test-"))
os.environ["HUBEE_DATA_DIR"] = str(_DATA_DIR)
os.environ["HUBEE_BCRYPT_ROUNDS"] = "4"
os.environ["DATABASE_URL"] = os.environ.get("HUBEE_TEST_DATABASE_URL") or f"sqlite:///{_DATA_DIR / 'test.db'}"

from sqlmodel import SQLModel  # noqa: E402

from core.catalog import ensure_catalogue  # noqa: E402
from core.config import get_settings  # noqa: E402
from core.db import get_engine, session_scope  # noqa: E402
from core.migrate import upgrade_to_head  # noqa: E402
from core.storage import AttachmentStore  # noqa: E402

KEPT_TABLES = {"operator", "process", "alembic_version"}


@pytest.fixture(scope="session")
def engine():
    get_settings.cache_clear()
    get_engine.cache_clear()
    upgrade_to_head()
    return get_engine()


def wipe_database(engine) -> None:
    with engine.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            if table.name not in KEPT_TABLES:
                conn.execute(table.delete())
    with session_scope(engine) as s:
        ensure_catalogue(s)


@pytest.fixture
def db(engine):
    """The migrated engine, emptied of everything but the catalogue after the test."""
    yield engine
    wipe_database(engine)


@pytest.fixture
def session(db):
    """One unit of work, committed at the end of the test unless it raised."""
    with session_scope(db) as s:
        yield s


@pytest.fixture
def store(tmp_path):
    return AttachmentStore(tmp_path / "attachments", max_bytes=1024 * 1024)
