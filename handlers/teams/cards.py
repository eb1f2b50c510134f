"""Adaptive Cards for asks: the question with its answer form on the card, and what replaces it.

Teams renders a TextBlock's text as Markdown, so anything people typed (deal names, answers) goes
into a RichTextBlock's TextRun, which is shown verbatim: `**Acme**` keeps its asterisks and a
link stays text. Every word comes from the `AskCard` (the catalogue, in the member's language), as in Slack.

The buttons are `Action.Execute` (Teams answers with an `adaptiveCard/action` invoke and shows the
card the bot returns at once) with an `Action.Submit` fallback for clients without Universal
Actions (a `message` whose `value` holds the inputs). Both carry `{"onescore": ACTION, "ask_id": N}`
plus the form's inputs, and `card_action` reads either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botbuilder.schema import Activity, ActivityTypes, Attachment

from bot.ledger.text import MAX_TEXT
from bot.ports import AskCard
from bot.rounds.answers import AskAction
from prompts import message
from storage.models import AskStatus, Impact

Element = dict[str, Any]

CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.4"
UNIVERSAL_ACTIONS_VERSION = "1.5"
"""`Action.Execute` (Universal Actions) is Adaptive Cards 1.5: a card using it must say so."""
SHOWN_TEXT = 4000
"""Longest user text shown on a card, in characters. Storage keeps it all."""
FIELD_BYTES = 10_000
"""Most bytes any one text field may take on the wire. The connector sends JSON with every non-ASCII
character escaped (an emoji is 12 bytes), and Teams refuses a message over 100 KB: a card has at most a
handful of fields that carry a deal name or an answer, so this keeps every message well under it."""
SUMMARY_BYTES = 1_000
"""What a notification (the activity's `summary`) may take: a line, not the message again."""
PREFILLED_TEXT = 4000
"""Longest stored answer put back into the edit form; a longer one is kept when the box is left empty."""
ELLIPSIS = "…"

ANSWER, DECLINE, NOT_SURE = AskAction.ANSWER.value, AskAction.DECLINE.value, AskAction.NOT_SURE.value
WITHDRAW, SNOOZE = AskAction.WITHDRAW.value, AskAction.SNOOZE.value
ACTIONS = tuple(action.value for action in AskAction)
IMPACTS = tuple(impact.value for impact in Impact)
MAX_ASK_ID = 2**31 - 1
"""Ask ids are a 32-bit integer column in PostgreSQL."""
MAX_ASK_ID_DIGITS = len(str(MAX_ASK_ID))


def adaptive_card(body: list[Element], actions: list[Element] | None = None) -> Element:
    """A card whose every text field is bounded, declaring the version its actions need."""
    card: Element = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}
    if actions:
        card["actions"] = actions
    if _uses(card, "Action.Execute"):
        card["version"] = UNIVERSAL_ACTIONS_VERSION
    return bounded(card)


def card_message(card: Element, notification: str | None) -> Activity:
    """A message carrying one card; `notification` is what the activity feed and toasts show."""
    return Activity(
        type=ActivityTypes.message,
        attachments=[Attachment(content_type=CONTENT_TYPE, content=card)],
        summary=fit(notification, budget=SUMMARY_BYTES) if notification else notification,
    )


def wire_size(text: str) -> int:
    """Bytes `text` takes in JSON as the connector sends it (ASCII-escaped)."""
    return sum(_escaped_size(char) for char in text)


def _escaped_size(char: str) -> int:
    code = ord(char)
    if code > 0xFFFF:
        return 12  # a surrogate pair, \udXXX\udXXX
    if code > 0x7E or code < 0x20:
        return 6
    return 2 if char in '"\\' else 1


def fit(text: str, limit: int = SHOWN_TEXT, *, budget: int = FIELD_BYTES) -> str:
    """`text` cut (with an ellipsis) to at most `limit` characters and `budget` bytes on the wire."""
    if len(text) <= limit and wire_size(text) <= budget:
        return text
    room, kept = budget - wire_size(ELLIPSIS), 0
    for index, char in enumerate(text[: limit - 1]):
        room -= _escaped_size(char)
        if room < 0:
            break
        kept = index + 1
    return text[:kept].rstrip() + ELLIPSIS


def bounded(node: Any) -> Any:
    """Every string in a card cut to the field budget, whatever it holds (catalogue words with a deal
    name, team labels, answers): no single field can push a message over Teams' limit."""
    if isinstance(node, str):
        return fit(node, len(node)) if wire_size(node) > FIELD_BYTES else node
    if isinstance(node, dict):
        return {key: bounded(value) for key, value in node.items()}
    if isinstance(node, list):
        return [bounded(item) for item in node]
    return node


def _uses(node: Any, action_type: str) -> bool:
    if isinstance(node, dict):
        return node.get("type") == action_type or any(_uses(value, action_type) for value in node.values())
    if isinstance(node, list):
        return any(_uses(item, action_type) for item in node)
    return False


