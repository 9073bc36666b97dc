"""The schema built by Alembic is the schema of the models, on SQLite and on PostgreSQL, and the catalogue
seeded by the migrations is the one of core/catalog.py (two copies that must never drift)."""

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

import core.models  # noqa: F401  (registers every table on SQLModel.metadata)
from core import catalog
from core.db import make_engine
from core.migrate import alembic_config, schema_version

# The same comparison options as core/migrations/env.py: an empty list here means that
# `alembic revision --autogenerate` would write an empty migration. Server defaults are not compared (as in
# env.py): a migration may add one to fill a new NOT NULL column on existing rows, which the model does not need.
COMPARE_OPTS = {"compare_type": True}


def schema_differences(connection) -> list:
    return compare_metadata(MigrationContext.configure(connection, opts=COMPARE_OPTS), SQLModel.metadata)


def head_revision(url: str) -> str:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def expected_catalogue() -> tuple[dict, dict]:
    """core/catalog.py as {operator code: row} and {process code: row}, operators referred to by code."""
    operators = {row["code"]: (row["name"], row["siret"], row["branch_code"]) for row in catalog.OPERATORS}
    processes = {
        code: (label, short, operator, complement, file_out, True)
        for code, label, short, operator, complement, file_out in catalog.PROCESSES
    }
    return operators, processes


def catalogue_rows(connection) -> tuple[dict, dict]:
    operators = {
        code: (name, siret, branch, oid)
        for oid, code, name, siret, branch in connection.execute(
            sa.text("SELECT id, code, name, siret, branch_code FROM operator")
        )
    }
    code_of = {oid: code for code, (*_, oid) in operators.items()}
    processes = {
        code: (label, short, code_of[operator_id], bool(complement), bool(file_out), bool(active))
        for code, label, short, operator_id, complement, file_out, active in connection.execute(
            sa.text(
                "SELECT code, label, short_label, operator_id, allows_complement, allows_file_to_usager, active "
                "FROM process"
            )
        )
    }
    return {code: row[:3] for code, row in operators.items()}, processes


# --- The test database (SQLite locally, PostgreSQL in CI) --------------------------------------------------------


def test_migrated_schema_matches_the_models(engine):
    with engine.connect() as conn:
        assert schema_differences(conn) == []


def test_schema_version_is_head(engine):
    url = engine.url.render_as_string(hide_password=False)
    script = ScriptDirectory.from_config(alembic_config(url))
    assert len(script.get_heads()) == 1, "migrations must form a single line"
    current, head = schema_version()
    assert current == head == script.get_current_head()
    assert head is not None


def test_catalogue_rows_are_those_of_core_catalog(engine):
    with engine.connect() as conn:
        assert catalogue_rows(conn) == expected_catalogue()


def test_new_catalogue_rows_get_fresh_ids(engine):
    """Migration 0002 inserts explicit ids: the id sequences (PostgreSQL) must have been moved past them."""
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            max_operator = conn.execute(sa.text("SELECT max(id) FROM operator")).scalar_one()
            operator_id = conn.execute(
                sa.text(
                    "INSERT INTO operator (code, name, siret, branch_code) "
                    "VALUES ('TESTSEQ', 'Opérateur de test', '13000918600011', '75107') RETURNING id"
                )
            ).scalar_one()
            assert operator_id > max_operator
            max_process = conn.execute(sa.text("SELECT max(id) FROM process")).scalar_one()
            process_id = conn.execute(
                sa.text(
                    "INSERT INTO process (code, label, short_label, operator_id, allows_complement, "
                    "allows_file_to_usager, active) VALUES ('TestSeq', 'Test', 'TST', :op, false, false, true) "
                    "RETURNING id"
                ),
                {"op": operator_id},
            ).scalar_one()
            assert process_id > max_process
        finally:
            transaction.rollback()


def test_the_frozen_copy_in_migration_0002_matches_core_catalog(engine):
    """Migration 0002 keeps its own copy of the rows; while no later migration edits the catalogue, the copy
    and core/catalog.py are the same."""
    url = engine.url.render_as_string(hide_password=False)
    seed = ScriptDirectory.from_config(alembic_config(url)).get_revision("0002").module
    operator_code = {oid: code for oid, code, *_ in seed.OPERATORS}
    assert {code: (name, siret, branch) for _, code, name, siret, branch in seed.OPERATORS} == expected_catalogue()[0]
    assert {
        code: (label, short, operator_code[op], complement, file_out, True)
        for _, code, label, short, op, complement, file_out in seed.PROCESSES
    } == expected_catalogue()[1]


# --- A fresh SQLite file: up, down, up again ---------------------------------------------------------------------


@pytest.fixture
def fresh_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'round-trip.db'}"
    engine = make_engine(url)
    yield url, engine
    engine.dispose()


def table_names(engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def test_upgrade_downgrade_upgrade_on_a_fresh_sqlite_file(fresh_sqlite):
    url, engine = fresh_sqlite
    config = alembic_config(url)
    head = head_revision(url)
    model_tables = set(SQLModel.metadata.tables)

    command.upgrade(config, "head")
    assert table_names(engine) == model_tables | {"alembic_version"}
    assert schema_version(url) == (head, head)
    with engine.connect() as conn:
        assert catalogue_rows(conn) == expected_catalogue()

    command.downgrade(config, "base")
    engine.dispose()
    assert table_names(engine) <= {"alembic_version"}
    assert schema_version(url) == (None, head)

    command.upgrade(config, "head")
    engine.dispose()
    assert table_names(engine) == model_tables | {"alembic_version"}
    assert schema_version(url) == (head, head)
    with engine.connect() as conn:
        assert schema_differences(conn) == []
        assert catalogue_rows(conn) == expected_catalogue()


def test_every_revision_downgrades_one_step_and_back(fresh_sqlite):
    url, engine = fresh_sqlite
    config = alembic_config(url)
    revisions = [r.revision for r in ScriptDirectory.from_config(config).walk_revisions("base", "heads")][::-1]
    for revision in revisions:
        command.upgrade(config, revision)
        command.downgrade(config, "-1")
        command.upgrade(config, revision)
        engine.dispose()
        assert schema_version(url)[0] == revision
    with engine.connect() as conn:
        assert schema_differences(conn) == []
