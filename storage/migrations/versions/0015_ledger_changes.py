"""ledger changes per month

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 16:40:00

`ledger_changes` keeps one counter per calendar month of closing days ('2026-06') and one for the
members ('members'). Triggers raise a month's counter whenever something a closed period's figures
read changes there: a deal closed in that month (added, changed, deleted, or moved in or out of
it), its rollups, or one of its answers (text included); and the members' counter whenever a
member joins, leaves, changes team or name, or is erased. A cache of one period's figures then
keys them by the counters of its own months and the members': a write about this week's deal no
longer throws away last quarter's figures, which a single counter for the whole ledger did.

On PostgreSQL the counters move once per transaction and month, when it commits (deferred
constraint triggers, as in migration 0013): a row is locked only while committing. Committing
writers take one transaction-level advisory lock before any counter, so two transactions that
touch the same months in opposite orders take turns instead of deadlocking on the counters' rows
(a single counter could not deadlock; several can).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MEMBER_COLUMNS = "team_id, name, erased_at"
_DEAL_COLUMNS = "stage, closed_at, currency, amount_cents, owner_id"


def upgrade() -> None:
    op.create_table(
        "ledger_changes",
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("changes", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope"),
    )
    if _postgres():
        _postgres_triggers()
    else:
        _sqlite_triggers()


def _postgres_triggers() -> None:
    op.execute(
        "CREATE FUNCTION ledger_count(scope text) RETURNS void LANGUAGE plpgsql AS $$ "
        "DECLARE done text := 'onescore.counted_' || replace(scope, '-', '_'); BEGIN "
        "IF current_setting(done, true) IS DISTINCT FROM txid_current()::text THEN "
        "PERFORM pg_advisory_xact_lock(hashtext('onescore.ledger_changes')); "
        "INSERT INTO ledger_changes (scope, changes) VALUES (scope, 1) "
        "ON CONFLICT ON CONSTRAINT ledger_changes_pkey DO UPDATE SET changes = ledger_changes.changes + 1; "
        "PERFORM set_config(done, txid_current()::text, true); END IF; END $$"
    )
    op.execute(
        "CREATE FUNCTION ledger_count_month(day date) RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
        "IF day IS NOT NULL THEN PERFORM ledger_count(to_char(day, 'YYYY-MM')); END IF; END $$"
    )
    op.execute(
        "CREATE FUNCTION ledger_count_closed_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP <> 'INSERT' THEN PERFORM ledger_count_month(OLD.closed_at); END IF; "
        "IF TG_OP <> 'DELETE' THEN PERFORM ledger_count_month(NEW.closed_at); END IF; "
        "RETURN NULL; END $$"
    )
    op.execute(
        "CREATE FUNCTION ledger_count_answer() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP <> 'INSERT' THEN PERFORM ledger_count_month(closed_at) FROM deals WHERE id = OLD.deal_id; END IF; "
        "IF TG_OP <> 'DELETE' THEN PERFORM ledger_count_month(closed_at) FROM deals WHERE id = NEW.deal_id; END IF; "
        "RETURN NULL; END $$"
    )
    op.execute(
        "CREATE FUNCTION ledger_count_member() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "PERFORM ledger_count('members'); RETURN NULL; END $$"
    )
    for table, events, function in _postgres_triggered():
        op.execute(
            f"CREATE CONSTRAINT TRIGGER {table}_ledger_changes AFTER {events} ON {table} "
            f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {function}()"
        )


def _postgres_triggered() -> list[tuple[str, str, str]]:
    return [
        ("deals", f"INSERT OR UPDATE OF {_DEAL_COLUMNS} OR DELETE", "ledger_count_closed_row"),
        ("deal_figures", "INSERT OR UPDATE OR DELETE", "ledger_count_closed_row"),
        ("answers", "INSERT OR UPDATE OR DELETE", "ledger_count_answer"),
        ("members", f"INSERT OR UPDATE OF {_MEMBER_COLUMNS} OR DELETE", "ledger_count_member"),
    ]


def _bump(scope: str, source: str = "WHERE true") -> str:
    """An upsert of one counter from a SELECT (`WHERE` tells SQLite's parser the ON CONFLICT is the upsert's)."""
    return (
        f"INSERT INTO ledger_changes (scope, changes) SELECT {scope}, 1 {source} "
        "ON CONFLICT (scope) DO UPDATE SET changes = ledger_changes.changes + 1"
    )


def _bump_closing_month(row: str) -> str:
    """The counter of the month a deal (or its rollup) `row` closed in, if it is closed."""
    return _bump(f"substr({row}.closed_at, 1, 7)", f"WHERE {row}.closed_at IS NOT NULL")


def _bump_deal_month(row: str) -> str:
    """The counter of the month the deal of answer `row` closed in, if it is closed."""
    return _bump("substr(closed_at, 1, 7)", f"FROM deals WHERE id = {row}.deal_id AND closed_at IS NOT NULL")


def _sqlite_triggers() -> None:
    for name, event, body in _sqlite_triggered():
        op.execute(f"CREATE TRIGGER {name} AFTER {event} BEGIN {'; '.join(body)}; END")


def _sqlite_triggered() -> list[tuple[str, str, list[str]]]:
    """(name, event, statements) of each trigger."""
    triggers: list[tuple[str, str, list[str]]] = []
    for table, changed in (("deals", f"UPDATE OF {_DEAL_COLUMNS}"), ("deal_figures", "UPDATE")):
        triggers += [
            (f"{table}_insert_by_month", f"INSERT ON {table}", [_bump_closing_month("NEW")]),
            (
                f"{table}_update_by_month",
                f"{changed} ON {table}",
                [_bump_closing_month("OLD"), _bump_closing_month("NEW")],
            ),
            (f"{table}_delete_by_month", f"DELETE ON {table}", [_bump_closing_month("OLD")]),
        ]
    triggers += [
        ("answers_insert_by_month", "INSERT ON answers", [_bump_deal_month("NEW")]),
        ("answers_update_by_month", "UPDATE ON answers", [_bump_deal_month("OLD"), _bump_deal_month("NEW")]),
        ("answers_delete_by_month", "DELETE ON answers", [_bump_deal_month("OLD")]),
    ]
    members = _bump("'members'")
    triggers += [
        ("members_insert_counted", "INSERT ON members", [members]),
        ("members_update_counted", f"UPDATE OF {_MEMBER_COLUMNS} ON members", [members]),
        ("members_delete_counted", "DELETE ON members", [members]),
    ]
    return triggers


def downgrade() -> None:
    if _postgres():
        for table, _events, _function in _postgres_triggered():
            op.execute(f"DROP TRIGGER {table}_ledger_changes ON {table}")
        for function in ("ledger_count_member", "ledger_count_answer", "ledger_count_closed_row"):
            op.execute(f"DROP FUNCTION {function}()")
        op.execute("DROP FUNCTION ledger_count_month(date)")
        op.execute("DROP FUNCTION ledger_count(text)")
    else:
        for name, _event, _body in _sqlite_triggered():
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("ledger_changes")


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"
