"""Every word OneScore says, in every language it speaks, and the question each member is asked.

The functions here use the package's own language files, loaded and checked once. Call
`default_catalogue()` at start-up so a broken translation stops the service before anyone is asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from prompts.catalogue import DEFAULT_LANGUAGE, Catalogue, Question
from prompts.formats import format_money, format_number, format_percent
from prompts.loader import CatalogueError, load_catalogue
from prompts.spec import MESSAGES

__all__ = [
    "DEFAULT_LANGUAGE",
    "MESSAGES",
    "Catalogue",
    "CatalogueError",
    "Question",
    "deal_intro",
    "default_catalogue",
    "format_money",
    "format_number",
    "format_percent",
    "load_catalogue",
    "message",
    "resolve_language",
    "select_question",
    "team_label",
]


@cache
def default_catalogue() -> Catalogue:
    """The package's catalogue, validated on first use and shared after that."""
    return load_catalogue()


def resolve_language(language: str | None) -> str:
    return default_catalogue().resolve(language)


def message(language: str | None, key: str, **values: object) -> str:
    return default_catalogue().message(language, key, **values)


def team_label(language: str | None, name: str, label: str | None = None) -> str:
    return default_catalogue().team_label(language, name, label)


def select_question(
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
    return default_catalogue().question(
        language,
        outcome,
        asked_is_owner=asked_is_owner,
        asked_team=asked_team,
        helping_team=helping_team,
        owner_team=owner_team,
        deal=deal,
        labels=labels,
    )


def deal_intro(
    language: str | None,
    outcome: str,
    deal: str,
    *,
    account: str | None = None,
    amount: str | None = None,
    owner: str | None = None,
) -> str:
    catalogue = default_catalogue()
    return catalogue.deal_intro(language, outcome, deal, account=account, amount=amount, owner=owner)
