"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27 15:19:47.930947
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_due", ["queue", "status", "run_after"], unique=False)

    op.create_table(
        "leases",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("expires_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "processed_events",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("received_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_processed_events_received_at"), ["received_at"], unique=False)

    op.create_table(
        "score_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("claimed_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("message_ref", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "channel_id", "period", "attempt"),
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("usual_helper", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("timezone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("slack_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("teams_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("aad_object_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("unreachable_reason", sa.Text(), nullable=True),
        sa.Column("from_config", sa.Boolean(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("aad_object_id"),
        sa.UniqueConstraint("email"),
        sa.UniqueConstraint("slack_id"),
        sa.UniqueConstraint("teams_id"),
    )
    op.create_table(
        "conversation_refs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "key"),
    )
    with op.batch_alter_table("conversation_refs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversation_refs_member_id"), ["member_id"], unique=False)

    op.create_table(
        "deals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("account", sa.Text(), nullable=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=True),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("owner_email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column("created_at", sa.Date(), nullable=True),
        sa.Column("closed_at", sa.Date(), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("source_updated_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("close_seq", sa.Integer(), nullable=False),
        sa.Column("recorded_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["members.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("external_id"),
    )
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deals_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_deals_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index("ix_deals_stage_closed_at", ["stage", "closed_at"], unique=False)

    op.create_table(
        "deal_closes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("closed_at", sa.Date(), nullable=True),
        sa.Column("recorded_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("round_opened_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("deal_id", "seq"),
    )
    with op.batch_alter_table("deal_closes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deal_closes_deal_id"), ["deal_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deal_closes_round_opened_at"), ["round_opened_at"], unique=False)

    op.create_table(
        "deal_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("deal_id", "member_id"),
    )
    with op.batch_alter_table("deal_participants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deal_participants_deal_id"), ["deal_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deal_participants_member_id"), ["member_id"], unique=False)

    op.create_table(
        "asks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("close_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("helping_team_id", sa.Integer(), nullable=True),
        sa.Column("question_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("deliver_after", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("message_ref", sa.JSON(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["close_id"], ["deal_closes.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["helping_team_id"],
            ["teams.id"],
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("close_id", "member_id", "helping_team_id"),
    )
    with op.batch_alter_table("asks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_asks_deal_id"), ["deal_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_asks_deliver_after"), ["deliver_after"], unique=False)
        batch_op.create_index("ix_asks_member_status", ["member_id", "status"], unique=False)

    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("ask_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("helping_team_id", sa.Integer(), nullable=False),
        sa.Column("impact", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("quotable", sa.Boolean(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("answered_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ask_id"], ["asks.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["helping_team_id"],
            ["teams.id"],
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ask_id"),
    )
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answers_answered_at"), ["answered_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_answers_deal_id"), ["deal_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answers_deal_id"))
        batch_op.drop_index(batch_op.f("ix_answers_answered_at"))

    op.drop_table("answers")
    with op.batch_alter_table("asks", schema=None) as batch_op:
        batch_op.drop_index("ix_asks_member_status")
        batch_op.drop_index(batch_op.f("ix_asks_deliver_after"))
        batch_op.drop_index(batch_op.f("ix_asks_deal_id"))

    op.drop_table("asks")
    with op.batch_alter_table("deal_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deal_participants_member_id"))
        batch_op.drop_index(batch_op.f("ix_deal_participants_deal_id"))

    op.drop_table("deal_participants")
    with op.batch_alter_table("deal_closes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deal_closes_round_opened_at"))
        batch_op.drop_index(batch_op.f("ix_deal_closes_deal_id"))

    op.drop_table("deal_closes")
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_index("ix_deals_stage_closed_at")
        batch_op.drop_index(batch_op.f("ix_deals_owner_id"))
        batch_op.drop_index(batch_op.f("ix_deals_closed_at"))

    op.drop_table("deals")
    with op.batch_alter_table("conversation_refs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_refs_member_id"))

    op.drop_table("conversation_refs")
    op.drop_table("members")
    op.drop_table("teams")
    op.drop_table("score_posts")
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_events_received_at"))

    op.drop_table("processed_events")
    op.drop_table("leases")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_due")

    op.drop_table("jobs")
