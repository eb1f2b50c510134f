"""An in-memory `DirectorySource`, for driving the directory sync and the email look-up directly."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.organisation import Organisation
from bot.people.source import DirectoryRead, DirectoryUnavailable, GroupRoster, PlatformPerson, UnknownGroup


@dataclass
class MemoryDirectory:
    """`groups` maps a group's name (what `teams[].slack_usergroup` names) to its people."""

    name: str = "slack"
    id_field: str = "slack_id"
    groups: dict[str, list[PlatformPerson]] = field(default_factory=dict)
    everyone: list[PlatformPerson] = field(default_factory=list)
    down: str | None = None
    """While set, every call fails with this reason (an outage)."""
    lookups: list[str] = field(default_factory=list)

    async def read(self, org: Organisation) -> DirectoryRead:
        if self.down:
            raise DirectoryUnavailable(self.down)
        rosters, unknown = [], []
        for index, team in enumerate(org.teams):
            if not team.slack_usergroup:
                continue
            key = f"teams[{index}].slack_usergroup"
            if team.slack_usergroup in self.groups:
                rosters.append(GroupRoster(team.name, key, tuple(self.groups[team.slack_usergroup])))
            else:
                unknown.append(UnknownGroup(key, team.slack_usergroup, "no such group"))
        return DirectoryRead(tuple(rosters), tuple(unknown), tuple(self.everyone))

    async def find_by_email(self, email: str) -> PlatformPerson | None:
        self.lookups.append(email)
        if self.down:
            raise DirectoryUnavailable(self.down)
        people = [*self.everyone, *(p for group in self.groups.values() for p in group)]
        return next((p for p in people if p.email == email), None)
