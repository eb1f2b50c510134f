"""Each period's totals and attribution, kept in the process while what they read stands still.

A team's page reads twelve periods, and over a large ledger twelve quarters are every deal there
is: computed afresh each time that costs a third of a second, however the database groups them.
But a period's figures change only when a deal closed in it, one of its answers or a member's team
does, and `storage.ledger_version.span_versions` tells that for every period at once, in one
indexed read of counters the database's triggers keep per month. So the figures of each period are
kept, keyed by its own version and by everything in the organisation file that changes them
(currency, rates, model, the teams' names), and only the periods whose version moved are computed,
in one pass. An answer about this week's deal recomputes this week, month and quarter on their next
read and leaves the trend's earlier periods and last year's quarters as they were: never stale,
and after a write a page computes about one period.

The cache belongs to the engine (a weak reference), so two databases in one process, as in the
tests, never share figures. A session that has written in its transaction is neither served nor
stored from: its figures hold what may yet roll back.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.organisation import Organisation
from bot.periods import Period
from bot.scoring.aggregates import Attribution, ClosedTotals, attributions, closed_totals
from storage.ledger_version import span_versions, wrote_uncommitted

MAX_ENTRIES = 4096
"""Periods kept per database: a few hundred kilobytes, far more than the periods people look at."""

Figures = TypeVar("Figures", ClosedTotals, Attribution)


class _Store:
    def __init__(self) -> None:
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> object | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: Hashable, value: object) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)


_STORES: WeakKeyDictionary[Engine, _Store] = WeakKeyDictionary()
_STORES_LOCK = threading.Lock()


def _store(session: Session) -> _Store:
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    with _STORES_LOCK:
        store = _STORES.get(engine)
        if store is None:
            store = _STORES[engine] = _Store()
        return store


class PeriodFigures:
    """One request's view of the cache: each period's version read once, for totals and shares alike
    (none for a session that wrote, which is neither served nor stored)."""

    def __init__(self, session: Session, org: Organisation, names: Mapping[int, str]) -> None:
        self._session = session
        self._org = org
        self._names = names
        self._store = None if wrote_uncommitted(session) else _store(session)
        money = (org.currency, tuple(sorted(org.fx_rates.items())))
        self._totals_key: Hashable = ("totals", money)
        self._shares_key: Hashable = ("attribution", money, org.attribution, tuple(sorted(names.items())))
        self._versions: dict[str, tuple[int, ...]] = {}

    def totals(self, periods: Sequence[Period]) -> list[ClosedTotals]:
        """`closed_totals` of consecutive `periods`, from the cache where known."""
        return self._cached(self._totals_key, periods, ClosedTotals, self._compute_totals)

    def attributions(self, periods: Sequence[Period]) -> list[Attribution]:
        """`attributions` of consecutive `periods` (every team's answers), from the cache where known."""
        return self._cached(self._shares_key, periods, Attribution, self._compute_shares)

    def _compute_totals(self, periods: Sequence[Period]) -> list[ClosedTotals]:
        return closed_totals(self._session, self._org, periods)

    def _compute_shares(self, periods: Sequence[Period]) -> list[Attribution]:
        return attributions(self._session, self._org, periods, self._names)

    def _keys(self, kind: Hashable, periods: Sequence[Period]) -> list[Hashable]:
        """Each period's key; the versions of periods this request has not asked about yet are read
        in one round trip (the totals and shares of one page ask about the same periods)."""
        unread = [period for period in periods if period.label not in self._versions]
        if unread:
            versions = span_versions(self._session, [(period.first, period.last) for period in unread])
            self._versions.update(zip((period.label for period in unread), versions, strict=True))
        return [(kind, period.label, self._version(kind, period)) for period in periods]

    def _version(self, kind: Hashable, period: Period) -> Hashable:
        """The totals read the deals alone, not who is in which team: a member's change leaves them."""
        members, *months = self._versions[period.label]
        return tuple(months) if kind == self._totals_key else (members, *months)

    def _cached(
        self,
        kind: Hashable,
        periods: Sequence[Period],
        figures: type[Figures],
        compute: Callable[[Sequence[Period]], list[Figures]],
    ) -> list[Figures]:
        """The known periods from the store; the span from the first to the last unknown one
        computed in one pass (consecutive periods stay consecutive) and stored."""
        store = self._store
        if store is None:
            return compute(periods)
        keys = self._keys(kind, periods)
        found: list[Figures | None] = []
        for key in keys:
            entry = store.get(key)
            found.append(entry if isinstance(entry, figures) else None)
        missing = [index for index, entry in enumerate(found) if entry is None]
        if missing:
            first, last = missing[0], missing[-1]
            for index, computed in enumerate(compute(periods[first : last + 1]), start=first):
                store.put(keys[index], computed)
                found[index] = computed
        return [entry for entry in found if entry is not None]
