"""The period's answers as arrays: one row per answer, its words as a sparse matrix of lemma counts.

Answers are streamed from the database in batches and their text is turned into word ids at once,
so half a million answers never sit in memory as strings; the text of the few examples shown is
read again at the end. Everything per answer happens in whole-batch operations (numpy, one regular
expression per batch), never in a Python loop per answer: that is what keeps a quarter of half a
million answers within seconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sqlalchemy import ColumnElement, select
from sqlmodel import Session, col

from bot.insights.lexicon import Lexicon, name_words
from bot.organisation import Organisation
from bot.periods import Period
from bot.scoring.attribution import IMPACT_RANK
from bot.scoring.scorecard import team_names
from storage.models import Answer, Deal, Member, Stage

BATCH = 20_000
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

    @property
    def won(self) -> BoolArray:
        return self.deals.won[self.deal_index]

    def __len__(self) -> int:
        return len(self.answer_ids)


def load_corpus(session: Session, org: Organisation, period: Period) -> Corpus:
    names = team_names(session)
    deals = load_deals(session, org, period)
    people = session.exec(select(Member.id, Member.name, Member.email, Member.team_id)).all()  # type: ignore[call-overload]
    home_team = np.full(max((row[0] for row in people), default=0) + 1, -1, dtype=np.int64)
    for member_id, _name, _email, team_id in people:
        home_team[member_id] = -1 if team_id is None else team_id
    lexicon = Lexicon(excluded=name_words(word for _id, name, email, _team in people for word in (name, email)))
    statement = (
        select(  # type: ignore[call-overload]  # SQLModel types select() for at most four columns
            Answer.id,
            Answer.deal_id,
            Answer.member_id,
            Answer.helping_team_id,
            Answer.impact,
            Answer.quotable,
            Answer.text,
        )
        .join(Deal, col(Deal.id) == col(Answer.deal_id))
        .where(*_closed_in(period))
        .execution_options(yield_per=BATCH)
    )
    position = dict(zip(deals.ids.tolist(), range(deals.ids.size), strict=True))
    columns: list[list[IntArray]] = [[] for _ in range(6)]
    values: Iterable[Any]
    forms: list[IntArray] = []
    per_answer: list[IntArray] = []
    for batch in session.connection().execute(statement).partitions():
        answer_id, deal_id, member_id, team_id, impact, quotable, texts = zip(*batch, strict=True)
        found, counts = lexicon.read(texts)
        forms.append(found)
        per_answer.append(counts)
        for target, values in zip(
            columns,
            (
                answer_id,
                map(position.__getitem__, deal_id),
                member_id,
                team_id,
                map(IMPACT_RANK.get, impact, [0] * len(impact)),
                map(bool, quotable),
            ),
            strict=True,
        ):
            target.append(np.fromiter(values, dtype=np.int64, count=len(batch)))
    counts = _joined(per_answer)
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    matrix = sparse.csr_matrix(
        (np.ones(int(indptr[-1]), dtype=np.float32), lexicon.canonical(_joined(forms)), indptr),
        shape=(counts.size, max(len(lexicon.forms), 1)),
    )
    by_id = np.argsort(_joined(columns[0]), kind="stable")
    """The database returns rows in any order it likes; the corpus is always in answer id order."""
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
    )


def load_deals(session: Session, org: Organisation, period: Period) -> Deals:
    """Won and lost deals of the period, with won amounts converted as the scorecard converts them: per deal,
    to the cent, half to even; a deal in a currency without a rate, or without an amount, counts 0."""
    rows = session.exec(
        select(Deal.id, Deal.stage, Deal.amount_cents, Deal.currency, Deal.owner_id)  # type: ignore[call-overload]
        .where(*_closed_in(period))
        .order_by(col(Deal.id))
    ).all()
    owners = np.fromiter((-1 if row[4] is None else row[4] for row in rows), dtype=np.int64, count=len(rows))
    ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    won = np.fromiter((row[1] == Stage.WON.value for row in rows), dtype=bool, count=len(rows))
    converted: dict[tuple[int, str], int] = {}
    cents = np.zeros(len(rows), dtype=np.int64)
    for index, (_id, stage, amount, currency, _owner) in enumerate(rows):
        if stage != Stage.WON.value or amount is None:
            continue
        if currency == org.currency:
            cents[index] = amount
            continue
        key = (amount, currency)
        if key not in converted:
            rate = org.fx_rates.get(currency)
            converted[key] = 0 if rate is None else int((amount * rate).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
        cents[index] = converted[key]
    return Deals(ids=ids, won=won, owner_ids=owners, cents=cents)


def _closed_in(period: Period) -> tuple[ColumnElement[bool], ...]:
    return (col(Deal.stage).in_(_CLOSED), col(Deal.closed_at) >= period.first, col(Deal.closed_at) <= period.last)


def _joined(parts: list[IntArray]) -> IntArray:
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)
