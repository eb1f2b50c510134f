"""people and their data: erased members, snoozed asks, the erasure audit

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 06:45:00

`members.erased_at` marks a person forgotten on request (the row keeps only their team, so past
scorecards keep their figures); `asks.snoozes` counts "Remind me tomorrow" and `asks.snoozed_until`
says when the snoozed ask comes back; `erasures` is the audit of every erasure, naming nobody.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("erased_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", storage.types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("asks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snoozes", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("snoozed_until", storage.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("asks", schema=None) as batch_op:
        batch_op.drop_column("snoozed_until")
        batch_op.drop_column("snoozes")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
    op.drop_table("erasures")
