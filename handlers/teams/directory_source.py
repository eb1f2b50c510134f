"""Teams' directory for the sync: the rosters of the teams OneScore is installed in.

A team in the organisation file names its Teams team by id (`19:…@thread.tacv2`) or by the name
Teams gave it when the app was installed there; the Bot Connector lists a team's members only to
a bot installed in it, so a team the bot has never heard from is reported as unknown (install the
app in it). A roster is read page by page (`BotConnector.roster`); any failure makes the whole
read fail, so the sync keeps the last known directory rather than acting on half a roster.

Rosters do not list deleted accounts, they just stop listing them: so every installed team's
roster is read, and a person the rosters brought in who is in none of them any more has gone
(`DirectoryRead.complete`).
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
from msrest.exceptions import ClientException
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.organisation import Organisation
from bot.people.source import DirectoryRead, DirectoryUnavailable, GroupRoster, PlatformPerson, UnknownGroup
from bot.ports import PortError
from handlers.teams.connector import BotConnector, RosterMember
from handlers.teams.conversations import Address, team_addresses, team_names

ROSTER_KEPT_SECONDS = 60.0
TROUBLE = (PortError, ClientException, aiohttp.ClientError, TimeoutError, OSError)


class TeamsDirectorySource:
    name = "teams"
    id_field = "teams_id"

    def __init__(self, engine: Engine, connector: BotConnector) -> None:
        self.engine = engine
        self.connector = connector
        self._recent: dict[str, tuple[float, list[RosterMember]]] = {}

    async def read(self, org: Organisation) -> DirectoryRead:
        mapped = [(index, team) for index, team in enumerate(org.teams) if team.teams_team]
        if not mapped:
            return DirectoryRead()
        installed, names = await asyncio.to_thread(self._installed)
        read = {
            team_id: [_person(m) for m in await self._roster(address, team_id)]
            for team_id, address in installed.items()
        }
        rosters: list[GroupRoster] = []
        unknown: list[UnknownGroup] = []
        for index, team in mapped:
            wanted = team.teams_team or ""
            key = f"teams[{index}].teams_team"
            team_id = _match(wanted, installed, names)
            if team_id is None:
                reason = f"OneScore is not installed in a Teams team {wanted!r} (add the app to that team)"
                unknown.append(UnknownGroup(key, wanted, reason))
                continue
            rosters.append(GroupRoster(team=team.name, key=key, people=tuple(read[team_id])))
        everyone = {person.user_id: person for people in read.values() for person in people}
        return DirectoryRead(
            rosters=tuple(rosters), unknown=tuple(unknown), everyone=tuple(everyone.values()), complete=True
        )

    async def find_by_email(self, email: str) -> PlatformPerson | None:
        """Searched in the rosters, each kept for a minute: a deal (or an imported file) naming
        several people reads each roster once, not once per person."""
        installed, _ = await asyncio.to_thread(self._installed)
        for team_id, address in installed.items():
            for member in await self._recent_roster(address, team_id):
                if member.email == email.lower():
                    return _person(member)
        return None

    async def _recent_roster(self, address: Address, team_id: str) -> list[RosterMember]:
        kept = self._recent.get(team_id)
        if kept is not None and time.monotonic() - kept[0] < ROSTER_KEPT_SECONDS:
            return kept[1]
        roster = await self._roster(address, team_id)
        self._recent[team_id] = (time.monotonic(), roster)
        return roster

    async def _roster(self, address: Address, team_id: str) -> list[RosterMember]:
        try:
            return await self.connector.roster(address.service_url, team_id)
        except TROUBLE as exc:
            raise DirectoryUnavailable(f"the roster of Teams team {team_id} could not be read: {exc}") from exc

    def _installed(self) -> tuple[dict[str, Address], dict[str, str]]:
        with Session(self.engine) as session:
            return {team_id: address for address, team_id in team_addresses(session)}, team_names(session)


def _match(wanted: str, installed: dict[str, Address], names: dict[str, str]) -> str | None:
    """The installed team `wanted` names: its id, else its name in any case."""
    if wanted in installed:
        return wanted
    folded = wanted.casefold()
    return next((team_id for team_id in installed if names.get(team_id, "").casefold() == folded), None)


def _person(member: RosterMember) -> PlatformPerson:
    return PlatformPerson(
        user_id=member.user_id, email=member.email, name=member.name, aad_object_id=member.aad_object_id
    )
