"""The tables. Column names mirror the domain's vocabulary (docs/reference.md) so SQL reads like the domain.

Money is stored in hundredths (`amount_cents`) as an integer: exact sums on SQLite and PostgreSQL
alike, which the scorecard's "attributed revenue adds up exactly" promise depends on.
Timestamps are aware UTC (`UTCDateTime`); calendar days (a deal's created/closed date) are dates.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Literal

from sqlalchemy import JSON, BigInteger, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime(), nullable=nullable, index=index)


def _fk(
    target: str,
    *,
    nullable: bool = True,
    ondelete: Literal["CASCADE", "SET NULL", "RESTRICT"] | None = None,
    index: bool = False,
) -> Any:
    if ondelete is None:
        return Field(default=None, foreign_key=target, nullable=nullable, index=index)
    return Field(default=None, foreign_key=target, nullable=nullable, index=index, ondelete=ondelete)


class Stage(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class Impact(StrEnum):
    NONE = "none"
    SOME = "some"
    STRONG = "strong"
    DECISIVE = "decisive"


class AskStatus(StrEnum):
    PENDING = "pending"
    ANSWERED = "answered"
    DECLINED = "declined"
    NOT_SURE = "not_sure"
    EXPIRED = "expired"


class JobStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    DEAD = "dead"


class Team(SQLModel, table=True):
    __tablename__ = "teams"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    label: str | None = Field(default=None, max_length=200)
    usual_helper: bool = False


class Member(SQLModel, table=True):
    """A person. Chat identities are unique per platform; email is the join key between them."""

    __tablename__ = "members"

    id: int | None = Field(default=None, primary_key=True)
    email: str | None = Field(default=None, max_length=320, unique=True)
    name: str | None = Field(default=None, sa_type=Text)
    team_id: int | None = _fk("teams.id")
    role: str = Field(default="member", max_length=16)
    timezone: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=8)
    slack_id: str | None = Field(default=None, max_length=32, unique=True)
    teams_id: str | None = Field(default=None, max_length=200, unique=True)
    aad_object_id: str | None = Field(default=None, max_length=64, unique=True)
    unreachable_reason: str | None = Field(default=None, sa_type=Text)
    from_config: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    # The directory (bot/people/sync.py): how OneScore learnt of the person, who set their team,
    # and whether a platform still has them (people deleted there, and bots, are never asked).
    source: str = Field(default="self", max_length=16)
    team_source: str | None = Field(default=None, max_length=16)
    active: bool = True
    directory_seen_at: datetime | None = _ts()
    erased_at: datetime | None = _ts()
    """The person asked to be forgotten: the row stays only so their team keeps its credit."""


class Deal(SQLModel, table=True):
    __tablename__ = "deals"
    __table_args__ = (
        Index(
            "ix_deals_closed_figures", "stage", "closed_at", "currency", "amount_cents", "owner_id", "created_at", "id"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(max_length=255, unique=True)
    name: str = Field(sa_type=Text)
    account: str | None = Field(default=None, sa_type=Text)
    amount_cents: int | None = Field(default=None, sa_type=BigInteger)
    currency: str = Field(max_length=3)
    stage: str = Field(default=Stage.OPEN, max_length=8)
    owner_id: int | None = _fk("members.id", index=True)
    owner_email: str | None = Field(default=None, max_length=320)
    created_at: date | None = None
    closed_at: date | None = Field(default=None, index=True)
    source: str = Field(default="api", max_length=32)
    source_updated_at: datetime | None = _ts()
    close_seq: int = 0
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)


class DealParticipant(SQLModel, table=True):
    __tablename__ = "deal_participants"
    __table_args__ = (UniqueConstraint("deal_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = _fk("deals.id", nullable=False, ondelete="CASCADE", index=True)
    member_id: int = _fk("members.id", nullable=False, index=True)
    team_id: int | None = _fk("teams.id")


class DealClose(SQLModel, table=True):
    """A deal reaching won or lost: recorded once per transition, the seed of a question round."""

    __tablename__ = "deal_closes"
    __table_args__ = (UniqueConstraint("deal_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = _fk("deals.id", nullable=False, ondelete="CASCADE", index=True)
    seq: int
    outcome: str = Field(max_length=8)
    closed_at: date | None = None
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    round_opened_at: datetime | None = _ts(index=True)


class Ask(SQLModel, table=True):
    """One question to one member about one deal and one helping team."""

    __tablename__ = "asks"
    __table_args__ = (
        UniqueConstraint("close_id", "member_id", "helping_team_id"),
        Index("ix_asks_member_status", "member_id", "status"),
        Index("ix_asks_deal_status", "deal_id", "status", "sent_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = _fk("deals.id", nullable=False, ondelete="CASCADE", index=True)
    close_id: int | None = _fk("deal_closes.id", ondelete="CASCADE")
    member_id: int = _fk("members.id", nullable=False)
    helping_team_id: int | None = _fk("teams.id")
    question_key: str = Field(default="", max_length=64)
    question: str = Field(sa_type=Text)
    status: str = Field(default=AskStatus.PENDING, max_length=16)
    platform: str | None = Field(default=None, max_length=16)
    deliver_after: datetime | None = _ts(index=True)
    sent_at: datetime | None = _ts()
    reminded_at: datetime | None = _ts()
    expires_at: datetime | None = _ts()
    message_ref: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    snoozes: int = 0
    """How often the member said "Remind me tomorrow" (at most `MAX_SNOOZES`)."""
    snoozed_until: datetime | None = _ts()
    """While set, the ask waits for its snoozed reminder, due then; cleared when it is queued."""


class Answer(SQLModel, table=True):
    """A contribution: which team helped a deal, how much, in the member's own words."""

    __tablename__ = "answers"
    __table_args__ = (
        Index("ix_answers_deal_team_impact", "deal_id", "helping_team_id", "impact"),
        Index(
            "ix_answers_quotable",
            "deal_id",
            "impact",
            "answered_at",
            sqlite_where=text("quotable = 1"),
            postgresql_where=text("quotable = true"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = _fk("deals.id", nullable=False, ondelete="CASCADE", index=True)
    ask_id: int | None = Field(default=None, foreign_key="asks.id", ondelete="SET NULL", unique=True)
    member_id: int = _fk("members.id", nullable=False)
    helping_team_id: int = _fk("teams.id", nullable=False)
    impact: str = Field(max_length=16)
    text: str = Field(sa_type=Text)
    quotable: bool = False
    source: str = Field(default="api", max_length=32)
    answered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)


class ScorePost(SQLModel, table=True):
    """A scorecard post to one channel for one period, claimed before it is sent (exactly once)."""

    __tablename__ = "score_posts"
    __table_args__ = (UniqueConstraint("platform", "channel_id", "period", "attempt"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    channel_id: str = Field(max_length=255)
    period: str = Field(max_length=16)
    attempt: int = 0
    status: str = Field(default="claimed", max_length=16)
    claimed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    sent_at: datetime | None = _ts()
    message_ref: dict[str, Any] | None = Field(default=None, sa_type=JSON)


class ProcessedEvent(SQLModel, table=True):
    """Delivery ids already handled (Slack event ids, Teams activity ids, CRM deliveries)."""

    __tablename__ = "processed_events"

    key: str = Field(primary_key=True, max_length=255)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False, index=True)


class ConversationRef(SQLModel, table=True):
    """Where a platform lets us message someone proactively (Teams needs the whole reference)."""

    __tablename__ = "conversation_refs"
    __table_args__ = (UniqueConstraint("platform", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    key: str = Field(max_length=255)
    member_id: int | None = _fk("members.id", index=True)
    reference: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)


class Job(SQLModel, table=True):
    """A durable unit of work (an outgoing chat message, a CRM delivery to process).

    Work that must survive a crash or a platform outage goes here instead of into memory; a
    `dedupe_key` makes enqueuing the same work twice a no-op.
    """

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_due", "queue", "status", "run_after"),)

    id: int | None = Field(default=None, primary_key=True)
    queue: str = Field(max_length=32)
    kind: str = Field(max_length=64)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    dedupe_key: str | None = Field(default=None, max_length=255, unique=True)
    status: str = Field(default=JobStatus.PENDING, max_length=16)
    attempts: int = 0
    run_after: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    locked_until: datetime | None = _ts()
    last_error: str | None = Field(default=None, sa_type=Text)
    result: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    finished_at: datetime | None = _ts()
    last_failure_ambiguous: bool = False
    """An attempt failed after its request may have taken effect (a timeout, a dropped connection, a
    5xx): the next attempt first asks the platform whether it did. A clean refusal leaves it as it was."""


class Lease(SQLModel, table=True):
    """Which replica currently runs the scheduled jobs, and until when."""

    __tablename__ = "leases"

    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=128)
    expires_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)


class Installation(SQLModel, table=True):
    """This database's identity, attached to every chat message the bot sends.

    The id is random and made the first time it is needed, so a reset or fresh database is a new
    installation: it never adopts messages an earlier one left in Slack, nor does a second
    installation on the same Slack app. A database restored from a backup keeps its id — it is the
    same installation, and its messages are its own — and the ids it then reuses (asks, posts) are
    told apart from the ones sent before the restore by their time: only a message sent after the
    ask or post was created is adopted.
    """

    __tablename__ = "installation"

    singleton: int = Field(default=1, primary_key=True)
    id: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)


class Erasure(SQLModel, table=True):
    """One erasure (a person forgotten, or answers' text past the retention period): when, by what
    kind of actor, how many rows. It names nobody: the record of forgetting must not remember."""

    __tablename__ = "erasures"

    id: int | None = Field(default=None, primary_key=True)
    erased_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    kind: str = Field(max_length=16)
    actor: str = Field(max_length=16)
    rows: int = 0


class LoginToken(SQLModel, table=True):
    """A one-time dashboard sign-in link, kept only as the SHA-256 of its token.

    Whoever reads the database cannot sign in with what they read; `used_at` is set by the one
    conditional UPDATE that redeems it, so two clicks on the same link start one session at most.
    """

    __tablename__ = "login_tokens"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    member_id: int = _fk("members.id", nullable=False, ondelete="CASCADE", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime(), nullable=False)
    used_at: datetime | None = _ts()


class WebSession(SQLModel, table=True):
    """A signed-in dashboard browser. The cookie holds the session id; this table holds its SHA-256,
    so sessions survive restarts and are shared by replicas without the database holding a usable id."""

    __tablename__ = "web_sessions"

    id: int | None = Field(default=None, primary_key=True)
    session_hash: str = Field(max_length=64, unique=True)
    member_id: int = _fk("members.id", nullable=False, ondelete="CASCADE", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime(), nullable=False, index=True)


class InsightsCache(SQLModel, table=True):
    """The insights last computed for a period (and maybe one team), with the fingerprint of what they
    were computed from: while the period's answers, deals and people are unchanged, they are served
    from here instead of being found again."""

    __tablename__ = "insights_cache"

    key: str = Field(primary_key=True, max_length=255)
    probe: str = Field(max_length=64)
    """What the whole database looked like (counts, latest ids and changes): read in milliseconds."""
    fingerprint: str = Field(max_length=64)
    """What the period's own answers and deals looked like: read only when the probe has changed."""
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    computed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)


