"""Scorecard posts to channels: claimed exactly once, sent through the durable outbound queue.

Whatever asks for a post — the weekly schedule on any replica, `onescore post-scores`, a lead's
`/scores post` — first claims a `score_posts` row for (platform, channel, period, attempt), and
queues the sending in the same transaction. The unique key makes the claim the single point where
"has this week been posted here?" is decided: two replicas, a retry or the command run twice all
meet it, and only one insert wins. Attempt 0 is the regular post; `force` claims the next attempt
on purpose. A send that fails stays queued and is retried (honouring a platform's Retry-After),
so a post is never lost either. A send whose outcome is unknown (`Unconfirmed`) is looked for
in the channel before it is retried — by its post key, which names this installation, and only
among messages since the post was claimed, so another installation's card (or an earlier
database's, whose post ids were the same) is never taken for ours.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.durable.jobs import JobWorker, PermanentFailure, RetryLater, enqueue, queue_outcome
from bot.insights.growth import weekly_line
from bot.organisation import Organisation, ScoreChannel
from bot.periods import Period, PeriodKind
from bot.ports import MessageRef, ScorecardChannel
from bot.runtime import Runtime
from bot.scoring.chart import render_chart
from bot.scoring.history import weekly_history
from bot.scoring.scorecard import compute_scorecard
from bot.scoring.view import ChartImage, ScorecardView, scorecard_view
from prompts import message
from storage.db import run_transaction, session_scope
from storage.installation import installation_id
from storage.models import Job, ScorePost

log = logging.getLogger(__name__)

SCORES_QUEUE = "scores"
POST_JOB = "scores.post"
PLATFORM_OFF_RETRY = timedelta(minutes=10)


class PostStatus(StrEnum):
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"


class ClaimOutcome(StrEnum):
    CLAIMED = "claimed"
    ALREADY_POSTED = "already_posted"
    PLATFORM_OFF = "platform_off"


@dataclass(frozen=True)
class Claim:
    platform: str
    channel_id: str
    period: str
    outcome: ClaimOutcome
    post_id: int | None = None
    attempt: int | None = None


def claim_post(
    session: Session,
    platform: str,
    channel_id: str,
    period: Period,
    now: datetime,
    *,
    force: bool = False,
    team: str | None = None,
) -> Claim:
    """Claim the post and queue its sending, in the caller's transaction.

    Without `force` only attempt 0 can be claimed, so a period is posted to a channel once; with
    `force` the next attempt number is claimed. A concurrent forced claim of the same number loses
    on the unique key (IntegrityError); `run_transaction` retries it with the next number.
    """
    attempt = _next_attempt(session, platform, channel_id, period.label) if force else 0
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(ScorePost).values(
        platform=platform,
        channel_id=channel_id,
        period=period.label,
        attempt=attempt,
        status=PostStatus.CLAIMED.value,
        claimed_at=now,
    )
    if not force:
        statement = statement.on_conflict_do_nothing(index_elements=["platform", "channel_id", "period", "attempt"])
    post_id = session.execute(statement.returning(col(ScorePost.id))).scalar()
    if post_id is None:
        return Claim(platform, channel_id, period.label, ClaimOutcome.ALREADY_POSTED)
    enqueue(
        session,
        queue=SCORES_QUEUE,
        kind=POST_JOB,
        payload={"post_id": post_id, "team": team},
        now=now,
        dedupe_key=f"{POST_JOB}:{post_id}",
    )
    return Claim(platform, channel_id, period.label, ClaimOutcome.CLAIMED, post_id, attempt)


def _next_attempt(session: Session, platform: str, channel_id: str, period: str) -> int:
    latest = session.exec(
        select(func.max(col(ScorePost.attempt))).where(
            col(ScorePost.platform) == platform,
            col(ScorePost.channel_id) == channel_id,
            col(ScorePost.period) == period,
        )
    ).one()
    return 0 if latest is None else int(latest) + 1


def latest_post(session: Session, platform: str, channel_id: str, period: str) -> ScorePost | None:
    return session.exec(
        select(ScorePost)
        .where(
            col(ScorePost.platform) == platform,
            col(ScorePost.channel_id) == channel_id,
            col(ScorePost.period) == period,
        )
        .order_by(col(ScorePost.attempt).desc())
    ).first()


def last_sent_post(session: Session) -> ScorePost | None:
    return session.exec(
        select(ScorePost).where(col(ScorePost.status) == PostStatus.SENT.value).order_by(col(ScorePost.sent_at).desc())
    ).first()


def post_outcome(engine: Engine, post_id: int) -> tuple[str, str | None]:
    """A claimed post's status, and the last error of its sending when it has not gone out."""
    with Session(engine) as session:
        post = session.get(ScorePost, post_id)
        job = session.exec(select(Job).where(col(Job.dedupe_key) == f"{POST_JOB}:{post_id}")).first()
    status = post.status if post is not None else PostStatus.FAILED.value
    return status, job.last_error if job is not None else None


