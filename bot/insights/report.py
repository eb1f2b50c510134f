"""The insights of a period: the JSON keys of `/api/insights`, and how each figure is reached.

Privacy is decided here, once for every way the insights are shown: a team whose scorecard figures
are hidden is hidden here too; a theme is shown only when at least `min_group_size` different people
wrote its answers; examples are answers their authors allowed to be quoted; terms never include
words of people's names (see `bot.insights.lexicon`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select
from threadpoolctl import threadpool_limits

from bot.insights.agreement import corroboration
from bot.insights.corpus import Corpus, IntArray, load_corpus
from bot.insights.themes import Theme, find_themes
from bot.organisation import Organisation
from bot.periods import Period
from bot.scoring.scorecard import Money, team_sizes, visible_teams
from storage.models import Answer, Deal

EXAMPLE_COUNT = 2
_RATIO_PLACES = Decimal("0.0001")


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Example(_Out):
    deal: str
    text: str
    answer_id: int | None = Field(default=None, exclude=True)
    """Kept out of JSON; the cache stores it instead of the text, and reads the text afresh when serving."""


class ThemeOut(_Out):
    label: str
    terms: list[str]
    answers: int
    deals: int
    won_revenue: Money
    win_rate: float | None
    examples: list[Example]


class TeamInsights(_Out):
    """`hidden`: the team is too small to show apart (as on the scorecard), so nothing about it is shown.
    `too_few_answers`: too few answers, or too few people, to tell themes apart; none are invented.
    `win_rate`: over every closed deal the team's answers are about — what a theme's win rate is read against."""

    team: str
    answers: int | None
    win_rate: float | None
    hidden: bool
    too_few_answers: bool
    themes: list[ThemeOut]


class LostLesson(_Out):
    label: str
    terms: list[str]
    answers: int
    examples: list[Example]


class Corroboration(_Out):
    """`pairs`: (owner's answer, helper's answer) about this team on the same deal; `agreement`: the share of
    pairs whose impact levels are at most one step apart. Both null for a hidden team."""

    team: str
    pairs: int | None
    agreement: float | None


class Insights(_Out):
    """The keys fixed by the interface contract, plus `currency` and the additive team keys above."""

    period: str
    currency: str
    teams: list[TeamInsights]
    lost_lessons: list[LostLesson]
    lost_too_few_answers: bool
    corroboration: list[Corroboration]


def compute_insights(session: Session, org: Organisation, period: Period, *, team: str | None = None) -> Insights:
    """Themes per team, lessons of lost deals and corroboration over the deals closed in `period`.

    With `team` (a configured team's name) only that team's entries, and lost lessons over the answers
    about that team."""
    return insights_from(session, org, period, load_corpus(session, org, period), team=team)


def insights_from(session: Session, org: Organisation, period: Period, corpus: Corpus, *, team: str | None) -> Insights:
    """The insights of a corpus already loaded (the cache also takes its fingerprint from it)."""
    configured = [entry.name for entry in org.teams]
    ids = {name: team_id for team_id, name in corpus.team_names.items()}
    present = {corpus.team_names[team_id] for team_id in np.unique(corpus.team_ids).tolist()}
    listed = configured + sorted(present - set(configured))
    visible = visible_teams(team_sizes(session, corpus.team_names), listed, org.min_group_size)
    shown = [team] if team is not None else listed
    lost_rows = _lost_rows(corpus, [ids[name] for name in shown if name in visible and name in ids])
    teams = [name for name in shown if name in visible]
    # two at a time: NMF and the sparse products run without Python's global lock, each on one BLAS thread
    with threadpool_limits(limits=1), ThreadPoolExecutor(max_workers=2, thread_name_prefix="insights-themes") as pool:
        lost_themes = pool.submit(_themes, corpus, lost_rows, org.min_group_size)
        found = dict(
            zip(
                teams,
                pool.map(lambda name: _team_themes(corpus, ids.get(name), org.min_group_size), teams),
                strict=True,
            )
        )
        lost = lost_themes.result()
    every_theme = [theme for _rows, themes in found.values() for theme in themes or []] + (lost or [])
    quotes = _quotes(session, corpus, every_theme)
    agreement = corroboration(corpus)
    return Insights(
        period=period.label,
        currency=org.currency,
        teams=[_team(corpus, name, found.get(name), quotes) for name in shown],
        lost_lessons=[
            LostLesson(label=theme.label, terms=theme.terms, answers=int(theme.rows.size), examples=quotes(theme))
            for theme in lost or []
        ],
        lost_too_few_answers=not lost,
        corroboration=[_corroboration(name, agreement.get(ids.get(name, -1)), name in visible) for name in shown],
    )


TeamThemes = tuple[IntArray, list[Theme] | None]
"""A team's rows in the corpus (its answers that give some help) and the themes found among them."""


def _team_themes(corpus: Corpus, team_id: int | None, min_people: int) -> TeamThemes:
    if team_id is None:
        return np.zeros(0, dtype=np.int64), None
    rows = np.flatnonzero((corpus.team_ids == team_id) & (corpus.impact > 0))
    return rows, _themes(corpus, rows, min_people)


def _team(corpus: Corpus, name: str, found: TeamThemes | None, quotes: Quotes) -> TeamInsights:
    if found is None:
        return TeamInsights(team=name, answers=None, win_rate=None, hidden=True, too_few_answers=False, themes=[])
    rows, themes = found
    return TeamInsights(
        team=name,
        answers=int(rows.size),
        win_rate=_win_rate(corpus, np.unique(corpus.deal_index[rows])),
        hidden=False,
        too_few_answers=not themes,
        themes=[_theme(corpus, theme, quotes) for theme in themes or []],
    )


def _themes(corpus: Corpus, rows: IntArray, min_people: int) -> list[Theme] | None:
    """Themes among `rows` (positions in the corpus) written by at least `min_people` people each; None when
    the rows as a whole are too few, or come from too few people, to say anything."""
    if np.unique(corpus.member_ids[rows]).size < min_people:
        return None
    found = find_themes(corpus.terms[rows], corpus.vocabulary, corpus.answer_ids[rows])
    if found is None:
        return None
    themes = [Theme(terms=theme.terms, rows=rows[theme.rows]) for theme in found]
    return [theme for theme in themes if np.unique(corpus.member_ids[theme.rows]).size >= min_people]


def _theme(corpus: Corpus, theme: Theme, quotes: Quotes) -> ThemeOut:
    deals = np.unique(corpus.deal_index[theme.rows])
    won_cents = int(corpus.deals.cents[deals][corpus.deals.won[deals]].sum())
    return ThemeOut(
        label=theme.label,
        terms=theme.terms,
        answers=int(theme.rows.size),
        deals=int(deals.size),
        won_revenue=Decimal(won_cents).scaleb(-2),
        win_rate=_win_rate(corpus, deals),
        examples=quotes(theme),
    )


def _win_rate(corpus: Corpus, deals: IntArray) -> float | None:
    return _ratio(int(corpus.deals.won[deals].sum()), int(deals.size))


def _lost_rows(corpus: Corpus, team_ids: Sequence[int]) -> IntArray:
    """Answers about lost deals ("what could have helped?"), whatever impact they give."""
    return np.flatnonzero(~corpus.won & np.isin(corpus.team_ids, np.asarray(team_ids, dtype=np.int64)))


def _corroboration(name: str, figures: tuple[int, int] | None, visible: bool) -> Corroboration:
    if not visible:
        return Corroboration(team=name, pairs=None, agreement=None)
    pairs, agreeing = figures or (0, 0)
    return Corroboration(team=name, pairs=pairs, agreement=_ratio(agreeing, pairs))


def _ratio(part: int, whole: int) -> float | None:
    if whole == 0:
        return None
    return float((Decimal(part) / Decimal(whole)).quantize(_RATIO_PLACES, rounding=ROUND_HALF_EVEN))


Quotes = Callable[[Theme], list[Example]]


def _quotes(session: Session, corpus: Corpus, themes: Sequence[Theme]) -> Quotes:
    """Each theme's examples: its strongest quotable answers, their text read in one query (the corpus
    keeps none)."""
    chosen = {id(theme): corpus.answer_ids[theme.rows[corpus.quotable[theme.rows]][:EXAMPLE_COUNT]] for theme in themes}
    texts = quotable_examples(session, [int(answer_id) for ids in chosen.values() for answer_id in ids.tolist()])

    def examples(theme: Theme) -> list[Example]:
        return [texts[answer_id] for answer_id in chosen[id(theme)].tolist() if answer_id in texts]

    return examples


def quotable_examples(session: Session, answer_ids: Sequence[int]) -> dict[int, Example]:
    """The answers among `answer_ids` that may be quoted now, as examples. Asked again whenever insights are
    served, so an answer withdrawn, erased or no longer quotable is never shown, even from the cache."""
    wanted = sorted(set(answer_ids))
    found: dict[int, Example] = {}
    for start in range(0, len(wanted), 500):
        rows = session.exec(
            select(Answer.id, Deal.name, Answer.text)
            .join(Deal, col(Deal.id) == col(Answer.deal_id))
            .where(col(Answer.id).in_(wanted[start : start + 500]), col(Answer.quotable).is_(True))
        ).all()
        found.update(
            {
                answer_id: Example(deal=deal, text=text, answer_id=answer_id)
                for answer_id, deal, text in rows
                if answer_id
            }
        )
    return found
