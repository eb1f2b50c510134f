"""Where the bot can write to in Teams, remembered in `conversation_refs` (platform `teams`).

Teams lets a bot message someone only in a conversation it knows, at the regional `serviceUrl`
Teams told it about. Every activity that arrives teaches us one: a person's 1:1 chat (keyed by
their `29:` user id, linked to the member) or a team channel (keyed by its `19:…@thread…` id, for
scorecard posts). Only plain strings are stored, never botbuilder objects, so a move to another
SDK keeps the data. A person known only by id (a mention in a channel, the organisation file)
gets a 1:1 chat opened on the first ask, from the tenant and the service URL we know.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.people.contacts import remember_recipient
from bot.ports import Recipient
from storage.models import ConversationRef, Member

PLATFORM = "teams"
CHANNEL = "channel"
PERSONAL = "personal"


@dataclass(frozen=True)
class Address:
    """How to reach one conversation: the service URL and conversation id, plus what a new 1:1 chat needs."""

    service_url: str
    conversation_id: str | None
    tenant_id: str | None
    bot_id: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "service_url": self.service_url,
            "conversation_id": self.conversation_id,
            "tenant_id": self.tenant_id,
            "bot_id": self.bot_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Address | None:
        if not data.get("service_url"):
            return None
        return cls(data["service_url"], data.get("conversation_id"), data.get("tenant_id"), data.get("bot_id"))


@dataclass(frozen=True)
class TeamsUser:
    """A person as an activity (and the conversation's member info) describes them."""

    user_id: str
    aad_object_id: str | None = None
    name: str | None = None
    email: str | None = None
    locale: str | None = None
    timezone: str | None = None


def remember_person(
    session: Session, member: Member, user: TeamsUser, address: Address, now: datetime, *, personal: bool
) -> None:
    """Store where the member is in Teams; `personal` when `address` is their 1:1 chat with the bot.

    A channel address still tells us the tenant and the service URL, enough to open the 1:1 chat
    later, so it is kept (without its conversation id) unless a 1:1 chat is already known.
    """
    remember_recipient(
        session, PLATFORM, member, Recipient(user.user_id, language=user.locale, timezone=user.timezone), now
    )
    ref = _ref(session, user.user_id)
    assert ref is not None
    known = Address.from_json(ref.reference)
    if personal or known is None:
        kept = address if personal else replace(address, conversation_id=None)
    else:
        kept = replace(known, service_url=address.service_url, tenant_id=address.tenant_id or known.tenant_id)
    ref.reference = {**ref.reference, **kept.as_json(), "kind": PERSONAL}
    session.add(ref)
    if user.aad_object_id and member.aad_object_id is None:
        taken = session.exec(select(Member.id).where(Member.aad_object_id == user.aad_object_id)).first()
        if taken is None:
            member.aad_object_id = user.aad_object_id
            session.add(member)
    session.flush()


def remember_personal_chat(session: Session, user_id: str, address: Address, now: datetime) -> None:
    """The 1:1 chat just opened for a person, so the next message goes straight to it."""
    ref = _ref(session, user_id) or ConversationRef(platform=PLATFORM, key=user_id)
    ref.reference = {**(ref.reference or {}), **address.as_json(), "user_id": user_id, "kind": PERSONAL}
    ref.updated_at = now
    session.add(ref)


def remember_channel(
    session: Session,
    channel_id: str,
    address: Address,
    now: datetime,
    *,
    team_id: str | None,
    name: str | None,
    team_name: str | None = None,
) -> None:
    """A team channel the bot was added to (or heard from): where scorecards can be posted."""
    ref = _ref(session, channel_id) or ConversationRef(platform=PLATFORM, key=channel_id)
    ref.reference = {
        **(ref.reference or {}),
        **address.as_json(),
        "conversation_id": channel_id,
        "kind": CHANNEL,
        "team_id": team_id,
        "name": name,
        **({"team_name": team_name} if team_name else {}),
    }
    ref.updated_at = now
    session.add(ref)


def person_address(session: Session, user_id: str) -> Address | None:
    ref = _ref(session, user_id)
    return Address.from_json(ref.reference) if ref is not None else None


def channel_address(session: Session, channel_id: str) -> Address | None:
    ref = _ref(session, channel_id)
    return Address.from_json(ref.reference) if ref is not None else None


def newest_address(session: Session) -> Address | None:
    """The most recently learnt tenant, service URL and bot id: enough to open a 1:1 chat with anyone."""
    refs = session.exec(
        select(ConversationRef)
        .where(ConversationRef.platform == PLATFORM)
        .order_by(col(ConversationRef.updated_at).desc())
    ).all()
    for ref in refs:
        address = Address.from_json(ref.reference or {})
        if address is not None:
            return replace(address, conversation_id=None)
    return None


def team_names(session: Session) -> dict[str, str]:
    """The name Teams last gave each team the bot is installed in, by team id."""
    refs = session.exec(select(ConversationRef).where(ConversationRef.platform == PLATFORM)).all()
    names: dict[str, str] = {}
    for ref in sorted(refs, key=lambda r: r.updated_at):
        data = ref.reference or {}
        if data.get("kind") == CHANNEL and data.get("team_id") and data.get("team_name"):
            names[data["team_id"]] = data["team_name"]
    return names


def team_addresses(session: Session) -> list[tuple[Address, str]]:
    """Each team the bot is installed in, once: (address, team id) for reading its roster."""
    refs = session.exec(select(ConversationRef).where(ConversationRef.platform == PLATFORM)).all()
    teams: dict[str, Address] = {}
    for ref in refs:
        data = ref.reference or {}
        address = Address.from_json(data)
        if data.get("kind") == CHANNEL and data.get("team_id") and address is not None:
            teams.setdefault(data["team_id"], address)
    return [(address, team_id) for team_id, address in teams.items()]


def _ref(session: Session, key: str) -> ConversationRef | None:
    return session.exec(
        select(ConversationRef).where(ConversationRef.platform == PLATFORM, ConversationRef.key == key)
    ).first()