def verbatim(text: str, *, weight: str | None = None, subtle: bool = False, size: str | None = None) -> Element:
    """Text shown exactly as written (no Markdown), wrapped."""
    run: Element = {"type": "TextRun", "text": fit(text)}
    if weight:
        run["weight"] = weight
    if subtle:
        run["isSubtle"] = True
    if size:
        run["size"] = size
    return {"type": "RichTextBlock", "inlines": [run]}


def ask_card(card: AskCard, *, lead: str | None = None) -> Element:
    """The card of one ask in its current state; `lead` is a line above it (the reminder)."""
    body: list[Element] = []
    if lead:
        body.append(verbatim(lead, subtle=True))
    body.append(verbatim(card.texts["intro"], weight="bolder", size="medium"))
    if card.asks_team:
        body.extend(team_question(card))
        return adaptive_card(
            body, [button(card, TEAM_CHOICE, card.texts["directory.team_button"], style="positive", with_inputs=True)]
        )
    body.append(verbatim(card.question))
    actions: list[Element]
    if card.status == AskStatus.PENDING.value:
        body.extend(answer_form(card))
        decline = card.texts["button.decline_lost" if card.outcome == "lost" else "button.decline"]
        actions = [
            button(card, ANSWER, card.texts["button.answer"], style="positive", with_inputs=True),
            button(card, DECLINE, decline),
            button(card, NOT_SURE, card.texts["button.not_sure"]),
        ]
        if card.can_snooze:
            actions.append(button(card, SNOOZE, card.texts["own.snooze"]))
        if card.snoozed:
            body.insert(len(body) - len(answer_form(card)), verbatim(card.texts["own.snoozed"], subtle=True))
    elif card.status == AskStatus.ANSWERED.value and card.answer is not None:
        body.append(verbatim("✅ " + card.texts["ask.answered"], weight="bolder"))
        body.append({"type": "Container", "style": "emphasis", "items": [verbatim(card.answer.text)]})
        body.append(verbatim(card.texts["ask.thanks"], subtle=True))
        actions = [_form_behind(card, card.texts["button.edit"]), _withdraw_behind(card)]
    elif card.status in (AskStatus.DECLINED.value, AskStatus.NOT_SURE.value):
        if card.status == AskStatus.NOT_SURE.value:
            note = card.texts["ask.not_sure"]
        else:
            note = card.texts["ask.declined_lost" if card.outcome == "lost" else "ask.declined"]
        body.append(verbatim(note, subtle=True))
        actions = [_form_behind(card, card.texts["button.answer"])]
    else:
        body.append(verbatim(card.texts["ask.expired"], subtle=True))
        actions = []
    return adaptive_card(body, actions)


TEAM_CHOICE = "member.team"
"""The verb of "Which team are you in?"; its input is `member_team`."""


def team_question(card: AskCard) -> list[Element]:
    """ "Which team are you in?" with the teams to choose from; the question follows the choice."""
    return [
        {
            "type": "Input.ChoiceSet",
            "id": "member_team",
            "label": card.texts["directory.which_team"],
            "placeholder": card.texts["directory.team_placeholder"],
            "style": "compact",
            "isRequired": True,
            "errorMessage": card.texts["directory.team_placeholder"],
            "choices": [{"title": t.label, "value": t.name} for t in card.teams],
        },
        verbatim(card.texts["directory.which_team_hint"], subtle=True),
    ]


def team_choice(value: Any) -> tuple[int, str] | None:
    """(ask id, team name) from a "Which team are you in?" click (Action.Submit or Action.Execute)."""
    if not isinstance(value, dict):
        return None
    action = value.get("action")
    data = action.get("data") if isinstance(action, dict) else value
    if not isinstance(data, dict) or data.get("onescore") != TEAM_CHOICE:
        return None
    ask_id, team = _ask_id(data.get("ask_id")), data.get("member_team")
    if ask_id is None or not isinstance(team, str) or not team.strip():
        return None
    return ask_id, team.strip()


def summary(card: AskCard) -> str:
    """What a notification shows (Teams uses the activity's summary for cards)."""
    return fit(f"{card.texts['intro']}: {card.question}", 500, budget=SUMMARY_BYTES)


