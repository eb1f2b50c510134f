"""score indexes: answers per deal and team, asks per deal and status

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-28 10:00:00

The scorecard groups a period's answers by (deal, helping team, impact) and counts its asks by
(deal, status, sent_at); with these covering indexes both are index-only lookups per deal.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.create_index("ix_answers_deal_team_impact", ["deal_id", "helping_team_id", "impact"], unique=False)
    with op.batch_alter_table("asks", schema=None) as batch_op:
        batch_op.create_index("ix_asks_deal_status", ["deal_id", "status", "sent_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("asks", schema=None) as batch_op:
        batch_op.drop_index("ix_asks_deal_status")
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_index("ix_answers_deal_team_impact")
