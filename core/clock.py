"""The one clock of the box: rules about days and hours take `now` from here or from the caller."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
