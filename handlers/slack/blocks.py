"""Block Kit for asks, the answer form, App Home and the deal form, always inside Slack's limits.

Slack refuses a whole message when one limit is exceeded (50 blocks a message, 100 in a modal or
Home, 4000 characters of a message's text, 3000 of section text, 150 for a header, 75 for a button
or option, 24 for a modal title, at least one option in a select), so every text is fitted here.
Fitting is for display only: stored deal names and answers stay whole. Untrusted text (deal names,
answers) is escaped for mrkdwn, so `<!channel>` in a deal name is shown, not executed; it is fitted
after escaping, and never cut inside an escape, and the bot's own markup (`*bold*`) is put around
text already fitted, so a cut never loses the closing mark.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.ports import AskCard
from storage.models import AskStatus

Block = dict[str, Any]

SECTION_TEXT = 3000
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
BUTTON_TEXT = 75
OPTION_TEXT = 75
MODAL_TITLE = 24
INPUT_MAX = 3000
STATIC_OPTIONS = 100
MESSAGE_TEXT = 4000
FALLBACK_TEXT = 3000
HEADER_TEXT = 150
CONFIRM_TITLE = 100
CONFIRM_TEXT = 300
CONFIRM_BUTTON = 30
ELLIPSIS = "…"
ESCAPES = re.compile(r"&(?:amp|lt|gt);")
LONGEST_ESCAPE = len("&amp;")

ANSWER_MODAL = "ask.answer_modal"
DEAL_MODAL = "deal.modal"
IMPACTS = ("none", "some", "strong", "decisive")


def fit(text: str, limit: int) -> str:
    """At most `limit` characters, ending with an ellipsis when cut.

    Counted in UTF-16 code units, as Slack's clients do, so a text full of emoji is not refused.
    """
    if _units(text) <= limit:
        return text
    cut, used = 0, _units(ELLIPSIS)
    for char in text:
        used += _units(char)
        if used > limit:
            break
        cut += 1
    return text[: _outside_escape(text, cut)].rstrip() + ELLIPSIS


def _outside_escape(text: str, cut: int) -> int:
    """Move a cut that would split `&amp;`, `&lt;` or `&gt;` to before it: half an escape shows as junk."""
    for match in ESCAPES.finditer(text, max(0, cut - LONGEST_ESCAPE), cut + LONGEST_ESCAPE):
        if match.start() < cut < match.end():
            return match.start()
    return cut


def bold(text: str, limit: int = SECTION_TEXT) -> str:
    """Untrusted `text` in bold, fitted inside the marks so both marks survive any cut."""
    return f"*{fit(escape(text), limit - 2)}*"


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def escape(text: str) -> str:
    """Slack's three control characters in mrkdwn; everything else (Finnish letters, emoji) as is."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain(text: str, limit: int = SECTION_TEXT) -> dict[str, Any]:
    return {"type": "plain_text", "text": fit(text, limit), "emoji": True}


def mrkdwn_section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": fit(text, SECTION_TEXT)}}


def button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": plain(text, BUTTON_TEXT),
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": fit(text, SECTION_TEXT)}]}


def ask_blocks(card: AskCard, *, lead: str | None = None) -> list[Block]:
    """The DM (or Home entry) of one ask: the deal, the question, and what can be done now."""
    blocks: list[Block] = []
    if lead:
        blocks.append(context(escape(lead)))
    blocks.append(mrkdwn_section(bold(card.texts["intro"])))
    if card.asks_team:
        blocks.extend(team_question_blocks(card))
        return blocks[:MESSAGE_BLOCKS]
    blocks.append(mrkdwn_section(escape(card.question)))
    blocks.extend(_state_blocks(card))
    return blocks[:MESSAGE_BLOCKS]


TEAM_CHOICE = "member.team"
"""The action id of "Which team are you in?"; each option's value is `ASK_ID:TEAM`."""


def team_question_blocks(card: AskCard) -> list[Block]:
    """ "Which team are you in?" with a select of the teams, before the question (which follows)."""
    options = [
        {"text": plain(choice.label, OPTION_TEXT), "value": f"{card.ask_id}:{choice.name}"}
        for choice in card.teams[:STATIC_OPTIONS]
    ]
    select: Block = {
        "type": "static_select",
        "action_id": TEAM_CHOICE,
        "placeholder": plain(card.texts["directory.team_placeholder"], OPTION_TEXT),
        "options": options,
    }
    section = mrkdwn_section(bold(card.texts["directory.which_team"]))
    section |= {"block_id": f"team:{card.ask_id}", "accessory": select}
    return [section, context(escape(card.texts["directory.which_team_hint"]))]


