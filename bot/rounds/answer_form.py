"""An answer form as submitted, read once for every platform: helping team, impact, text, quoting.

Slack's modal and Teams' card hand over the same four values in different envelopes; each adapter
takes them out of its payload and passes them here as plain values, then shows the field errors in
its own way (Slack next to the block, Teams as a note). What counts as complete is decided here only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.ledger.text import storable
from bot.organisation import Organisation
from bot.rounds.answers import AnswerForm
from storage.models import Impact

HELPING_TEAM, IMPACT, TEXT = "helping_team", "impact", "text"
IMPACTS = frozenset(impact.value for impact in Impact)


class Problem(StrEnum):
    MISSING = "missing"
    NOT_STORABLE = "not_storable"
    """Text a database cannot hold (a NUL, an unpaired surrogate): refused rather than silently dropped."""


@dataclass(frozen=True)
class FormErrors:
    fields: Mapping[str, Problem]


def read_answer_form(
    org: Organisation, *, helping_team: str | None, impact: str | None, text: str | None, quotable: bool
) -> AnswerForm | FormErrors:
    """The answer to store, or what is wrong with the form.

    A blank text means "keep the stored one" (both platforms leave the box empty when the stored
    answer is too long to put back into it); whether there is one is for `answer_ask` to say. The team
    is read with the organisation's one team rule; a name the organisation does not list is passed on
    as typed, so `answer_ask` judges it against the teams the database knows."""
    errors: dict[str, Problem] = {}
    team = _team(org, helping_team)
    if team is None:
        errors[HELPING_TEAM] = Problem.MISSING
    if impact not in IMPACTS:
        errors[IMPACT] = Problem.MISSING
    written = text or ""
    if not _storable(written):
        errors[TEXT] = Problem.NOT_STORABLE
    if errors or team is None or impact is None:
        return FormErrors(errors)
    return AnswerForm(
        helping_team=team, impact=Impact(impact), text=written if written.strip() else None, quotable=quotable
    )


def _team(org: Organisation, typed: str | None) -> str | None:
    wanted = (typed or "").strip()
    if not wanted:
        return None
    entry = org.find_team(wanted)
    return entry.name if entry is not None else wanted.lower()


def _storable(text: str) -> bool:
    try:
        storable(text)
    except ValueError:
        return False
    return True
