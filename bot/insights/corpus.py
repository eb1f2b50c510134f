"""The period's answers as arrays: one row per answer, its words as a sparse matrix of lemma counts.

Answers are read from the database in chunks, each chunk's columns concatenated by the database
itself, and their text is turned into word ids at once, so half a million answers never sit in
memory as strings; the text of the few examples shown is
read again at the end. Everything per answer happens in whole-batch operations (numpy, one regular
expression per batch), never in a Python loop per answer: that is what keeps a quarter of half a
million answers within seconds.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sqlalchemy import ClauseElement, ColumnElement, Integer, String, case, cast, func, select
from sqlalchemy.sql.functions import aggregate_strings
from sqlmodel import Session, col

from bot.insights.lexicon import MARK, SEPARATOR, Lexicon, name_words
from bot.organisation import Organisation
from bot.periods import Period
from bot.scoring.attribution import IMPACT_RANK
from bot.scoring.scorecard import team_names
from storage.db import unmapped_reads
from storage.models import Answer, Deal, Member, Stage

BATCH = 20_000
CHUNK = 20_000
_CLOSED = (Stage.WON.value, Stage.LOST.value)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Deals:
    """The deals closed in the period; position i of each array is deal i."""

    ids: IntArray
    won: BoolArray
    owner_ids: IntArray
    """-1 for a deal without an owner."""
    cents: IntArray
    """Won revenue in the organisation's currency; 0 where the money cannot be counted (no amount, no rate)."""


@dataclass(frozen=True)
class Corpus:
    """Answers about the deals closed in a period. Row i of every array is answer i."""

    answer_ids: IntArray
    deal_index: IntArray
    """Position in `deals`."""
    member_ids: IntArray
    team_ids: IntArray
    impact: IntArray
    quotable: BoolArray
    owner_answer: BoolArray
    """The deal's owner wrote it."""
    helper_answer: BoolArray
    """Someone of the helping team wrote it about their own team, and is not the owner."""
    terms: sparse.csr_matrix
    vocabulary: list[str]
    deals: Deals
    team_names: Mapping[int, str]
    summary: list[Any]
    """The answers summed up exactly as `answer_summary` sums them in SQL (count, id sum, latest change as the
    driver returns it, text length sum, quotable count, author and team sum): the cache's fingerprint,
    without a second pass over half a million rows."""

    @property
    def won(self) -> BoolArray:
        return self.deals.won[self.deal_index]

    def __len__(self) -> int:
        return len(self.answer_ids)


def load_corpus(session: Session, org: Organisation, period: Period) -> Corpus:
    """Every answer about a deal closed in `period`, in answer id order, whatever order the database used."""
    names = team_names(session)
    deals = load_deals(session, org, period)
    people = session.exec(select(Member.id, Member.name, Member.email, Member.team_id)).all()  # type: ignore[call-overload]
    home_team = np.full(max((row[0] for row in people), default=0) + 1, -1, dtype=np.int64)
    for member_id, _name, _email, team_id in people:
        home_team[member_id] = -1 if team_id is None else team_id
    lexicon = Lexicon(excluded=name_words(word for _id, name, email, _team in people for word in (name, email)))
    summary = _Summary()
    with unmapped_reads(session.connection()), _Reader(lexicon, deals.ids) as reader:
        for chunk in _answer_chunks(session, period):
            summary.add(*chunk[7:])
            reader.read(chunk)
        columns, forms, per_answer = reader.results()
    counts = _joined(per_answer)
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    matrix = sparse.csr_matrix(
        (np.ones(int(indptr[-1]), dtype=np.float32), lexicon.canonical(_joined(forms)), indptr),
        shape=(counts.size, max(len(lexicon.forms), 1)),
    )
    by_id = np.argsort(_joined(columns[0]), kind="stable")  # the database returns rows in any order it likes
    answer_ids, deal_index, member_ids, team_ids, impact_ranks, quotable_flags = (
        _joined(parts)[by_id] for parts in columns
    )
    matrix = matrix[by_id]
    matrix.sum_duplicates()
    terms, vocabulary = lexicon.lemma_matrix(matrix)
    owners = deals.owner_ids[deal_index]
    homes = home_team[np.clip(member_ids, 0, home_team.size - 1)] if member_ids.size else member_ids
    return Corpus(
        answer_ids=answer_ids,
        deal_index=deal_index,
        member_ids=member_ids,
        team_ids=team_ids,
        impact=impact_ranks,
        quotable=quotable_flags.astype(bool),
        owner_answer=member_ids == owners,
        helper_answer=(member_ids != owners) & (homes == team_ids),
        terms=terms,
        vocabulary=vocabulary,
        deals=deals,
        team_names=names,
        summary=summary.figures(),
    )