def _state_blocks(card: AskCard) -> list[Block]:
    value = str(card.ask_id)
    if card.status == AskStatus.PENDING.value:
        decline = card.texts["button.decline_lost" if card.outcome == "lost" else "button.decline"]
        elements = [
            button(card.texts["button.answer"], "ask.answer", value, "primary"),
            button(decline, "ask.decline", value),
            button(card.texts["button.not_sure"], "ask.not_sure", value),
        ]
        if card.can_snooze:
            elements.append(button(card.texts["own.snooze"], "ask.snooze", value))
        snoozed = [context(escape(card.texts["own.snoozed"]))] if card.snoozed else []
        return [*snoozed, {"type": "actions", "block_id": f"ask:{card.ask_id}", "elements": elements}]
    if card.status == AskStatus.ANSWERED.value and card.answer is not None:
        quoted = "\n".join(f">{line}" for line in escape(card.answer.text).splitlines() or [""])
        withdraw = button(card.texts["own.withdraw"], "ask.withdraw", value, "danger")
        withdraw["confirm"] = _withdraw_confirmation(card)
        return [
            mrkdwn_section(f":white_check_mark: {escape(card.texts['ask.answered'])}\n{quoted}"),
            context(escape(card.texts["ask.thanks"])),
            {
                "type": "actions",
                "block_id": f"ask:{card.ask_id}",
                "elements": [button(card.texts["button.edit"], "ask.edit", value), withdraw],
            },
        ]
    if card.status == AskStatus.DECLINED.value:
        note = card.texts["ask.declined_lost" if card.outcome == "lost" else "ask.declined"]
        return [context(escape(note)), _single_action(card, "ask.answer", card.texts["button.answer"])]
    if card.status == AskStatus.NOT_SURE.value:
        return [
            context(escape(card.texts["ask.not_sure"])),
            _single_action(card, "ask.answer", card.texts["button.answer"]),
        ]
    return [context(escape(card.texts["ask.expired"]))]


def _withdraw_confirmation(card: AskCard) -> Block:
    """Slack's own "are you sure?" dialog: taking an answer back removes it from every scorecard."""
    texts = card.texts
    return {
        "title": plain(texts["own.withdraw_title"], CONFIRM_TITLE),
        "text": plain(texts["own.withdraw_confirm"], CONFIRM_TEXT),
        "confirm": plain(texts["own.withdraw_yes"], CONFIRM_BUTTON),
        "deny": plain(texts["own.keep"], CONFIRM_BUTTON),
        "style": "danger",
    }


def _single_action(card: AskCard, action_id: str, text: str) -> Block:
    return {
        "type": "actions",
        "block_id": f"ask:{card.ask_id}",
        "elements": [button(text, action_id, str(card.ask_id))],
    }


def fallback_text(card: AskCard) -> str:
    """The notification text (and what screen readers and old clients show); Slack reads it as
    mrkdwn, so it is escaped like the blocks."""
    return fit(escape(f"{card.texts['intro']}\n{card.question}"), FALLBACK_TEXT)


def intro_and_question(card: AskCard) -> str:
    """The bold intro over the question, in one section: each fitted to its share of the limit."""
    intro = bold(card.texts["intro"], SECTION_TEXT // 2)
    return f"{intro}\n{fit(escape(card.question), SECTION_TEXT - _units(intro) - 1)}"


def answer_modal(card: AskCard, origin: dict[str, Any]) -> Block:
    """The answer form, prefilled from the member's answer when they edit it."""
    lost = card.outcome == "lost"
    texts = card.texts
    suffix = "_lost" if lost else ""
    answer = card.answer
    chosen_team = answer.helping_team if answer else card.helping_team
    team_options = _team_options(card, chosen_team)
    team_select: Block = {"type": "static_select", "action_id": "value", "options": team_options}
    initial_team = next((o for o in team_options if o["value"] == chosen_team), None)
    if initial_team:
        team_select["initial_option"] = initial_team

    impact_options = [
        {
            "text": plain(texts[f"impact.{i}.label"], OPTION_TEXT),
            "description": plain(texts[f"impact.{i}.description"], OPTION_TEXT),
            "value": i,
        }
        for i in IMPACTS
    ]
    impact: Block = {"type": "radio_buttons", "action_id": "value", "options": impact_options}
    if answer:
        impact["initial_option"] = next(o for o in impact_options if o["value"] == answer.impact)

    text_input: Block = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": True,
        "max_length": INPUT_MAX,
        "placeholder": plain(texts["modal.text.placeholder"], 150),
    }
    keeps_long_text = answer is not None and _units(answer.text) > INPUT_MAX
    if answer and not keeps_long_text:
        text_input["initial_value"] = answer.text

    quote_option = _option(texts["modal.quotable.yes"], "yes")
    quotable: Block = {"type": "checkboxes", "action_id": "value", "options": [quote_option]}
    if answer is None or answer.quotable:
        quotable["initial_options"] = [quote_option]

    return {
        "type": "modal",
        "callback_id": ANSWER_MODAL,
        "private_metadata": json.dumps({"ask_id": card.ask_id, **origin}),
        "title": plain(texts["modal.title"], MODAL_TITLE),
        "submit": plain(texts["modal.submit"], MODAL_TITLE),
        "close": plain(texts["modal.cancel"], MODAL_TITLE),
        "blocks": [
            mrkdwn_section(intro_and_question(card)),
            *([_input("team", texts[f"modal.helping_team.label{suffix}"], team_select)] if team_options else []),
            _input("impact", texts[f"modal.impact.label{suffix}"], impact),
            _input("text", texts[f"modal.text.label{suffix}"], text_input, optional=keeps_long_text),
            _input(
                "quotable",
                texts["modal.quotable.label"],
                quotable,
                optional=True,
                hint=texts["modal.quotable.hint"],
            ),
        ],
    }