def answer_form(card: AskCard) -> list[Element]:
    """The inputs: helping team (preselected), impact, what was done, and whether it may be quoted."""
    texts = card.texts
    incomplete = message(card.language, "ask.incomplete")
    suffix = "_lost" if card.outcome == "lost" else ""
    answer = card.answer
    team = answer.helping_team if answer else card.helping_team
    team_input: Element = {
        "type": "Input.ChoiceSet",
        "id": "team",
        "label": texts[f"modal.helping_team.label{suffix}"],
        "style": "compact",
        "isRequired": True,
        "errorMessage": incomplete,
        "choices": [{"title": t.label, "value": t.name} for t in card.teams],
    }
    if team:
        team_input["value"] = team
    impact_input: Element = {
        "type": "Input.ChoiceSet",
        "id": "impact",
        "label": texts[f"modal.impact.label{suffix}"],
        "style": "expanded",
        "isRequired": True,
        "errorMessage": incomplete,
        "choices": [
            {"title": f"{texts[f'impact.{i}.label']} – {texts[f'impact.{i}.description']}", "value": i} for i in IMPACTS
        ],
    }
    if answer:
        impact_input["value"] = answer.impact
    keeps_long_text = answer is not None and (len(answer.text) > PREFILLED_TEXT or wire_size(answer.text) > FIELD_BYTES)
    text_input: Element = {
        "type": "Input.Text",
        "id": "text",
        "label": texts[f"modal.text.label{suffix}"],
        "placeholder": texts["modal.text.placeholder"],
        "isMultiline": True,
        "maxLength": MAX_TEXT,
        "isRequired": not keeps_long_text,
        "errorMessage": incomplete,
    }
    if answer and not keeps_long_text:
        text_input["value"] = answer.text
    quotable = answer.quotable if answer else True
    return [
        team_input,
        impact_input,
        text_input,
        {
            "type": "Input.Toggle",
            "id": "quotable",
            "label": texts["modal.quotable.label"],
            "title": texts["modal.quotable.yes"],
            "value": "true" if quotable else "false",
            "valueOn": "true",
            "valueOff": "false",
        },
        {"type": "TextBlock", "text": texts["modal.quotable.hint"], "isSubtle": True, "size": "small", "wrap": True},
    ]


def _withdraw_behind(card: AskCard) -> Element:
    """Take back, behind a confirmation: the answer leaves every scorecard."""
    texts = card.texts
    confirm = adaptive_card(
        [verbatim(texts["own.withdraw_title"], weight="bolder"), verbatim(texts["own.withdraw_confirm"])],
        [button(card, WITHDRAW, texts["own.withdraw_yes"], style="destructive")],
    )
    return {"type": "Action.ShowCard", "title": texts["own.withdraw"], "card": confirm}


def _form_behind(card: AskCard, title: str) -> Element:
    """A button that opens the answer form under the card (to answer after all, or to edit)."""
    return {
        "type": "Action.ShowCard",
        "title": title,
        "card": adaptive_card(
            answer_form(card), [button(card, ANSWER, card.texts["modal.submit"], style="positive", with_inputs=True)]
        ),
    }


def button(card: AskCard, action: str, title: str, *, style: str | None = None, with_inputs: bool = False) -> Element:
    """`Action.Execute`, falling back to `Action.Submit` on clients without Universal Actions."""
    data = {"onescore": action, "ask_id": card.ask_id}
    inputs = "auto" if with_inputs else "none"
    fallback: Element = {"type": "Action.Submit", "title": title, "data": data, "associatedInputs": inputs}
    execute: Element = {
        "type": "Action.Execute",
        "title": title,
        "verb": action,
        "data": data,
        "associatedInputs": inputs,
        "fallback": fallback,
    }
    if style:
        execute["style"] = fallback["style"] = style
    return execute


@dataclass(frozen=True)
class CardAction:
    """A click on an ask card's button, with the form's inputs as Teams sent them; the core's
    `read_answer_form` decides what they answer."""

    action: AskAction
    ask_id: int
    team: str | None
    impact: Impact | None
    text: str
    quotable: bool

    @property
    def complete(self) -> bool:
        """Whether both choices were made (blank text is allowed: an edit keeps the stored text)."""
        return bool(self.team) and self.impact is not None


def card_action(value: Any) -> CardAction | None:
    """Read a card click from an Action.Submit `value` or an Action.Execute invoke `value`."""
    if not isinstance(value, dict):
        return None
    action = value.get("action")
    data = action.get("data") if isinstance(action, dict) else value
    if not isinstance(data, dict) or data.get("onescore") not in ACTIONS:
        return None
    ask_id = _ask_id(data.get("ask_id"))
    if ask_id is None:
        return None
    impact, team, text = data.get("impact"), data.get("team"), data.get("text")
    return CardAction(
        action=AskAction(data["onescore"]),
        ask_id=ask_id,
        team=(team.strip().lower() or None) if isinstance(team, str) else None,
        impact=Impact(impact) if isinstance(impact, str) and impact in IMPACTS else None,
        text=text if isinstance(text, str) else "",
        quotable=str(data.get("quotable", "false")).lower() == "true",
    )


def _ask_id(value: object) -> int | None:
    """The ask id our buttons carry (an integer the database can hold, or its decimal digits as a client
    that stringifies `data` sends them); None for anything else, so 1e308, `true` or 5.0 never reach a query."""
    if isinstance(value, str) and value.isascii() and value.isdecimal() and len(value) <= MAX_ASK_ID_DIGITS:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value <= MAX_ASK_ID else None
