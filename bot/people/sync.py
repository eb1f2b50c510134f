"""The directory sync: members of mapped Slack user groups and Teams teams become members of their team.

It runs at start, every hour and on `onescore sync-directory`, under a lease so one replica does it.
What each platform says is applied in small transactions, so a 5,000-person workspace never holds
the database (and with it the acknowledgement of a click) for long. The organisation file wins:
a member whose file entry names a team keeps it, and a team set by the person themselves or by an
admin is not overwritten either. People the platform lists as deleted, and bots, are marked
inactive and never asked again; their past answers stay. A platform that cannot be read changes
nothing: the last known directory stays, and the log says so.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from apscheduler.schedulers.base import BaseScheduler
from sqlmodel import Session, col, select

from bot.durable.leases import holder_id, release, try_acquire
from bot.people.contacts import PLATFORM_ID_FIELDS
from bot.people.directory import MemberSource
from bot.people.source import DirectorySource, DirectoryUnavailable, GroupRoster, PlatformPerson
from bot.runtime import Runtime
from storage.db import run_transaction
from storage.models import Member, Team

log = logging.getLogger(__name__)

SYNC_JOB_ID = "directory.sync"
LEASE_NAME = "directory.sync"
LEASE_TTL = timedelta(minutes=15)
SYNC_INTERVAL = timedelta(hours=1)
BATCH = 100
BATCH_PAUSE = 0.01
"""Seconds between two batches' transactions: the event loop (and the database lock, on SQLite)
goes to acknowledgements and answers in between, so a long sync never holds them up."""
GONE = "deleted or deactivated there, a bot, or no longer listed"
"""Why a sync marked a member inactive (`members.unreachable_reason`, after the platform's name): only
that platform's sync makes them active again, so a person deleted on Slack but still in a Teams
roster stays inactive."""
FOLLOWS_PLATFORM = (None, MemberSource.PLATFORM.value)
"""Team sources a sync may overwrite: unset, or set by an earlier sync."""


@dataclass
class PlatformReport:
    platform: str
    seen: int = 0
    added: int = 0
    moved: int = 0
    deactivated: int = 0
    unknown_groups: list[str] = field(default_factory=list)
    error: str | None = None

    def line(self) -> str:
        if self.error:
            return f"{self.platform}: not synced ({self.error}); the last known directory stays"
        text = (
            f"{self.platform}: {self.seen} people in mapped groups, {self.added} added, "
            f"{self.moved} moved to their group's team, {self.deactivated} marked inactive"
        )
        if self.unknown_groups:
            text += f"; unknown: {', '.join(self.unknown_groups)}"
        return text


@dataclass(frozen=True)
class _Placed:
    """One person of a roster, with the team their group maps to (None: only their status counts)."""

    person: PlatformPerson
    team_id: int | None


class DirectorySync:
    """Reads every platform's directory and applies it; one replica at a time (the lease)."""

    def __init__(self, runtime: Runtime, sources: Mapping[str, DirectorySource], *, holder: str | None = None) -> None:
        self.runtime = runtime
        self.sources = sources
        self.holder = holder or holder_id()
        self._told: set[tuple[str, str]] = set()

    async def run(self) -> list[PlatformReport] | None:
        """The scheduled job; None when another replica holds the lease. A platform's failure is
        logged and reported, and the next hour tries again."""
        if not self.sources:
            return []
        engine, now = self.runtime.engine, self.runtime.now()
        if not await asyncio.to_thread(try_acquire, engine, LEASE_NAME, self.holder, now, LEASE_TTL):
            log.info("directory sync: another replica is running it")
            return None
        try:
            return [await self._sync_safely(source) for source in self.sources.values()]
        finally:
            await asyncio.to_thread(release, engine, LEASE_NAME, self.holder)

    async def _sync_safely(self, source: DirectorySource) -> PlatformReport:
        """One platform's sync; trouble with the database ends it with what was written so far."""
        try:
            return await self._sync_one(source)
        except Exception as exc:
            report = PlatformReport(source.name, error=f"{type(exc).__name__}: {exc}")
            log.exception("directory sync: %s", report.line())
            return report

    async def _sync_one(self, source: DirectorySource) -> PlatformReport:
        report = PlatformReport(source.name)
        try:
            read = await source.read(self.runtime.org)
        except DirectoryUnavailable as exc:
            report.error = str(exc)
            log.warning("directory sync: %s", report.line())
            return report
        for unknown in read.unknown:
            report.unknown_groups.append(f"{unknown.key} {unknown.value!r}")
            if (unknown.key, unknown.value) not in self._told:
                self._told.add((unknown.key, unknown.value))
                log.warning(
                    "%s: %s: %s; its members are not synced",
                    self.runtime.settings.config_path,
                    unknown.key,
                    unknown.reason,
                )
        placed = await asyncio.to_thread(self._placements, read.rosters, read.everyone)
        report.seen = sum(len(roster.people) for roster in read.rosters)
        for start in range(0, len(placed), BATCH):
            batch = placed[start : start + BATCH]
            added, moved, deactivated = await asyncio.to_thread(
                run_transaction, self.runtime.engine, partial(self._apply, source, batch)
            )
            report.added += added
            report.moved += moved
            report.deactivated += deactivated
            await asyncio.sleep(BATCH_PAUSE)
        if read.complete:
            present = {person.user_id for person in read.everyone}
            report.deactivated += await asyncio.to_thread(
                run_transaction, self.runtime.engine, partial(self._retire, source, present)
            )
        log.info("directory sync: %s", report.line())
        return report

    def _retire(self, source: DirectorySource, present: set[str], session: Session) -> int:
        """Members this platform's directory brought in (and no other platform knows) who are no
        longer listed: gone from the platform, so inactive until it lists them again."""
        column = getattr(Member, source.id_field)
        query = select(Member).where(
            column.is_not(None),
            col(Member.active).is_(True),
            col(Member.source) == MemberSource.PLATFORM.value,
            col(Member.directory_seen_at).is_not(None),
        )
        for other in PLATFORM_ID_FIELDS.values():
            if other != source.id_field:
                query = query.where(getattr(Member, other).is_(None))
        gone = [m for m in session.exec(query).all() if getattr(m, source.id_field) not in present]
        for member in gone:
            member.active, member.unreachable_reason = False, f"{source.name}: {GONE}"
            session.add(member)
        return len(gone)

    def _placements(self, rosters: Iterable[GroupRoster], everyone: Sequence[PlatformPerson]) -> list[_Placed]:
        """Each person once: in the first mapped group (file order) that lists them, else by status alone."""
        with Session(self.runtime.engine) as session:
            team_ids = {t.name: t.id for t in session.exec(select(Team)).all()}
        placed: dict[str, _Placed] = {}
        for roster in rosters:
            team_id = team_ids.get(roster.team)
            for person in roster.people:
                placed.setdefault(person.user_id, _Placed(person, team_id))
        for person in everyone:
            if not person.active:
                placed.setdefault(person.user_id, _Placed(person, None))
        return list(placed.values())

    def _apply(self, source: DirectorySource, batch: Sequence[_Placed], session: Session) -> tuple[int, int, int]:
        """One batch in one transaction: (added, moved to another team, marked inactive)."""
        now = self.runtime.now()
        id_field = source.id_field
        column = getattr(Member, id_field)
        by_id = {
            getattr(m, id_field): m
            for m in session.exec(select(Member).where(column.in_([p.person.user_id for p in batch]))).all()
        }
        emails = [p.person.email for p in batch if p.person.email]
        by_email = {m.email: m for m in session.exec(select(Member).where(col(Member.email).in_(emails))).all()}
        added = moved = deactivated = 0
        for entry in batch:
            person = entry.person
            member = by_id.get(person.user_id) or (by_email.get(person.email) if person.email else None)
            if member is None:
                if not person.active or not person.email:
                    continue  # nobody to remember: no past answers, and no email to key them by
                member = by_email[person.email] = Member(
                    email=person.email, name=person.name, source=MemberSource.PLATFORM.value, created_at=now
                )
                added += 1
            if person.active and getattr(member, id_field) is None and person.user_id not in by_id:
                setattr(member, id_field, person.user_id)
                by_id[person.user_id] = member
            deactivated += self._mark(source.name, member, person, now)
            moved += self._place(member, person, entry.team_id)
            session.add(member)
        return added, moved, deactivated

    @staticmethod
    def _mark(platform: str, member: Member, person: PlatformPerson, now: datetime) -> int:
        """What the platform says of the person (their name, whether they are there); 1 when it just
        marked them inactive."""
        gone_here = f"{platform}: {GONE}"
        member.name = member.name or person.name
        member.directory_seen_at = now
        if member.active and not person.active:
            member.active, member.unreachable_reason = False, gone_here
            return 1
        if person.active and not member.active and member.unreachable_reason == gone_here:
            member.active, member.unreachable_reason = True, None  # back on the platform that removed them
        return 0

    @staticmethod
    def _place(member: Member, person: PlatformPerson, team_id: int | None) -> int:
        """Put the member in their group's team unless the file, an admin or they themselves chose; 1
        when that moved them from another team."""
        if not person.active or team_id is None or member.team_source not in FOLLOWS_PLATFORM:
            return 0
        moved = int(member.team_id is not None and member.team_id != team_id)
        member.team_id, member.team_source = team_id, MemberSource.PLATFORM.value
        return moved

    def schedule(self, scheduler: BaseScheduler, *, at_start: datetime | None) -> None:
        """Every hour, and once at start (`at_start`) unless the caller runs it itself."""
        scheduler.add_job(
            self.run,
            "interval",
            seconds=SYNC_INTERVAL.total_seconds(),
            id=SYNC_JOB_ID,
            replace_existing=True,
            next_run_time=at_start,
        )
