"""scorecard indexes: a period's closed deals read from one index, quotable answers found per deal

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 07:00:00

`ix_deals_closed_figures` replaces `ix_deals_stage_closed_at` (its first two columns) and carries
every column the scorecard reads of a closed deal, so a period's totals, its trend over the four
periods before and its won deals are read from the index alone (`id` is a key column because
PostgreSQL indexes hold no row id of their own that a query can read). `ix_answers_quotable` holds
only quotable answers (a partial index, with each database's own spelling of true), so the
highlights visit those alone; the query spells its condition as the index does, which is how both
databases recognise that the index applies.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEAL_FIGURES = ["stage", "closed_at", "currency", "amount_cents", "owner_id", "created_at", "id"]


def upgrade() -> None:
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.create_index("ix_deals_closed_figures", DEAL_FIGURES, unique=False)
        batch_op.drop_index("ix_deals_stage_closed_at")
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_answers_quotable",
            ["deal_id", "impact", "answered_at"],
            unique=False,
            sqlite_where=sa.text("quotable = 1"),
            postgresql_where=sa.text("quotable = true"),
        )


def downgrade() -> None:
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_index("ix_answers_quotable")
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.create_index("ix_deals_stage_closed_at", ["stage", "closed_at"], unique=False)
        batch_op.drop_index("ix_deals_closed_figures")
