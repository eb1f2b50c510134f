"""The running service's parts, built once and handed to every edge.

Edges get what they need from here rather than from globals, so a test can build a runtime with
its own database, clock and fake chat platforms, and two runtimes can share one database (two
replicas) in one process.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.clock import Clock, SystemClock
from bot.ledger.deals import DealWriter
from bot.organisation import Organisation, load_organisation
from bot.people.directory import sync_organisation
from bot.settings import Settings
from prompts import default_catalogue
from storage.db import make_engine, session_scope

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    org: Organisation
    engine: Engine
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Clock | None = None) -> Runtime:
        """Raises OrganisationFileError or CatalogueError when the organisation file or the words are unusable."""
        org = load_organisation(settings.config_path, required=settings.config_path_is_explicit)
        default_catalogue()
        return cls(
            settings=settings,
            org=org,
            engine=make_engine(settings.database_url),
            clock=clock or SystemClock(),
        )

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        """Today in the organisation's time zone: the calendar a deal's close date lives in."""
        return self.clock.now().astimezone(self.org.zone).date()

    def deal_writer(self, session: Session, *, source: str, strict_members: bool = True) -> DealWriter:
        return DealWriter(
            session,
            zone=self.org.zone,
            default_currency=self.org.currency,
            today=self.today(),
            now=self.now(),
            source=source,
            strict_members=strict_members,
        )

    def sync_organisation(self) -> None:
        with session_scope(self.engine) as session:
            sync_organisation(session, self.org)
        log.info("organisation: %d teams, %d members from the file", len(self.org.teams), len(self.org.members))
