"""Bring a database to the latest schema, and tell which schema version it is at."""

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from core.config import PROJECT_ROOT, get_settings
from core.db import make_engine


def alembic_config(url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "core" / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_to_head(url: str | None = None) -> None:
    """Apply every pending migration (a new database gets the whole schema and the catalogue)."""
    command.upgrade(alembic_config(url or get_settings().resolved_database_url), "head")


def schema_version(url: str | None = None) -> tuple[str | None, str]:
    """(current revision of the database, latest revision of the code)."""
    url = url or get_settings().resolved_database_url
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    engine = make_engine(url)
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    engine.dispose()
    return current, head
