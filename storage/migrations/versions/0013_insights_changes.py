"""insights changes

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-02 07:50:00

`insights_changes` holds one counter that triggers raise whenever an answer or a deal is added,
changed or deleted (cascades and raw SQL included), so the insights cache's probe reads one row
instead of counting every answer and deal. An upsert, so the counter comes back if the row is gone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BUMP = (
    "INSERT INTO insights_changes (id, changes) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET changes = insights_changes.changes + 1"
)
_TRIGGERS = ("answers", "deals")


def upgrade() -> None:
    op.create_table(
        "insights_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO insights_changes (id, changes) VALUES (1, 0)")
    if _postgres():
        # once per transaction, when it commits: the counter's row is locked only while committing, so a
        # writer never waits on it holding other locks (no deadlock), its order is the order of commits,
        # and a bulk insert updates the row once, not once per row
        op.execute(
            "CREATE FUNCTION insights_count_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF current_setting('onescore.insights_counted', true) IS DISTINCT FROM txid_current()::text THEN "
            f"{_BUMP}; PERFORM set_config('onescore.insights_counted', txid_current()::text, true); "
            "END IF; RETURN NULL; END $$"
        )
        for table in _TRIGGERS:
            op.execute(
                f"CREATE CONSTRAINT TRIGGER {table}_for_insights AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION insights_count_change()"
            )
    else:
        for table in _TRIGGERS:
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_{event.lower()}_for_insights AFTER {event} ON {table} BEGIN {_BUMP}; END"
                )


def downgrade() -> None:
    if _postgres():
        for table in _TRIGGERS:
            op.execute(f"DROP TRIGGER {table}_for_insights ON {table}")
        op.execute("DROP FUNCTION insights_count_change()")
    else:
        for table in _TRIGGERS:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_{event}_for_insights")
    op.drop_table("insights_changes")


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"