class _Reader:
    """Reads the chunks (their numbers and words) in a thread of its own while the database makes the next.

    Both take about as long, and the database (SQLite's engine, or PostgreSQL's server and the
    driver's wait for it) runs without Python's global lock, so the two overlap. One thread keeps
    the chunks in order; at most `AHEAD` chunks wait for it, which bounds the memory."""

    AHEAD = 2

    def __init__(self, lexicon: Lexicon, deal_ids: IntArray) -> None:
        self._lexicon = lexicon
        self._deal_ids = deal_ids
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="insights-words")
        self._pending: deque[Future[_ReadChunk]] = deque()
        self._done: list[_ReadChunk] = []

    def __enter__(self) -> _Reader:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def read(self, chunk: Sequence[Any]) -> None:
        """Queue one row of `_answer_chunks`."""
        while len(self._pending) >= self.AHEAD:
            self._done.append(self._pending.popleft().result())
        self._pending.append(self._pool.submit(self._read, chunk))

    def _read(self, chunk: Sequence[Any]) -> _ReadChunk:
        numbers, texts, count = chunk[:6], chunk[6], int(chunk[7])
        forms, per_answer = self._lexicon.read_joined(texts, count)
        answer_id, deal_id, *rest = (np.fromstring(values, dtype=np.int64, sep=",") for values in numbers)
        return _ReadChunk(
            columns=[answer_id, np.searchsorted(self._deal_ids, deal_id), *rest], forms=forms, per_answer=per_answer
        )

    def results(self) -> tuple[list[list[IntArray]], list[IntArray], list[IntArray]]:
        """Per column (answer ids, deal positions, members, teams, impact ranks, quoting consent), the
        chunks' values; the chunks' word forms; their counts of forms per answer; chunks in the order they came."""
        while self._pending:
            self._done.append(self._pending.popleft().result())
        columns = [[chunk.columns[index] for chunk in self._done] for index in range(6)]
        return columns, [chunk.forms for chunk in self._done], [chunk.per_answer for chunk in self._done]


@dataclass(frozen=True)
class _ReadChunk:
    columns: list[IntArray]
    forms: IntArray
    per_answer: IntArray


class _Summary:
    """The figures of `answer_summary`, added up over the chunks the answers are read in."""

    def __init__(self) -> None:
        self.count = self.ids = self.lengths = self.quotable = self.authors = 0
        self.latest: Any = None

    def add(self, count: int, ids: int, latest: Any, lengths: int, quotable: int, authors: int) -> None:
        self.count += int(count)
        self.ids += int(ids)
        self.lengths += int(lengths)
        self.quotable += int(quotable)
        self.authors += int(authors)
        self.latest = latest if self.latest is None else max(self.latest, latest)

    def figures(self) -> list[Any]:
        """As SQL gives them: with no answers, every sum is NULL."""
        if not self.count:
            return [0, None, None, None, None, None]
        return [self.count, self.ids, self.latest, self.lengths, self.quotable, self.authors]


def _summary_columns() -> tuple[Any, ...]:
    """The figures a period's answers are summed up in; the cache's fingerprint compares them."""
    return (
        func.count(),
        func.sum(col(Answer.id)),
        func.max(col(Answer.updated_at)),
        func.sum(func.length(col(Answer.text))),
        func.sum(cast(col(Answer.quotable), Integer)),
        func.sum(col(Answer.member_id) * 7 + col(Answer.helping_team_id)),
    )


def answer_summary(session: Session, period: Period) -> list[Any]:
    """The period's answers summed up in SQL, values as the driver returns them (see `Corpus.summary`)."""
    statement = select(*_summary_columns()).join(Deal, col(Deal.id) == col(Answer.deal_id)).where(*_closed_in(period))
    [row] = next(iter(driver_rows(session, statement)))
    return [None if value is None else int(value) if index != 2 else value for index, value in enumerate(row)]


