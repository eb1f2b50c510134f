"""What crosses the core's boundary: deal and answer input, and the ledger's views of them.

Every way in (REST, CSV, chat modals, CRM webhooks) builds the same `DealInput`, so a deal is
validated one way whatever brought it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema, field_validator

from bot.ledger.text import RequiredText, Text
from bot.periods import SUPPORTED_RANGE, check_supported_day
from storage.models import Impact, Stage

MAX_AMOUNT = Decimal("1e15")
Email = Annotated[str, Field(min_length=3, max_length=320)]
TeamName = Annotated[str, Field(min_length=1, max_length=64)]


def _parse_day_or_instant(value: object) -> date | datetime:
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError("expected a date (YYYY-MM-DD) or an ISO 8601 timestamp")


def _day_or_instant(value: object) -> date | datetime:
    """A calendar day, or a CRM's timestamp (turned into the organisation's day by the ledger).

    Either must lie in the supported calendar: a date the scorecard can place in a period with a
    trend, and an instant that survives conversion into any time zone.
    """
    parsed = _parse_day_or_instant(value)
    check_supported_day(parsed.date() if isinstance(parsed, datetime) else parsed)
    return parsed


def _supported_instant(value: datetime | None) -> datetime | None:
    if value is not None:
        check_supported_day(value.date())
    return value


DayOrInstant = Annotated[
    date | datetime,
    PlainValidator(_day_or_instant),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "examples": ["2026-11-24"],
            "description": f"A date (or an ISO 8601 timestamp) from {SUPPORTED_RANGE}",
        }
    ),
]


def normalise_email(value: str) -> str:
    return value.strip().lower()


def to_cents(amount: Decimal) -> int:
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def from_cents(cents: int | None) -> float | None:
    return None if cents is None else float(Decimal(cents) / 100)


class ParticipantInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member: Email
    team: TeamName | None = None

    _email = field_validator("member")(normalise_email)


class DealInput(BaseModel):
    """A deal as a PUT, a CSV row or a CRM describes it. Absent fields keep their stored value."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "name": "Acme renewal",
                "account": "Acme Oy",
                "amount": 50000,
                "currency": "EUR",
                "stage": "won",
                "owner": "aino@example.com",
                "participants": [{"member": "mikko@example.com", "team": "marketing"}],
                "created_at": "2026-10-01",
                "closed_at": "2026-11-24",
            }
        },
    )

    name: RequiredText | None = None
    account: Text | None = None
    amount: Annotated[Decimal, Field(ge=0, lt=MAX_AMOUNT, allow_inf_nan=False)] | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Za-z]{3}$")] | None = None
    stage: Stage | None = None
    owner: Email | None = None
    participants: list[ParticipantInput] | None = Field(None, max_length=500)
    created_at: DayOrInstant | None = None
    closed_at: DayOrInstant | None = None
    source_updated_at: AwareDatetime | None = Field(
        None,
        description="The source's own modification time, with its UTC offset (it is compared with the stored "
        "one, and without an offset it names no instant); older updates than the stored one are ignored.",
    )

    _source_updated_at = field_validator("source_updated_at")(_supported_instant)

    @field_validator("currency")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value

    @field_validator("owner")
    @classmethod
    def _owner(cls, value: str | None) -> str | None:
        return normalise_email(value) if value else value


class AnswerInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    member: Email
    helping_team: TeamName
    impact: Impact
    text: RequiredText
    quotable: bool = Field(
        False,
        description="May it be quoted in the weekly scorecard? Chat asks the person; here it is opt-in.",
    )

    _email = field_validator("member")(normalise_email)


class ParticipantView(BaseModel):
    member: str | None
    team: str | None


class AskView(BaseModel):
    member: str | None
    question: str
    status: str
    helping_team: str | None = None


class AnswerView(BaseModel):
    member: str | None
    helping_team: str
    impact: str
    text: str
    quotable: bool
    answered_at: datetime


class DealView(BaseModel):
    external_id: str
    name: str
    account: str | None
    amount: float | None
    currency: str
    stage: str
    owner: str | None
    participants: list[ParticipantView]
    created_at: date | None
    closed_at: date | None
    source: str
    asks: list[AskView]
    answers: list[AnswerView]


class DealPage(BaseModel):
    deals: list[DealView]
    total: int
    limit: int
    offset: int