def post_key(installation: str, post_id: int) -> str:
    """What a posted scorecard carries to be recognised (Slack: its message metadata): this
    installation's post, not merely a post with this number."""
    return f"{installation}:score-post-{post_id}"


class ScorePoster:
    """Claims posts and sends them: the `scores` queue's worker for this process."""

    def __init__(self, runtime: Runtime, channels: Mapping[str, ScorecardChannel]) -> None:
        self.runtime = runtime
        self.channels = dict(channels)
        self.worker = JobWorker(runtime.engine, runtime.clock, SCORES_QUEUE, {POST_JOB: self.send}, concurrency=4)
        self._task: asyncio.Task[None] | None = None

    @property
    def engine(self) -> Engine:
        return self.runtime.engine

    @property
    def org(self) -> Organisation:
        return self.runtime.org

    def request(
        self, targets: Iterable[ScoreChannel], period: Period, *, force: bool = False, team: str | None = None
    ) -> list[Claim]:
        """Claim a post of `period` to each target whose platform this process can reach."""
        claims = []
        for target in targets:
            if target.platform not in self.channels:
                claims.append(Claim(target.platform, target.channel_id, period.label, ClaimOutcome.PLATFORM_OFF))
                continue

            def work(session: Session, target: ScoreChannel = target) -> Claim:
                return claim_post(
                    session, target.platform, target.channel_id, period, self.runtime.now(), force=force, team=team
                )

            claims.append(run_transaction(self.engine, work))
        for claim in claims:
            log.info("scores %s → %s %s: %s", claim.period, claim.platform, claim.channel_id, claim.outcome.value)
        return claims

    async def send_due(self) -> None:
        """Send what is due now, in the caller's task (another replica may take some first)."""
        await self.worker.run_once()

    async def send(self, job: Job) -> dict[str, Any]:
        """The queue's handler: post the scorecard, then its chart, recording each step as it lands.

        A retry resumes where the last attempt stopped, so a chart that failed to upload never
        makes the scorecard itself go out twice; and it first asks the platform whether a card
        whose posting seemed to fail is in the channel after all.
        """
        post = await asyncio.to_thread(self._load, job.payload["post_id"])
        if post is None:
            raise PermanentFailure(f"score post {job.payload['post_id']} does not exist")
        assert post.id is not None
        if post.status == PostStatus.SENT.value:
            return {"skipped": "already sent", "message": post.message_ref}
        channel = self.channels.get(post.platform)
        if channel is None:
            raise RetryLater(PLATFORM_OFF_RETRY, f"{post.platform} is off in this process")
        team = job.payload.get("team")
        key = post_key(await asyncio.to_thread(self._installation), post.id)
        card = post.message_ref
        if card is None and job.last_failure_ambiguous:
            card = await channel.find_posted_scorecard(post.channel_id, key, post.claimed_at)
            job.last_failure_ambiguous = False
            if card is not None:
                await asyncio.to_thread(self._record, post.id, card)
        if card is None:
            view = await asyncio.to_thread(self._view, post, team, key)
            try:
                card = await channel.post_scorecard(post.channel_id, view)
            except Exception as exc:
                if _given_up(exc):
                    await asyncio.to_thread(self._settle, post.id, PostStatus.FAILED, None)
                raise
            await asyncio.to_thread(self._record, post.id, card)
        if team is None and Period.parse(post.period).kind is PeriodKind.WEEK and "chart" not in card:
            card = {**card, "chart": await self._post_chart(channel, post, card)}
        await asyncio.to_thread(self._settle, post.id, PostStatus.SENT, card)
        return {"sent": card}

    async def _post_chart(self, channel: ScorecardChannel, post: ScorePost, card: MessageRef) -> MessageRef:
        """The chart is secondary: if the platform refuses it for good, the post still counts as sent."""
        chart = await asyncio.to_thread(self._chart, post)
        try:
            return await channel.post_chart(post.channel_id, chart, card)
        except Exception as exc:
            if not _given_up(exc):
                raise
            log.warning("score post %s: the chart was refused: %s", post.id, exc)
            return {"error": str(exc)}

    def _load(self, post_id: int) -> ScorePost | None:
        with Session(self.engine) as session:
            return session.get(ScorePost, post_id)

    def _installation(self) -> str:
        with session_scope(self.engine) as session:
            return installation_id(session, self.runtime.now())

    def _view(self, post: ScorePost, team: str | None, key: str) -> ScorecardView:
        period = Period.parse(post.period)
        with Session(self.engine) as session:
            scorecard = compute_scorecard(session, self.org, period, team=team)
        view = scorecard_view(scorecard, self.org, self.org.language, self.runtime.now(), team=team, post_key=key)
        if team is None and period.kind is PeriodKind.WEEK:
            view = replace(view, insight_line=self._insight_line(period, view.language))
        return view

    def _insight_line(self, week: Period, language: str) -> str | None:
        """The insights line is a bonus: whatever goes wrong finding it, the scorecard still goes out."""
        try:
            return weekly_line(self.engine, self.org, week, language)
        except Exception:
            log.exception("score post for %s: no insights line", week.label)
            return None

    def _chart(self, post: ScorePost) -> ChartImage:
        period = Period.parse(post.period)
        with Session(self.engine) as session:
            history = weekly_history(session, self.org, period)
        language = self.org.language
        return ChartImage(
            png=render_chart(history, self.org, language),
            title=message(language, "scorecard.chart.title", weeks=len(history.weeks)),
            filename=f"onescore-{period.label}.png",
        )

    def _record(self, post_id: int, ref: MessageRef) -> None:
        with session_scope(self.engine) as session:
            post = session.get(ScorePost, post_id)
            assert post is not None
            post.message_ref = ref
            session.add(post)

    def _settle(self, post_id: int, status: PostStatus, ref: MessageRef | None) -> None:
        with session_scope(self.engine) as session:
            post = session.get(ScorePost, post_id)
            assert post is not None
            post.status = status.value
            if status is PostStatus.SENT:
                post.sent_at = self.runtime.now()
                post.message_ref = ref
            session.add(post)

    def wake(self) -> None:
        self.worker.wake()

    async def drain(self) -> None:
        await self.worker.drain()

    def start(self) -> None:
        self._task = asyncio.create_task(self.worker.run_forever(), name="score-post-worker")

    async def stop(self) -> None:
        self.worker.stop()
        if self._task is not None:
            await self._task


def _given_up(exc: Exception) -> bool:
    """Whether the queue will not try this again, read as the queue reads it (`queue_outcome`)."""
    return isinstance(queue_outcome(exc), PermanentFailure)
