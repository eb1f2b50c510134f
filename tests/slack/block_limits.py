"""Slack's limits for what the bot sends, checked in one place.

Slack refuses a whole message or view when one of these is exceeded (`invalid_blocks`,
`msg_too_long`), so the fake Slack runs every `chat.postMessage`, `chat.update`,
`chat.postEphemeral`, `views.open`, `views.update`, `views.publish` and response-URL reply it
receives through `payload_problems`, and each test that makes the bot send anything checks the
limits for free. Lengths are counted in UTF-16 code units, the stricter of the ways Slack counts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

MESSAGE_TEXT = 4000
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
OPTION_TEXT = 75
OPTION_VALUE = 150
SELECT_OPTIONS = 100
CHOICE_OPTIONS = 10
PLACEHOLDER = 150
LABEL = 2000
INPUT_MAX = 3000
MODAL_TITLE = 24
PRIVATE_METADATA = 3000
IDENTIFIER = 255

BROKEN_ENTITY = re.compile(r"&(?:a|am|amp|l|lt|g|gt)?(?=…|\*?$)")
"""An escape (`&amp;`, `&lt;`, `&gt;`) cut in two where a text was shortened: Slack shows the junk."""

Problems = list[str]


def payload_problems(method: str, args: dict[str, Any]) -> Problems:
    """Everything in one Web API call (or response-URL reply) that Slack would refuse."""
    if method.startswith("views."):
        return view_problems(args.get("view") or {})
    problems: Problems = []
    text = args.get("text")
    if isinstance(text, str):
        _length(problems, "text", text, MESSAGE_TEXT)
        if args.get("mrkdwn", True) not in (False, "false", "0"):
            _entities(problems, "text", text)
    blocks = args.get("blocks")
    if isinstance(blocks, list):
        problems += blocks_problems(blocks, MESSAGE_BLOCKS, "blocks")
    return problems


def view_problems(view: dict[str, Any]) -> Problems:
    """A modal or App Home view."""
    problems: Problems = []
    kind = view.get("type")
    if kind == "modal":
        for key in ("title", "submit", "close"):
            if key in view:
                _text_object(problems, key, view[key], MODAL_TITLE, plain_only=True)
        if "title" not in view:
            problems.append("a modal needs a title")
    _length(problems, "private_metadata", str(view.get("private_metadata", "")), PRIVATE_METADATA)
    _length(problems, "callback_id", str(view.get("callback_id", "")), IDENTIFIER)
    problems += blocks_problems(list(view.get("blocks") or []), VIEW_BLOCKS, "view.blocks")
    return problems


def blocks_problems(blocks: list[dict[str, Any]], limit: int, where: str) -> Problems:
    problems: Problems = []
    if len(blocks) > limit:
        problems.append(f"{where}: {len(blocks)} blocks, more than {limit}")
    for index, block in enumerate(blocks):
        checker = BLOCK_CHECKS.get(str(block.get("type")))
        path = f"{where}[{index}]"
        if checker is None:
            problems.append(f"{path}: unknown block type {block.get('type')!r}")
            continue
        _length(problems, f"{path}.block_id", str(block.get("block_id", "")), IDENTIFIER)
        checker(problems, path, block)
    return problems


def _section(problems: Problems, path: str, block: dict[str, Any]) -> None:
    if "text" not in block and "fields" not in block:
        problems.append(f"{path}: a section needs text or fields")
    if "text" in block:
        _text_object(problems, f"{path}.text", block["text"], SECTION_TEXT)
    fields = block.get("fields") or []
    if len(fields) > SECTION_FIELDS:
        problems.append(f"{path}.fields: {len(fields)} fields, more than {SECTION_FIELDS}")
    for n, field in enumerate(fields):
        _text_object(problems, f"{path}.fields[{n}]", field, FIELD_TEXT)
    if "accessory" in block:
        _element(problems, f"{path}.accessory", block["accessory"])


def _header(problems: Problems, path: str, block: dict[str, Any]) -> None:
    _text_object(problems, f"{path}.text", block.get("text"), HEADER_TEXT, plain_only=True)


def _context(problems: Problems, path: str, block: dict[str, Any]) -> None:
    elements = block.get("elements") or []
    if not 1 <= len(elements) <= CONTEXT_ELEMENTS:
        problems.append(f"{path}.elements: {len(elements)} elements, not 1-{CONTEXT_ELEMENTS}")
    for n, element in enumerate(elements):
        if element.get("type") in ("plain_text", "mrkdwn"):
            _text_object(problems, f"{path}.elements[{n}]", element, SECTION_TEXT)


def _actions(problems: Problems, path: str, block: dict[str, Any]) -> None:
    elements = block.get("elements") or []
    if not 1 <= len(elements) <= ACTIONS_ELEMENTS:
        problems.append(f"{path}.elements: {len(elements)} elements, not 1-{ACTIONS_ELEMENTS}")
    for n, element in enumerate(elements):
        _element(problems, f"{path}.elements[{n}]", element)


def _input(problems: Problems, path: str, block: dict[str, Any]) -> None:
    _text_object(problems, f"{path}.label", block.get("label"), LABEL, plain_only=True)
    if "hint" in block:
        _text_object(problems, f"{path}.hint", block["hint"], LABEL, plain_only=True)
    _element(problems, f"{path}.element", block.get("element") or {})


def _nothing(_problems: Problems, _path: str, _block: dict[str, Any]) -> None:
    """Blocks without text of their own (divider)."""


def _image(problems: Problems, path: str, block: dict[str, Any]) -> None:
    _length(problems, f"{path}.alt_text", str(block.get("alt_text", "")), LABEL)


BLOCK_CHECKS: dict[str, Callable[[Problems, str, dict[str, Any]], None]] = {
    "section": _section,
    "header": _header,
    "context": _context,
    "actions": _actions,
    "input": _input,
    "divider": _nothing,
    "image": _image,
}


def _element(problems: Problems, path: str, element: dict[str, Any]) -> None:
    kind = element.get("type")
    _length(problems, f"{path}.action_id", str(element.get("action_id", "")), IDENTIFIER)
    if "placeholder" in element:
        _text_object(problems, f"{path}.placeholder", element["placeholder"], PLACEHOLDER, plain_only=True)
    if kind == "button":
        _text_object(problems, f"{path}.text", element.get("text"), BUTTON_TEXT, plain_only=True)
        _length(problems, f"{path}.value", str(element.get("value", "")), BUTTON_VALUE)
    elif kind in ("static_select", "multi_static_select"):
        _options(problems, path, element, SELECT_OPTIONS)
    elif kind in ("radio_buttons", "checkboxes"):
        _options(problems, path, element, CHOICE_OPTIONS)
    elif kind == "plain_text_input":
        _text_input(problems, path, element)


def _options(problems: Problems, path: str, element: dict[str, Any], limit: int) -> None:
    options = element.get("options")
    if options is None and "option_groups" in element:
        return
    options = list(options or [])
    if not 1 <= len(options) <= limit:
        problems.append(f"{path}.options: {len(options)} options, not 1-{limit}")
    for n, option in enumerate(options):
        _option(problems, f"{path}.options[{n}]", option)
    values = [option.get("value") for option in options]
    chosen = [element["initial_option"]] if "initial_option" in element else element.get("initial_options", [])
    for option in chosen:
        if option.get("value") not in values:
            problems.append(f"{path}: an initial option that is not among the options")


def _option(problems: Problems, path: str, option: dict[str, Any]) -> None:
    _text_object(problems, f"{path}.text", option.get("text"), OPTION_TEXT)
    _length(problems, f"{path}.value", str(option.get("value", "")), OPTION_VALUE)
    if "description" in option:
        _text_object(problems, f"{path}.description", option["description"], OPTION_TEXT)


def _text_input(problems: Problems, path: str, element: dict[str, Any]) -> None:
    maximum = int(element.get("max_length", INPUT_MAX))
    if maximum > INPUT_MAX:
        problems.append(f"{path}.max_length: {maximum}, more than {INPUT_MAX}")
    if "initial_value" in element:
        _length(problems, f"{path}.initial_value", str(element["initial_value"]), maximum)


def _text_object(problems: Problems, path: str, text: Any, limit: int, *, plain_only: bool = False) -> None:
    if not isinstance(text, dict) or not isinstance(text.get("text"), str):
        problems.append(f"{path}: not a text object: {text!r:.80}")
        return
    kind = text.get("type")
    if kind not in ("plain_text", "mrkdwn") or (plain_only and kind != "plain_text"):
        problems.append(f"{path}: text of type {kind!r} not allowed here")
    if not text["text"]:
        problems.append(f"{path}: empty text")
    _length(problems, path, text["text"], limit)
    if kind == "mrkdwn":
        _entities(problems, path, text["text"])


def _length(problems: Problems, path: str, text: str, limit: int) -> None:
    size = units(text)
    if size > limit:
        problems.append(f"{path}: {size} characters, more than {limit}")


def _entities(problems: Problems, path: str, text: str) -> None:
    broken = BROKEN_ENTITY.search(text)
    if broken:
        problems.append(f"{path}: an escape cut in two at {broken.start()}: {text[broken.start() :][:12]!r}")


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
