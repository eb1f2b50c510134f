"""Reading the language files and refusing any that would produce a broken message later.

English is checked against the code's contract (`prompts.spec`); every other language is checked
against English, key for key. The first problem stops loading with one line naming the file, the
key and the reason, because a typo found at start-up costs a minute and one found in a DM costs
the answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from prompts.catalogue import DEFAULT_LANGUAGE, Catalogue, LanguagePack, team_key
from prompts.spec import MESSAGES, QUESTION_CASES, QUESTION_KEY_MAX, SECTIONS, Entry, question_case
from prompts.template import Template, parse_template

PACKAGE_DIR = Path(__file__).resolve().parent
Keys = Mapping[str, object]
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


class CatalogueError(Exception):
    """A language file cannot be used; the message is the one line shown to the operator."""

    def __init__(self, file: Path | str, key: str, reason: str) -> None:
        super().__init__(f"{file}: {key}: {reason}")
        self.file = str(file)
        self.key = key
        self.reason = reason


class _StrictLoader(yaml.SafeLoader):
    """YAML quietly keeps the last of two equal keys; in a translation that hides a lost text."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str | int | float | bool):
                continue  # the base class refuses keys that cannot be dictionary keys
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_catalogue(directory: Path | str | None = None) -> Catalogue:
    """Load and validate every `LANG.yaml` in `directory` (default: this package's own files)."""
    folder = Path(directory) if directory is not None else PACKAGE_DIR
    english_path = folder / f"{DEFAULT_LANGUAGE}.yaml"
    if not english_path.is_file():
        raise CatalogueError(english_path, "(file)", "missing: English is the fallback and the reference")
    english = _english(english_path)
    packs = {DEFAULT_LANGUAGE: english}
    for path in sorted(folder.glob("*.yaml")):
        if path.stem == DEFAULT_LANGUAGE:
            continue
        if not _LANGUAGE_CODE.fullmatch(path.stem):
            raise CatalogueError(path, "(file)", "the file name must be a language code, such as fi.yaml")
        packs[path.stem] = _translation(path, english)
    return Catalogue(packs)


def _english(path: Path) -> LanguagePack:
    sections = _read(path)
    questions = sections["questions"]
    for key in questions:
        where = f"questions.{key}"
        if question_case(key) is None:
            raise CatalogueError(path, where, f"unknown question (cases: {', '.join(QUESTION_CASES)})")
        if len(key) > QUESTION_KEY_MAX:
            raise CatalogueError(path, where, f"key longer than {QUESTION_KEY_MAX} characters")
    _no_missing(path, "questions", questions, QUESTION_CASES, "each outcome, role and relation needs one")
    _no_missing(path, "messages", sections["messages"], MESSAGES, "the code uses it")
    _no_unknown(path, "messages", sections["messages"], MESSAGES, "the code has no such message")
    return _pack(path, sections)


def _translation(path: Path, english: LanguagePack) -> LanguagePack:
    sections = _read(path)
    reference = {"teams": english.teams, "questions": english.questions, "messages": english.messages}
    for section in SECTIONS:
        _no_missing(path, section, sections[section], reference[section], "English has it")
        _no_unknown(path, section, sections[section], reference[section], "English has no such key")
    return _pack(path, sections)


def _no_missing(path: Path, section: str, actual: Keys, wanted: Keys, why: str) -> None:
    for key in wanted:
        if key not in actual:
            raise CatalogueError(path, f"{section}.{key}", f"missing ({why})")


def _no_unknown(path: Path, section: str, actual: Keys, wanted: Keys, why: str) -> None:
    for key in actual:
        if key not in wanted:
            raise CatalogueError(path, f"{section}.{key}", f"unknown key ({why})")


def _pack(path: Path, sections: Mapping[str, dict[str, str]]) -> LanguagePack:
    questions = {
        key: _template(path, f"questions.{key}", text, QUESTION_CASES[question_case(key) or key])
        for key, text in sections["questions"].items()
    }
    messages = {
        key: _template(path, f"messages.{key}", text, MESSAGES[key]) for key, text in sections["messages"].items()
    }
    return LanguagePack(path.stem, questions, messages, dict(sections["teams"]))


def _template(path: Path, key: str, text: str, entry: Entry) -> Template:
    try:
        template = parse_template(text)
    except ValueError as exc:
        raise CatalogueError(path, key, str(exc)) from None
    unknown = sorted(template.placeholders - entry.placeholders)
    if unknown:
        allowed = ", ".join(f"{{{name}}}" for name in sorted(entry.placeholders)) or "none"
        raise CatalogueError(path, key, f"unknown placeholder {{{unknown[0]}}} (allowed: {allowed})")
    missing = sorted(entry.required - template.placeholders)
    if missing:
        raise CatalogueError(path, key, f"required placeholder {{{missing[0]}}} is missing")
    if entry.max_length is not None and template.literal_length > entry.max_length:
        raise CatalogueError(
            path, key, f"{template.literal_length} characters; the chat apps allow {entry.max_length} here"
        )
    return template


def _read(path: Path) -> dict[str, dict[str, str]]:
    """The file's three sections, flattened to dotted keys (`questions.won.owner.about_team.default`
    becomes `won.owner.about_team`)."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError(path, "(file)", f"cannot be read: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        raise CatalogueError(path, where, f"not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(data, dict):
        raise CatalogueError(path, "(top level)", f"expected the sections {', '.join(SECTIONS)}")
    for section in data:
        if section not in SECTIONS:
            raise CatalogueError(path, str(section), f"unknown section (sections: {', '.join(SECTIONS)})")
    sections: dict[str, dict[str, str]] = {}
    for section in SECTIONS:
        if not isinstance(data.get(section), dict):
            raise CatalogueError(path, section, "missing, or not a mapping of keys to texts")
        flat = dict(_flatten(path, section, data[section]))
        if section == "questions":
            flat = {key.removesuffix(".default"): text for key, text in flat.items()}
        for key in flat:
            if section != "messages" and key != team_key(key):
                raise CatalogueError(path, f"{section}.{key}", "team names are matched in lower case")
        sections[section] = flat
    return sections


def _flatten(path: Path, prefix: str, mapping: dict[Any, Any]) -> Iterator[tuple[str, str]]:
    """Nested keys joined with dots; `prefix` is used only to name the key in an error."""
    for name, value in mapping.items():
        where = f"{prefix}.{name}"
        if not isinstance(name, str) or not name or "." in name:
            raise CatalogueError(path, where, "keys must be plain words (quote yes/no/on/off, no dots)")
        if isinstance(value, dict):
            for key, text in _flatten(path, where, value):
                yield f"{name}.{key}", text
        elif isinstance(value, str) and value.strip():
            yield name, value
        else:
            raise CatalogueError(path, where, f"expected a non-empty text, got {value!r}")
