"""Is the box able to serve: the database answers (for `/healthz` and the service manager)."""

import sqlalchemy as sa
from sqlmodel import Session


def check_health(session: Session) -> dict:
    """{"status": "ok", "database": "ok"} when a query goes through; the database error otherwise."""
    session.exec(sa.select(sa.literal(1))).one()
    return {"status": "ok", "database": "ok"}
