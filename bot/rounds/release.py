"""The asks' own clock: when a waiting ask goes out, when it is reminded about, when it expires.

Run periodically (and safely by several replicas at once). Nothing here talks to a chat platform:
an ask that may go out now is handed to the durable outbound queue with a dedupe key, so it is
sent once however often this runs; the queue's worker does the sending.

The touch rule: a member gets at most `max_asks_per_week` asks per week of their own calendar.
Asks over the limit wait for the next week; they are never dropped. Reminders do not count, as
they are about an ask already counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from bot.durable.jobs import enqueue
from bot.organisation import Organisation
from bot.people.contacts import contact
from bot.people.profile import member_profile
from bot.ports import ChatPlatform
from storage.db import session_scope
from storage.models import Ask, AskStatus, Deal, DealClose, Member

OUTBOUND = "outbound"
ASK_LIFETIME = timedelta(days=7)
NOBODY_REACHES_RETRY = timedelta(hours=1)
BATCH = 200


def release_due_asks(engine: Engine, org: Organisation, platforms: Sequence[ChatPlatform], now: datetime) -> int:
    """Hand every ask that may be delivered now to the outbound queue; returns how many."""
    released = 0
    while True:
        with session_scope(engine) as session:
            due = _lock(
                session,
                select(Ask)
                .where(
                    Ask.status == AskStatus.PENDING.value,
                    col(Ask.platform).is_(None),
                    col(Ask.deliver_after) <= now,
                )
                .order_by(col(Ask.deliver_after), col(Ask.id))
                .limit(BATCH),
            )
            if not due:
                return released
            released += sum(_release(session, ask, org, platforms, now) for ask in due)


def _release(session: Session, ask: Ask, org: Organisation, platforms: Sequence[ChatPlatform], now: datetime) -> bool:
    member = session.get(Member, ask.member_id)
    assert member is not None
    ask.updated_at = now
    session.add(ask)
    if not is_current(session, ask):
        ask.status = AskStatus.EXPIRED.value
        return False
    cal = member_profile(session, member, org).calendar
    if not cal.is_open(now):
        ask.deliver_after = cal.next_open(now)
        return False
    if _released_this_week(session, member, cal.week_start(now)) >= org.max_asks_per_week:
        ask.deliver_after = cal.next_open(cal.next_week(now))
        return False
    platform = platform_for(member, platforms)
    if platform is None:
        ask.deliver_after = now + NOBODY_REACHES_RETRY
        return False
    ask.platform = platform.name
    ask.deliver_after = now
    enqueue(
        session,
        queue=OUTBOUND,
        kind="ask.deliver",
        payload={"ask_id": ask.id},
        now=now,
        dedupe_key=f"ask:{ask.id}:deliver:{now.isoformat()}",
    )
    session.flush()
    return True


def platform_for(member: Member, platforms: Sequence[ChatPlatform]) -> ChatPlatform | None:
    """The platform that already knows the member's id, else the first that could look them up.

    With Slack and Teams both on, a member known only in Teams (a `teams_id`, no `slack_id`) must be
    asked in Teams, not looked up by email in Slack first just because Slack is listed first (and
    then parked as unreachable there for a day, again and again).
    """
    reaching = [p for p in platforms if p.reaches(contact(member, p.name))]
    known = [p for p in reaching if contact(member, p.name).platform_user_id]
    return next(iter(known or reaching), None)


def _released_this_week(session: Session, member: Member, week_start: datetime) -> int:
    """Asks handed out to the member since their week began (`deliver_after` is the hand-out time)."""
    return session.exec(
        select(func.count())
        .select_from(Ask)
        .where(Ask.member_id == member.id, col(Ask.platform).is_not(None), col(Ask.deliver_after) >= week_start)
    ).one()


def queue_reminders(engine: Engine, org: Organisation, now: datetime) -> int:
    """Queue the one reminder of each ask still pending `reminder_after` after it was sent."""
    delay = org.reminder_delay
    if delay is None:
        return 0
    queued = 0
    with session_scope(engine) as session:
        waiting = _lock(
            session,
            select(Ask).where(
                Ask.status == AskStatus.PENDING.value,
                col(Ask.sent_at) <= now - delay,
                col(Ask.reminded_at).is_(None),
            ),
        )
        for ask in waiting:
            if not is_current(session, ask):
                expire(session, ask, now)
                continue
            member = session.get(Member, ask.member_id)
            assert member is not None
            if not member_profile(session, member, org).calendar.is_open(now):
                continue
            ask.reminded_at = now
            session.add(ask)
            queue_reminder(session, ask, now, dedupe_key=f"ask:{ask.id}:remind")
            queued += 1
    return queued


def queue_reminder(session: Session, ask: Ask, now: datetime, *, dedupe_key: str) -> None:
    """Remind the member of the ask once per `dedupe_key` (the usual reminder, or each snooze's)."""
    enqueue(session, queue=OUTBOUND, kind="ask.remind", payload={"ask_id": ask.id}, now=now, dedupe_key=dedupe_key)


def expire_old_asks(engine: Engine, now: datetime) -> int:
    """Asks unanswered a week after they were sent expire, and their message says so."""
    with session_scope(engine) as session:
        old = _lock(
            session,
            select(Ask).where(Ask.status == AskStatus.PENDING.value, col(Ask.expires_at) <= now),
        )
        for ask in old:
            expire(session, ask, now)
        return len(old)


def expire(session: Session, ask: Ask, now: datetime) -> None:
    ask.status = AskStatus.EXPIRED.value
    ask.updated_at = now
    session.add(ask)
    if ask.message_ref is not None:
        request_update(session, ask, now)


def request_update(session: Session, ask: Ask, now: datetime) -> None:
    """Queue a refresh of the ask's delivered message; it shows whatever the ask's state is by then."""
    enqueue(session, queue=OUTBOUND, kind="ask.update", payload={"ask_id": ask.id}, now=now)


def is_current(session: Session, ask: Ask) -> bool:
    """False when the deal was reopened (or closed again) after this ask's round opened."""
    if ask.close_id is None:
        return True
    close = session.get(DealClose, ask.close_id)
    deal = session.get(Deal, ask.deal_id)
    return close is not None and deal is not None and deal.close_seq == close.seq and deal.stage == close.outcome


def _lock(session: Session, query: SelectOfScalar[Ask]) -> list[Ask]:
    """Rows this process works on; on PostgreSQL another replica skips them instead of waiting."""
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.exec(query).all())
