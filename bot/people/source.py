"""The port a chat platform's directory implements: who is in a mapped group, and who has an email.

Slack answers from its user groups and user list, Teams from the rosters of the teams the bot is
installed in; the core (`bot.people.sync`, `bot.people.discovery`) decides what becomes of each
person. Everything crossing here is a plain dataclass, so the core never sees an SDK type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bot.organisation import Organisation


@dataclass(frozen=True)
class PlatformPerson:
    """A person as a platform's directory lists them."""

    user_id: str
    email: str | None
    name: str | None = None
    active: bool = True
    """False for people deleted or deactivated on the platform, and for bots: they are never asked."""
    aad_object_id: str | None = None


@dataclass(frozen=True)
class GroupRoster:
    """The people of one organisation-file team's mapped group (user group, Teams team)."""

    team: str
    key: str
    """The organisation-file key that mapped it, e.g. `teams[1].slack_usergroup`."""
    people: tuple[PlatformPerson, ...]


@dataclass(frozen=True)
class UnknownGroup:
    """A mapped group the platform does not know: said once at start, naming the key."""

    key: str
    value: str
    reason: str


@dataclass(frozen=True)
class DirectoryRead:
    rosters: tuple[GroupRoster, ...] = ()
    unknown: tuple[UnknownGroup, ...] = ()
    everyone: tuple[PlatformPerson, ...] = field(default=())
    """Everybody the platform listed, mapped or not, so people deleted there stop being asked."""
    complete: bool = False
    """`everyone` is every person the platform lets OneScore see (Teams: the rosters of every team
    the bot is installed in, all read): a person it found before and no longer lists has gone."""


class DirectoryUnavailable(Exception):
    """The platform could not be read (an outage, a missing scope): the last known directory stays."""


class DirectorySource(Protocol):
    name: str
    """The platform's key (`slack`, `teams`), as in `ChatPlatform.name`."""

    id_field: str
    """The `members` column holding this platform's user id (`slack_id`, `teams_id`)."""

    async def read(self, org: Organisation) -> DirectoryRead:
        """The mapped groups' rosters; raises `DirectoryUnavailable` when the platform fails."""
        ...

    async def find_by_email(self, email: str) -> PlatformPerson | None:
        """The person with this email on the platform, or None; raises `DirectoryUnavailable`."""
        ...
