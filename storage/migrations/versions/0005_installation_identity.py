"""installation identity; jobs remember an ambiguous failure

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 03:30:00

`installation` holds one random id per database, carried in every message's metadata so that a
retried send adopts only this installation's own messages. `jobs.last_failure_ambiguous` says the
last attempt may have taken effect, so the next one looks before sending again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "installation",
        sa.Column("singleton", sa.Integer(), nullable=False),
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("singleton"),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_failure_ambiguous", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("last_failure_ambiguous")
    op.drop_table("installation")
