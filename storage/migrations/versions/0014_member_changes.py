"""member changes count too

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 13:20:00

The counter of `insights_changes` also goes up when a member joins, leaves, changes team or name,
or is erased: a deal's owner's team decides its attribution and a team's size what is hidden, so
the caches of figures (insights, each period's scorecard figures) must see such a change as surely
as one to a deal or an answer. A checksum over the members could let two moves cancel out; a
trigger cannot miss one.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BUMP = (
    "INSERT INTO insights_changes (id, changes) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET changes = insights_changes.changes + 1"
)
_COLUMNS = "team_id, name, erased_at"
_SQLITE_EVENTS = {"insert": "INSERT", "update": f"UPDATE OF {_COLUMNS}", "delete": "DELETE"}


def upgrade() -> None:
    if _postgres():
        op.execute(
            "CREATE CONSTRAINT TRIGGER members_for_insights "
            f"AFTER INSERT OR UPDATE OF {_COLUMNS} OR DELETE ON members "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION insights_count_change()"
        )
    else:
        for name, event in _SQLITE_EVENTS.items():
            op.execute(f"CREATE TRIGGER members_{name}_for_insights AFTER {event} ON members BEGIN {_BUMP}; END")


def downgrade() -> None:
    if _postgres():
        op.execute("DROP TRIGGER members_for_insights ON members")
    else:
        for name in _SQLITE_EVENTS:
            op.execute(f"DROP TRIGGER members_{name}_for_insights")


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"
