"""The period's answers as arrays: one row per answer, its words as a sparse matrix of lemma counts.

Answers are streamed from the database in batches and their text is turned into word ids at once,
so half a million answers never sit in memory as strings; only the ids of quotable answers are
kept, and their text is read again for the few examples shown.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sqlalchemy import select
from sqlmodel import Session, col

from bot.insights.lexicon import Lexicon, name_words
from bot.organisation import Organisation
from bot.periods import Period
from bot.scoring.attribution import IMPACT_RANK
from bot.scoring.scorecard import ClosedDeal, closed_deals, team_names
from storage.models import Answer, Deal, Member, Stage

BATCH = 20_000
_CLOSED = (Stage.WON.value, Stage.LOST.value)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Corpus:
    """Answers about the deals closed in a period. Row i of every array is answer i."""

    answer_ids: IntArray
    deal_index: IntArray
    """Index into `deals`."""
    member_ids: IntArray
    team_ids: IntArray
    impact: IntArray
    quotable: BoolArray
    owner_answer: BoolArray
    """The deal's owner wrote it."""
    helper_answer: BoolArray
    """Someone of the helping team wrote it about their own team (not the owner)."""
    terms: sparse.csr_matrix
    vocabulary: list[str]
    deals: list[ClosedDeal]
    team_names: Mapping[int, str]

    @property
    def won(self) -> BoolArray:
        return np.fromiter((deal.won for deal in self.deals), dtype=bool, count=len(self.deals))[self.deal_index]

    def __len__(self) -> int:
        return len(self.answer_ids)


def load_corpus(session: Session, org: Organisation, period: Period) -> Corpus:
    names = team_names(session)
    deals, _not_counted = closed_deals(session, org, period.first, period.last, names)
    position = {deal.id: index for index, deal in enumerate(deals)}
    people = session.exec(select(Member.id, Member.name, Member.email, Member.team_id)).all()  # type: ignore[call-overload]
    home_team = {member_id: team_id for member_id, _name, _email, team_id in people}
    lexicon = Lexicon(excluded=name_words(word for _id, name, email, _team in people for word in (name, email)))
    columns = array("l"), array("l"), array("l"), array("l"), array("l"), array("b"), array("b"), array("b")
    answer_ids, deal_index, member_ids, team_ids, impact, quotable, owner, helper = columns
    indptr, indices = array("l", [0]), array("l")
    statement = (
        select(
            Answer.id,
            Answer.deal_id,
            Answer.member_id,
            Answer.helping_team_id,
            Answer.impact,
            Answer.quotable,
            Answer.text,
            Deal.owner_id,
        )
        .join(Deal, col(Deal.id) == col(Answer.deal_id))
        .where(col(Deal.stage).in_(_CLOSED), col(Deal.closed_at) >= period.first, col(Deal.closed_at) <= period.last)
        .order_by(col(Answer.id))
        .execution_options(yield_per=BATCH)
    )
    for answer_id, deal_id, member_id, team_id, level, may_quote, text, owner_id in session.execute(statement):
        answer_ids.append(answer_id)
        deal_index.append(position[deal_id])
        member_ids.append(member_id)
        team_ids.append(team_id)
        impact.append(IMPACT_RANK.get(level, 0))
        quotable.append(bool(may_quote))
        owner.append(member_id == owner_id)
        helper.append(member_id != owner_id and home_team.get(member_id) == team_id)
        indices.extend(lexicon.form_ids(text))
        indptr.append(len(indices))
    rows = len(answer_ids)
    forms = sparse.csr_matrix(
        (np.ones(len(indices), dtype=np.float32), _ints(indices), _ints(indptr)),
        shape=(rows, max(len(lexicon.forms), 1)),
    )
    forms.sum_duplicates()
    terms, vocabulary = lexicon.lemma_matrix(forms)
    return Corpus(
        answer_ids=_ints(answer_ids),
        deal_index=_ints(deal_index),
        member_ids=_ints(member_ids),
        team_ids=_ints(team_ids),
        impact=_ints(impact),
        quotable=np.frombuffer(quotable, dtype=np.int8).astype(bool),
        owner_answer=np.frombuffer(owner, dtype=np.int8).astype(bool),
        helper_answer=np.frombuffer(helper, dtype=np.int8).astype(bool),
        terms=terms,
        vocabulary=vocabulary,
        deals=deals,
        team_names=names,
    )


def _ints(values: array[int]) -> IntArray:
    return np.frombuffer(values, dtype=np.int64) if len(values) else np.zeros(0, dtype=np.int64)
