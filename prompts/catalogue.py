"""A loaded, validated catalogue: looking up messages, team labels and the question for an ask.

Everything here assumes the loader has already checked keys and placeholders, so a lookup can only
fail on a programming mistake (an unknown key, a value the code forgot to pass), never on a
translation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from prompts.spec import MESSAGES, OUTCOMES
from prompts.template import Template

DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class Question:
    """A question as sent: `key` is stable across languages and wording changes, `text` is filled in."""

    key: str
    text: str


@dataclass(frozen=True)
class LanguagePack:
    code: str
    questions: Mapping[str, Template]
    messages: Mapping[str, Template]
    teams: Mapping[str, str]


def primary_subtag(language: str | None) -> str:
    """`fi-FI`, `fi_FI` and ` FI ` all mean `fi`: Teams reports locales, members configure codes."""
    return (language or "").strip().lower().replace("_", "-").split("-", 1)[0]


def team_key(name: str) -> str:
    """Team names are compared the way the organisation file stores them."""
    return name.strip().lower()


class Catalogue:
    """All languages, each with exactly the keys English has."""

    def __init__(self, packs: Mapping[str, LanguagePack]) -> None:
        self._packs = dict(packs)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self._packs))

    def resolve(self, language: str | None) -> str:
        """The language to speak: the requested one when we have it, English otherwise."""
        code = primary_subtag(language)
        return code if code in self._packs else DEFAULT_LANGUAGE

    def message(self, language: str | None, key: str, **values: object) -> str:
        """A user-facing text; every placeholder the key declares must be passed, in every language.

        Requiring all of them (not just those this language happens to use) makes a forgotten value
        fail in the first English test instead of only for Finnish readers.
        """
        if key not in MESSAGES:
            raise KeyError(f"unknown message key {key!r}")
        expected = MESSAGES[key].placeholders
        return self._fill(self._pack(language).messages[key], key, expected, values)

    def team_label(self, language: str | None, name: str, label: str | None = None) -> str:
        """How a team is named in a sentence: the organisation's own label wins, then the language's
        name for a well-known team, then the configured name with underscores as spaces."""
        if label and label.strip():
            return label.strip()
        known = self._pack(language).teams.get(team_key(name))
        return known if known is not None else team_key(name).replace("_", " ")

    def question(
        self,
        language: str | None,
        outcome: str,
        *,
        asked_is_owner: bool,
        asked_team: str,
        helping_team: str,
        owner_team: str,
        deal: str,
        labels: Mapping[str, str] | None = None,
    ) -> Question:
        """The question one member gets about one helping team on one closed deal.

        A team-specific wording (`won.owner.about_team.hr`) is used when the catalogue has one,
        otherwise the generic case, so any configured team gets a sensible question. `labels`
        maps team names to the organisation's display labels (e.g. `{"hr": "HR & training"}`).
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")
        pack = self._pack(language)
        role = "owner" if asked_is_owner else "participant"
        relation = "own_team" if team_key(helping_team) == team_key(asked_team) else "about_team"
        case = f"{outcome}.{role}.{relation}"
        variant = f"{case}.{team_key(helping_team)}"
        key = variant if variant in pack.questions else case
        configured = {team_key(name): label for name, label in (labels or {}).items()}

        def label_of(name: str) -> str:
            return self.team_label(pack.code, name, configured.get(team_key(name)))

        values = {
            "deal": deal,
            "team": label_of(helping_team),
            "asked_team": label_of(asked_team),
            "owner_team": label_of(owner_team),
        }
        return Question(key, pack.questions[key].fill(values))

    def deal_intro(
        self,
        language: str | None,
        outcome: str,
        deal: str,
        *,
        account: str | None = None,
        amount: str | None = None,
        owner: str | None = None,
    ) -> str:
        """The line above a question, e.g. `Deal won: Acme renewal (Acme Oy, €50,000, owner Aino)`.

        `amount` comes formatted (see `prompts.formats.format_money`) so the reader's number style
        applies; a deal without an account, amount or owner gets no empty commas.
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")
        intro = self.message(language, f"ask.intro.{outcome}", deal=deal)
        details = [part for part in (account, amount) if part]
        if owner:
            details.append(self.message(language, "ask.owner", owner=owner))
        return f"{intro} ({', '.join(details)})" if details else intro

    def _pack(self, language: str | None) -> LanguagePack:
        return self._packs[self.resolve(language)]

    @staticmethod
    def _fill(template: Template, key: str, expected: frozenset[str], values: Mapping[str, object]) -> str:
        missing = sorted(expected - values.keys())
        unknown = sorted(values.keys() - expected)
        if missing or unknown:
            problems = [f"missing {', '.join(missing)}"] if missing else []
            problems += [f"unexpected {', '.join(unknown)}"] if unknown else []
            takes = ", ".join(sorted(expected)) or "no values"
            raise TypeError(f"message {key!r}: {'; '.join(problems)} (it takes: {takes})")
        empty = sorted(name for name, value in values.items() if value is None)
        if empty:
            raise TypeError(f"message {key!r}: no value for {', '.join(empty)} (None would show as 'None')")
        return template.fill({name: str(value) for name, value in values.items()})
