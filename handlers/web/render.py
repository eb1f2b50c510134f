"""Pages from Jinja2 templates, escaped everywhere, in the reader's language.

Autoescaping is on for every template whatever its name, and an undefined value is an error
rather than an empty string, so a typo in a template fails its test instead of showing nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.responses import HTMLResponse, Response

from bot.organisation import Organisation
from bot.scoring.view import team_heading
from handlers.web.security import secure
from prompts import format_money, format_number, format_percent, message

TEMPLATES = Path(__file__).parent / "templates"
ENVIRONMENT = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Words:
    """What templates call as `t`: the catalogue's texts and the reader's number style."""

    language: str
    team_labels: Mapping[str, str] = field(default_factory=dict)

    def __call__(self, key: str, **values: object) -> str:
        return message(self.language, key, **values)

    def money(self, amount: Decimal | None, currency: str) -> str:
        return self("scorecard.no_value") if amount is None else format_money(self.language, amount, currency)

    def percent(self, ratio: float | None) -> str:
        return self("scorecard.no_value") if ratio is None else format_percent(self.language, ratio)

    def number(self, value: float | int | None, decimals: int = 0) -> str:
        return self("scorecard.no_value") if value is None else format_number(self.language, value, decimals)

    def day(self, value: date | None) -> str:
        return self("scorecard.no_value") if value is None else value.isoformat()

    def team(self, name: str | None) -> str:
        if name is None:
            return self("dashboard.deal.no_team")
        return self.team_labels.get(name, name)


def words_for(org: Organisation, language: str) -> Words:
    return Words(language, {entry.name: team_heading(language, entry.name, entry.label) for entry in org.teams})


def render(template: str, words: Words, *, status: int = 200, **context: Any) -> Response:
    context.setdefault("nav", "")
    html = ENVIRONMENT.get_template(template).render(t=words, **context)
    return secure(HTMLResponse(html, status_code=status))
