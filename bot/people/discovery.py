"""People named by email (a deal's owner or participant, a CRM owner) who are on a chat platform
become members, with no organisation-file entry needed.

The platform is asked once per unknown email (Slack's `users.lookupByEmail`, the Teams rosters);
a person found there is stored with their platform id and no team, so their first ask asks which
team they are in. Someone the platforms do not know stays unknown: the REST API still refuses a
deal naming them, and a CRM deal is stored without an owner, as before. A platform that cannot be
asked right now counts as not knowing the person; the next mention asks again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.people.directory import MemberSource
from bot.people.source import DirectorySource, DirectoryUnavailable, PlatformPerson
from bot.runtime import Runtime
from storage.db import run_transaction
from storage.models import Member

log = logging.getLogger(__name__)

MAX_LOOKUPS = 50
"""Unknown emails looked up per call: a deal names a handful of people, never hundreds."""
FILE_LOOKUPS = 2000
"""Unknown emails looked up for one imported file (a company's deal history names its sales force)."""


class PeopleFinder:
    def __init__(self, runtime: Runtime, sources: Mapping[str, DirectorySource]) -> None:
        self.runtime = runtime
        self.sources = sources

    async def adopt(self, emails: Iterable[str | None], *, limit: int = MAX_LOOKUPS) -> list[str]:
        """Make members of the named people found on a platform (at most `limit` looked up); returns
        the emails added."""
        wanted = {e.strip().lower() for e in emails if e and "@" in e}
        if not wanted or not self.sources:
            return []
        unknown = sorted(await asyncio.to_thread(self._unknown, wanted))[:limit]
        added: list[str] = []
        for email in unknown:
            for source in self.sources.values():
                try:
                    person = await source.find_by_email(email)
                except DirectoryUnavailable as exc:
                    log.warning("directory: cannot look %s up on %s: %s", email, source.name, exc)
                    continue
                if person is not None and person.active:
                    if await asyncio.to_thread(self._store, source.id_field, email, person):
                        added.append(email)
                    break
        return added

    def _unknown(self, wanted: set[str]) -> set[str]:
        with Session(self.runtime.engine) as session:
            known = session.exec(select(Member.email).where(col(Member.email).in_(wanted))).all()
        return wanted - set(known)

    def _store(self, id_field: str, email: str, person: PlatformPerson) -> bool:
        """False when someone else stored the person meanwhile (two requests naming them at once)."""
        now = self.runtime.now()

        def work(session: Session) -> bool:
            if session.exec(select(Member.id).where(Member.email == email)).first() is not None:
                return False
            member = Member(email=email, name=person.name, source=MemberSource.PLATFORM.value, created_at=now)
            column = getattr(Member, id_field)
            if session.exec(select(Member.id).where(column == person.user_id)).first() is None:
                setattr(member, id_field, person.user_id)
            if person.aad_object_id and id_field == "teams_id":
                taken = session.exec(select(Member.id).where(Member.aad_object_id == person.aad_object_id)).first()
                member.aad_object_id = None if taken is not None else person.aad_object_id
            session.add(member)
            return True

        try:
            stored = run_transaction(self.runtime.engine, work)
        except IntegrityError:
            return False
        if stored:
            log.info("directory: %s is on %s, now a member (no team yet)", email, id_field.removesuffix("_id"))
        return stored