def _team_options(card: AskCard, chosen: str | None) -> list[Block]:
    """The organisation's teams; with none configured, the team this ask is about (or the one the
    answer credits), so the member can still answer what they were asked. Slack refuses an empty
    select, so with no team at all there is no select (and the form says it cannot be answered)."""
    options = [_option(t.label, t.name) for t in card.teams][:STATIC_OPTIONS]
    if options or chosen is None:
        return options
    return [_option(chosen, chosen)]


def notice_modal(title: str, text: str, close: str) -> Block:
    return {
        "type": "modal",
        "title": plain(title, MODAL_TITLE),
        "close": plain(close, MODAL_TITLE),
        "blocks": [mrkdwn_section(escape(text))],
    }


def _option(text: str, value: str) -> Block:
    return {"text": plain(text, OPTION_TEXT), "value": value}


def _input(block_id: str, label: str, element: Block, *, optional: bool = False, hint: str | None = None) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def home_view(pending: list[AskCard], answered: list[AskCard], texts: dict[str, str]) -> Block:
    """App Home: pending asks with their buttons first, then recent answers; never over 100 blocks."""
    blocks: list[Block] = [{"type": "header", "text": plain(texts["home.pending"], HEADER_TEXT)}]
    footer = [{"type": "divider"}, context(escape(texts["home.scores_hint"]))]
    answered_header = {"type": "header", "text": plain(texts["home.answered"], HEADER_TEXT)}
    budget = VIEW_BLOCKS - len(blocks) - len(footer) - 1
    if not pending:
        blocks.append(mrkdwn_section(escape(texts["home.nothing_pending"])))
        budget -= 1
    for card in pending:
        entry = [*ask_blocks(card), {"type": "divider"}]
        if len(entry) > budget:
            break
        blocks.extend(entry)
        budget -= len(entry)
    if answered and budget > 1:
        blocks.append(answered_header)
        budget -= 1
        for card in answered[:budget]:
            blocks.append(_answered_line(card))
    return {"type": "home", "blocks": [*blocks, *footer][:VIEW_BLOCKS]}


def _answered_line(card: AskCard) -> Block:
    summary = card.texts.get("ask.answered", "")
    name = bold(card.deal_name, SECTION_TEXT // 2)
    text = f"{name}\n:white_check_mark: {fit(escape(summary), SECTION_TEXT - _units(name) - 20)}"
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": text},
        "accessory": button(card.texts["button.edit"], "ask.edit", str(card.ask_id)),
    }


def deal_modal(texts: dict[str, str], origin: dict[str, Any]) -> Block:
    """Register a new deal, or pick an existing one to update or close; empty fields keep their value."""
    stage_options = [_option(texts[f"deal_modal.stage_{s}"], s) for s in ("open", "won", "lost")]
    return {
        "type": "modal",
        "callback_id": DEAL_MODAL,
        "private_metadata": json.dumps(origin),
        "title": plain(texts["deal_modal.title"], MODAL_TITLE),
        "submit": plain(texts["deal_modal.submit"], MODAL_TITLE),
        "close": plain(texts["modal.cancel"], MODAL_TITLE),
        "blocks": [
            _input(
                "existing",
                texts["deal_modal.existing"],
                {"type": "external_select", "action_id": "deal.existing", "min_query_length": 0},
                optional=True,
                hint=texts["deal_modal.existing_hint"],
            ),
            _input("name", texts["deal_modal.name"], _text_input(max_length=INPUT_MAX), optional=True),
            _input("account", texts["deal_modal.account"], _text_input(max_length=INPUT_MAX), optional=True),
            _input(
                "amount",
                texts["deal_modal.amount"],
                {"type": "number_input", "action_id": "value", "is_decimal_allowed": True, "min_value": "0"},
                optional=True,
            ),
            _input("currency", texts["deal_modal.currency"], _text_input(max_length=3), optional=True),
            _input(
                "stage",
                texts["deal_modal.stage"],
                {"type": "static_select", "action_id": "value", "options": stage_options},
                optional=True,
            ),
            _input(
                "owner",
                texts["deal_modal.owner"],
                {"type": "users_select", "action_id": "value"},
                optional=True,
            ),
            _input(
                "participants",
                texts["deal_modal.participants"],
                {"type": "multi_users_select", "action_id": "value"},
                optional=True,
            ),
            _input(
                "closed_at",
                texts["deal_modal.closed_at"],
                {"type": "datepicker", "action_id": "value"},
                optional=True,
            ),
        ],
    }


def _text_input(*, max_length: int) -> Block:
    return {"type": "plain_text_input", "action_id": "value", "max_length": max_length}


def deal_options(deals: list[tuple[int, str]]) -> list[Block]:
    """Options for the existing-deal picker: (deal id, display name), at most 100."""
    return [_option(name, str(deal_id)) for deal_id, name in deals[:STATIC_OPTIONS]]