Index("ix_answers_updated_at", Answer.__table__.c.updated_at)  # type: ignore[attr-defined]
Index("ix_deals_updated_at", Deal.__table__.c.updated_at)  # type: ignore[attr-defined]
"""The latest change to answers and deals, read by the insights cache's probe without a scan."""


class DealFigures(SQLModel, table=True):
    """One deal's scorecard figures, kept up to date in the transaction of every write (storage.rollups).

    A copy of the deal columns the scorecard reads, plus what it would otherwise gather from the
    deal's asks and answers: the asks sent and answered, and the teams its answers credit. The
    owner's team is not stored: it is read through `owner_id` when the scorecard is made, so a
    member moving to another team changes no rollup. `credit_pattern` lists the credited teams
    (highest impact rank above zero) as "team_id:rank,…" in no fixed order; `credit_weight` is the
    sum of those ranks and `credit_teams` their number. `quote_*` name the deal's strongest
    quotable answer: a period's three strongest quotable answers are among those of the three
    deals whose strongest is strongest, so the highlights visit one entry per deal.
    """

    __tablename__ = "deal_figures"
    __table_args__ = (
        Index(
            "ix_deal_figures_closed",
            "stage",
            "closed_at",
            "asks_sent",
            "asks_answered",
            "owner_id",
            "credit_weight",
            "credit_teams",
            "currency",
            "amount_cents",
            "credit_pattern",
            "quote_rank",
            "quote_at",
            "quote_id",
            "deal_id",
        ),
    )

    deal_id: int = Field(foreign_key="deals.id", primary_key=True, ondelete="CASCADE")
    stage: str = Field(max_length=8)
    closed_at: date | None = None
    currency: str = Field(max_length=3)
    amount_cents: int | None = Field(default=None, sa_type=BigInteger)
    owner_id: int | None = None
    asks_sent: int = 0
    asks_answered: int = 0
    credit_pattern: str = Field(default="", sa_type=Text)
    credit_weight: int = 0
    credit_teams: int = 0
    quote_id: int | None = None
    """The deal's strongest quotable answer (highest impact, then newest, then highest id), if any."""
    quote_rank: int | None = None
    quote_at: datetime | None = Field(default=None, sa_type=UTCDateTime())


class DealTeamCredit(SQLModel, table=True):
    """Per deal and helping team: the highest impact rank its answers give and how many answers there are.

    The deal's stage and closing day are copied here so a period's answers per team are counted
    from one index without visiting the deals.
    """

    __tablename__ = "deal_team_credit"
    __table_args__ = (Index("ix_deal_team_credit_closed", "team_id", "stage", "closed_at", "answers"),)

    deal_id: int = Field(foreign_key="deals.id", primary_key=True, ondelete="CASCADE")
    team_id: int = Field(foreign_key="teams.id", primary_key=True)
    stage: str = Field(max_length=8)
    closed_at: date | None = None
    rank: int = 0
    answers: int = 0


class LedgerChanges(SQLModel, table=True):
    """Counters that database triggers (migration 0015) raise: one per month of closing days ('2026-06')
    whenever a deal closed in it, its rollups or one of its answers change, and one ('members') whenever a
    member joins, leaves or changes team or name. A cache of one period's figures keys them by its months'
    counters and the members', so a write elsewhere in the ledger leaves them standing."""

    __tablename__ = "ledger_changes"

    scope: str = Field(primary_key=True, max_length=16)
    changes: int = Field(default=0, sa_type=BigInteger)
