"""insights cache

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 07:00:00

`insights_cache` keeps the insights last computed for a period (and maybe one team) with the
fingerprint of the answers, deals and people they were computed from; the two indexes let the
cache's probe read the latest change to answers and deals without a scan.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "insights_cache",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("probe", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("computed_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_answers_updated_at", "answers", ["updated_at"], unique=False)
    op.create_index("ix_deals_updated_at", "deals", ["updated_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_deals_updated_at", table_name="deals")
    op.drop_index("ix_answers_updated_at", table_name="answers")
    op.drop_table("insights_cache")