def _answer_chunks(session: Session, period: Period) -> Iterator[Sequence[Any]]:
    """The period's answers in chunks of at most CHUNK answer ids, each chunk one row: the answers' ids, deal
    ids, member ids, team ids, impact ranks and quoting consent as comma-separated numbers, their texts
    joined by the separator `Lexicon.read_joined` expects, then the chunk's `answer_summary` figures.

    The database concatenates: handing half a million rows to Python one value at a time, even
    straight from the driver, cost more than all the rest of the computation. Within one group
    every aggregate sees the rows in the same order, so position i of each list is the same answer.
    """
    numbers = (
        col(Answer.id),
        col(Answer.deal_id),
        col(Answer.member_id),
        col(Answer.helping_team_id),
        case(IMPACT_RANK, value=col(Answer.impact), else_=0),
        cast(col(Answer.quotable), Integer),
    )
    text = func.replace(col(Answer.text), MARK, " ")  # a separator typed into an answer must not split it
    statement = (
        select(
            *(aggregate_strings(cast(number, String), ",") for number in numbers),
            aggregate_strings(text, SEPARATOR),
            *_summary_columns(),
        )
        .join(Deal, col(Deal.id) == col(Answer.deal_id))
        .where(*_closed_in(period))
        .group_by(col(Answer.id) // CHUNK)
    )
    for rows in driver_rows(session, statement, batch=1):  # one at a time: the next is made while this one is read
        yield from rows


def driver_rows(session: Session, statement: ClauseElement, *, batch: int = BATCH) -> Iterator[Sequence[Sequence[Any]]]:
    """The rows of `statement` as the database driver returns them (plain tuples), in batches of `batch`."""
    connection = session.connection()
    sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    driver = connection.connection.dbapi_connection
    assert driver is not None
    named = connection.dialect.name == "postgresql"
    cursor = driver.cursor(name="onescore_insights") if named else driver.cursor()  # a server-side cursor streams
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(batch):
            yield rows
    finally:
        cursor.close()


def load_deals(session: Session, org: Organisation, period: Period) -> Deals:
    """Won and lost deals of the period, with won amounts converted as the scorecard converts them: per deal,
    to the cent, half to even; a deal in a currency without a rate, or without an amount, counts 0.

    Read as the answers are, in chunks the database concatenates; only won deals in another currency
    come back one row each, to be converted."""
    numbers = (
        col(Deal.id),
        case((col(Deal.stage) == Stage.WON.value, 1), else_=0),
        func.coalesce(col(Deal.amount_cents), 0),
        func.coalesce(col(Deal.owner_id), -1),
    )
    statement = (
        select(*(aggregate_strings(cast(number, String), ",") for number in numbers))
        .where(*_closed_in(period))
        .group_by(col(Deal.id) // CHUNK)
    )
    columns: list[list[IntArray]] = [[] for _ in numbers]
    for rows in driver_rows(session, statement):
        for row in rows:
            for target, values in zip(columns, row, strict=True):
                target.append(np.fromstring(values, dtype=np.int64, sep=","))
    ids, won, amounts, owners = (_joined(parts) for parts in columns)
    by_id = np.argsort(ids, kind="stable")
    ids, won, amounts, owners = ids[by_id], won[by_id], amounts[by_id], owners[by_id]
    cents = amounts * won
    converted: dict[tuple[int, str], int] = {}
    for deal_id, amount, currency in _foreign_wins(session, org, period):
        key = (amount, currency)
        if key not in converted:
            rate = org.fx_rates.get(currency)
            exact = Decimal(amount) * rate if rate is not None else None
            converted[key] = 0 if exact is None else int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
        cents[np.searchsorted(ids, deal_id)] = converted[key]
    return Deals(ids=ids, won=won.astype(bool), owner_ids=owners, cents=cents)


def _foreign_wins(session: Session, org: Organisation, period: Period) -> list[tuple[int, int, str]]:
    """(id, amount in cents, currency) of the period's won deals with an amount in another currency than the
    organisation's."""
    statement = select(col(Deal.id), col(Deal.amount_cents), col(Deal.currency)).where(
        *_closed_in(period),
        col(Deal.stage) == Stage.WON.value,
        col(Deal.amount_cents).is_not(None),
        col(Deal.amount_cents) != 0,
        col(Deal.currency) != org.currency,
    )
    return [
        (int(deal_id), int(amount), currency)
        for batch in driver_rows(session, statement)
        for deal_id, amount, currency in batch
    ]


def _closed_in(period: Period) -> tuple[ColumnElement[bool], ...]:
    return (col(Deal.stage).in_(_CLOSED), col(Deal.closed_at) >= period.first, col(Deal.closed_at) <= period.last)


def _joined(parts: list[IntArray]) -> IntArray:
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)
