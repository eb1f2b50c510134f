"""`my data` and `forget me` in Teams' personal chat.

`my data` answers with the person's export as cards holding the JSON verbatim (monospace), split
so that no field and no message passes Teams' limits; put together, the cards' text is the same
document `onescore member export` prints. `forget me` answers with a confirmation card; only its
button erases, and a second click finds nobody left to forget.
"""

from __future__ import annotations

import asyncio

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from bot.errors import NotFound
from bot.people.personal_data import export_json, forget_person
from bot.runtime import Runtime
from handlers.teams.cards import FIELD_BYTES, Element, adaptive_card, card_message, verbatim, wire_size
from prompts import message

MY_DATA, FORGET, ME, DATA = "my", "forget", "me", "data"
FORGET_ME = "onescore.forget_me"
CHUNK_BYTES = FIELD_BYTES // 2
MESSAGE_BYTES = 60_000
"""What one card of the export may carry: Teams refuses a message over 100 KB, with room to spare."""


def is_forget_click(value: object) -> bool:
    return isinstance(value, dict) and value.get("onescore") == FORGET_ME


async def send_my_data(turn_context: TurnContext, runtime: Runtime, member_id: int | None, language: str) -> None:
    document = await asyncio.to_thread(_export, runtime, member_id)
    if document is None:
        await turn_context.send_activity(message(language, "mydata.unknown"))
        return
    for activity in export_messages(document, message(language, "mydata.sent")):
        await turn_context.send_activity(activity)


def export_messages(document: str, title: str) -> list[Activity]:
    """The document as cards of monospace text runs; the first card carries the title."""
    cards: list[list[Element]] = [[verbatim(title, weight="bolder")]]
    used = 0
    for chunk in _chunks(document):
        size = wire_size(chunk)
        if used + size > MESSAGE_BYTES and used:
            cards.append([])
            used = 0
        cards[-1].append(
            {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": chunk, "fontType": "monospace"}]}
        )
        used += size
    return [card_message(adaptive_card(body), title) for body in cards]


def _chunks(document: str) -> list[str]:
    """Whole lines grouped up to `CHUNK_BYTES` on the wire; a longer line is cut where it must be."""
    chunks: list[str] = []
    current = ""
    for line in document.splitlines(keepends=True):
        while wire_size(line) > CHUNK_BYTES:
            cut = _fitting_prefix(line)
            chunks += [current, line[:cut]] if current else [line[:cut]]
            current, line = "", line[cut:]
        if current and wire_size(current) + wire_size(line) > CHUNK_BYTES:
            chunks.append(current)
            current = ""
        current += line
    if current:
        chunks.append(current)
    return chunks


def _fitting_prefix(line: str) -> int:
    room, length = CHUNK_BYTES, 0
    for char in line:
        room -= wire_size(char)
        if room < 0:
            break
        length += 1
    return max(length, 1)


def forget_confirmation(language: str) -> Activity:
    text = message(language, "forget.confirm")
    button: Element = {
        "type": "Action.Submit",
        "title": message(language, "forget.button"),
        "style": "destructive",
        "data": {"onescore": FORGET_ME},
    }
    return card_message(adaptive_card([verbatim(text)], [button]), text)


async def forget_me(turn_context: TurnContext, runtime: Runtime, member_id: int | None, language: str) -> None:
    in_file = False
    if member_id is not None:
        engine, now = runtime.engine, runtime.now()
        in_file = (await asyncio.to_thread(forget_person, engine, member_id, actor="chat", now=now)).listed_in_file
    await turn_context.send_activity(message(language, "forget.done_in_file" if in_file else "forget.done"))


def _export(runtime: Runtime, member_id: int | None) -> str | None:
    if member_id is None:
        return None
    try:
        return export_json(runtime.engine, member_id)
    except NotFound:
        return None


def wanted(name: str, args: tuple[str, ...]) -> str | None:
    """`my data` or `forget me` (any case), else None."""
    words = (name, *(a.lower() for a in args))
    return " ".join(words) if words in ((MY_DATA, DATA), (FORGET, ME)) else None
