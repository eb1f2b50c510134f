"""Whose ask it is: only the member an ask was sent to may act on it."""

from __future__ import annotations

from sqlmodel import Session

from bot.errors import NotFound
from storage.models import Ask


class NotYourAsk(Exception):
    """The ask was sent to someone else."""


def ask_for_member(session: Session, ask_id: int, member_id: int | None) -> Ask:
    """The ask, when it was sent to this member; raises NotFound or NotYourAsk."""
    ask = session.get(Ask, ask_id)
    if ask is None:
        raise NotFound(f"no ask {ask_id}")
    if member_id is None or ask.member_id != member_id:
        raise NotYourAsk(f"ask {ask_id} belongs to another member")
    return ask
