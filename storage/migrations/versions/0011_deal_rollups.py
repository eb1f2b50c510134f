"""deal rollups: each deal's scorecard figures, and its credit per helping team

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 07:40:00

`deal_figures` holds one row per deal (the deal columns the scorecard reads, its asks sent and
answered, the teams its answers credit, its strongest quotable answer) and `deal_team_credit` one
per (deal, helping team), so a period's scorecard reads about one row per deal instead of its
answers and asks. They are filled here for the deals already recorded, a batch of deals at a
time, by the same statements the sessions use to keep them up to date (storage.rollups).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types
from storage.rollups import refresh_all_deal_figures

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIGURES = [
    "stage",
    "closed_at",
    "asks_sent",
    "asks_answered",
    "owner_id",
    "credit_weight",
    "credit_teams",
    "currency",
    "amount_cents",
    "credit_pattern",
    "quote_rank",
    "quote_at",
    "quote_id",
    "deal_id",
]


def upgrade() -> None:
    op.create_table(
        "deal_figures",
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("closed_at", sa.Date(), nullable=True),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("asks_sent", sa.Integer(), nullable=False),
        sa.Column("asks_answered", sa.Integer(), nullable=False),
        sa.Column("credit_pattern", sa.Text(), nullable=False),
        sa.Column("credit_weight", sa.Integer(), nullable=False),
        sa.Column("credit_teams", sa.Integer(), nullable=False),
        sa.Column("quote_id", sa.Integer(), nullable=True),
        sa.Column("quote_rank", sa.Integer(), nullable=True),
        sa.Column("quote_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("deal_id"),
    )
    op.create_index("ix_deal_figures_closed", "deal_figures", FIGURES, unique=False)
    op.create_table(
        "deal_team_credit",
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("closed_at", sa.Date(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"]),
        sa.PrimaryKeyConstraint("deal_id", "team_id"),
    )
    op.create_index(
        "ix_deal_team_credit_closed", "deal_team_credit", ["team_id", "stage", "closed_at", "answers"], unique=False
    )
    refresh_all_deal_figures(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_deal_team_credit_closed", table_name="deal_team_credit")
    op.drop_table("deal_team_credit")
    op.drop_index("ix_deal_figures_closed", table_name="deal_figures")
    op.drop_table("deal_figures")
