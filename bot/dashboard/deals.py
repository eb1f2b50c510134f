"""The deal list with its filters and pages, filtered and paged in SQL so it stays fast at any size.

A team hidden on the scorecard is no filter: its deals, listed, would add up to the figures it hides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, exists, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.errors import HiddenTeam, InputError
from bot.organisation import Organisation
from bot.periods import Period
from bot.scoring.scorecard import shown_teams
from storage.models import Answer, Deal, Impact, Member, Stage, Team

PAGE_SIZE = 50
MAX_PAGE = 100_000


@dataclass(frozen=True)
class DealFilters:
    stage: str | None = None
    period: Period | None = None
    team: str | None = None
    owner: str | None = None
    """The owner's email."""
    page: int = 1


@dataclass(frozen=True)
class DealRow:
    external_id: str
    name: str
    account: str | None
    stage: str
    amount: Decimal | None
    currency: str
    owner: str | None
    owner_team: str | None
    closed_at: date | None


@dataclass(frozen=True)
class DealPage:
    rows: list[DealRow]
    filters: DealFilters
    has_next: bool
    teams: list[str]
    """The configured teams the list may be filtered by (the ones shown apart)."""


@dataclass(frozen=True)
class Owner:
    email: str
    name: str


def read_deal_filters(
    org: Organisation,
    *,
    stage: str | None = None,
    period: str | None = None,
    team: str | None = None,
    owner: str | None = None,
    page: str | None = None,
) -> DealFilters:
    """The filters as a form sends them: an empty field means "any". A value that means nothing is an
    InputError naming the field, so the page can say which one."""
    stage, period, team, owner, page = (_blank_is_none(value) for value in (stage, period, team, owner, page))
    if stage is not None and stage not in {s.value for s in Stage}:
        raise InputError("stage", f"{stage!r} is not a stage: use open, won or lost")
    chosen = None
    if period is not None:
        try:
            chosen = Period.parse(period)
        except ValueError as exc:
            raise InputError("period", str(exc)) from None
    entry = org.find_team(team) if team is not None else None
    if team is not None and entry is None:
        raise InputError("team", f"unknown team {team!r}")
    number = 1
    if page is not None:
        if not page.isdigit() or not 1 <= int(page) <= MAX_PAGE:
            raise InputError("page", f"{page!r} is not a page number")
        number = int(page)
    return DealFilters(
        stage=stage,
        period=chosen,
        team=entry.name if entry is not None else None,
        owner=owner.lower() if owner is not None else None,
        page=number,
    )


def list_deals(session: Session, org: Organisation, filters: DealFilters, *, page_size: int = PAGE_SIZE) -> DealPage:
    """One page of deals, most recently recorded first; one row more is read to know if a next page exists.

    Raises HiddenTeam when the filters name a team the scorecard hides."""
    shown = shown_teams(session, org)
    if filters.team is not None and filters.team not in shown:
        raise HiddenTeam("team", filters.team)
    owner = aliased(Member)
    owner_team = aliased(Team)
    statement = (
        select(  # type: ignore[call-overload]  # SQLModel types select() for at most four columns
            Deal.external_id,
            Deal.name,
            Deal.account,
            Deal.stage,
            Deal.amount_cents,
            Deal.currency,
            owner.name,
            owner_team.name,
            Deal.closed_at,
        )
        .outerjoin(owner, col(owner.id) == col(Deal.owner_id))
        .outerjoin(owner_team, col(owner_team.id) == col(owner.team_id))
        .where(*_conditions(session, filters, owner))
        .order_by(col(Deal.id).desc())
        .offset((filters.page - 1) * page_size)
        .limit(page_size + 1)
    )
    rows = [
        DealRow(
            external_id=external_id,
            name=name,
            account=account,
            stage=stage,
            amount=None if cents is None else Decimal(cents).scaleb(-2),
            currency=currency,
            owner=owner_name,
            owner_team=team_name,
            closed_at=closed_at,
        )
        for external_id, name, account, stage, cents, currency, owner_name, team_name, closed_at in session.exec(
            statement
        ).all()
    ]
    teams = [entry.name for entry in org.teams if entry.name in shown]
    return DealPage(rows=rows[:page_size], filters=filters, has_next=len(rows) > page_size, teams=teams)


def _conditions(session: Session, filters: DealFilters, owner: type[Member]) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.stage is not None:
        conditions.append(col(Deal.stage) == filters.stage)
    if filters.period is not None:
        conditions.append(and_(col(Deal.closed_at) >= filters.period.first, col(Deal.closed_at) <= filters.period.last))
    if filters.owner is not None:
        conditions.append(col(owner.email) == filters.owner)
    if filters.team is not None:
        conditions.append(_helped_by(session, filters.team, owner))
    return conditions


def _helped_by(session: Session, team: str, owner: type[Member]) -> ColumnElement[bool]:
    """The deal's helping teams include `team`: the owner's team, or an answer credits it with some impact."""
    team_id = session.exec(select(Team.id).where(col(Team.name) == team)).first()
    if team_id is None:
        return col(Deal.id).is_(None)
    credited = exists().where(
        col(Answer.deal_id) == col(Deal.id),
        col(Answer.helping_team_id) == team_id,
        col(Answer.impact) != Impact.NONE.value,
    )
    return or_(col(owner.team_id) == team_id, credited)


def deal_owners(session: Session) -> list[Owner]:
    """Everyone who owns a deal, by name, for the owner filter."""
    rows = session.exec(
        select(Member.email, Member.name)
        .where(col(Member.email).is_not(None), exists().where(col(Deal.owner_id) == col(Member.id)))
        .order_by(col(Member.name), col(Member.email))
    ).all()
    return [Owner(email=email, name=name or email) for email, name in rows if email is not None]


def _blank_is_none(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None
