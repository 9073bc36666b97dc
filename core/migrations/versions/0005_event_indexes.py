"""event index for the notification window (operator events of the last minute)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_event_transmitter_created", "event", ["transmitter_kind", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_event_transmitter_created", table_name="event")
