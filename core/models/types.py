"""Column types shared by the models: aware UTC datetimes and enums stored by name as text."""

from datetime import UTC
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the offset; we put it back)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_type(enum_cls: type[Enum]) -> sa.Enum:
    # Stored by name in a VARCHAR with no native ENUM, so that adding a value needs no DDL on PostgreSQL.
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=max(len(m.name) for m in enum_cls) + 8,
    )


def utc_column(*, nullable: bool = True, index: bool = False) -> sa.Column:
    return sa.Column(UTCDateTime(), nullable=nullable, index=index)


def enum_column(enum_cls: type[Enum], *, nullable: bool = False, index: bool = False) -> sa.Column:
    return sa.Column(enum_type(enum_cls), nullable=nullable, index=index)


def json_column(*, nullable: bool = True) -> sa.Column:
    return sa.Column(sa.JSON(), nullable=nullable)
