"""The organisation file (`onescore.yaml`): teams, members, channels, schedule and scoring rules.

Every key is optional. A mistake in the file must stop start-up with one line naming the file, the
key and the reason, because a bot that silently ignores a typo asks the wrong people.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.retention_period import RetentionPeriod, parse_retention

DEFAULT_TEAMS = ("sales", "marketing", "product", "customer_success", "hr")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class OrganisationFileError(Exception):
    """The organisation file cannot be used; the message is the one line shown to the operator."""


class Role(StrEnum):
    MEMBER = "member"
    LEAD = "lead"
    ADMIN = "admin"
    OBSERVER = "observer"


Language = Literal["en", "fi"]


def _check_timezone(value: str) -> str:
    """ZoneInfo looks the name up as a file, so a name too long for a path fails with OSError, not ValueError."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/Helsinki)") from exc
    return value


TimeZoneName = Annotated[str, Field(min_length=1)]
_STRICT = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class AskHours:
    """When asks may be delivered; `start is None` means any hour of any day."""

    start: time | None
    end: time | None

    @property
    def always(self) -> bool:
        return self.start is None

    @classmethod
    def parse(cls, value: str) -> AskHours:
        text = value.strip().lower()
        if text == "always":
            return cls(None, None)
        match = re.fullmatch(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})", text)
        if not match:
            raise ValueError(f'{value!r} is not "HH:MM-HH:MM" or "always"')
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        try:
            start, end = time(h1, m1), time(h2, m2)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a valid time range: {exc}") from exc
        if start >= end:
            raise ValueError(f"{value!r} must end after it starts")
        return cls(start, end)


def parse_duration(value: str) -> timedelta | None:
    """`24h`, `90m`, `2d`, `1d12h`; `never` is None."""
    text = value.strip().lower()
    if text == "never":
        return None
    parts = re.findall(r"(\d+)\s*([dhm])", text)
    if not parts or re.sub(r"\s+", "", "".join(n + u for n, u in parts)) != re.sub(r"\s+", "", text):
        raise ValueError(f'{value!r} is not a duration such as "24h", "90m", "2d" or "never"')
    units = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
    total = sum((int(n) * units[u] for n, u in parts), timedelta())
    if total <= timedelta():
        raise ValueError(f"{value!r} must be longer than zero")
    return total


def parse_weekly_schedule(value: str, timezone: str = "UTC") -> CronTrigger:
    """`mon 09:00` (the documented form) or a five-field crontab line, in the organisation's zone."""
    text = value.strip().lower()
    match = re.fullmatch(r"([a-z]{3})\s+(\d{1,2}):(\d{2})", text)
    if match:
        day, hour, minute = match.group(1), int(match.group(2)), int(match.group(3))
        if day not in WEEKDAYS:
            raise ValueError(f"{value!r}: unknown weekday {day!r} (use one of {', '.join(WEEKDAYS)})")
        if hour > 23 or minute > 59:
            raise ValueError(f"{value!r}: not a time of day")
        return CronTrigger(day_of_week=day, hour=hour, minute=minute, timezone=timezone)
    try:
        return CronTrigger.from_crontab(text, timezone=timezone)
    except ValueError as exc:
        raise ValueError(f'{value!r} is neither "ddd HH:MM" (e.g. "mon 09:00") nor a crontab line: {exc}') from exc


class TeamEntry(BaseModel):
    model_config = _STRICT

    name: str = Field(min_length=1, max_length=64)
    label: str | None = Field(None, max_length=200)
    usual_helper: bool = Field(False, description="Asked about by a deal's owner when no participants are known.")
    slack_usergroup: str | None = Field(None, description="A Slack user group: its id (S…) or @handle.")
    teams_team: str | None = Field(
        None, min_length=1, max_length=200, description="A Teams team the bot is installed in: its id or name."
    )

    @field_validator("name")
    @classmethod
    def _normalise(cls, value: str) -> str:
        return value.strip().lower()

    @field_validator("slack_usergroup")
    @classmethod
    def _usergroup(cls, value: str | None) -> str | None:
        """Slack shows handles in lower case and ids in upper case; either is accepted as typed."""
        if value is None:
            return None
        text = value.strip()
        text = text.lower() if text.startswith("@") else text.upper()
        if not re.fullmatch(r"S[A-Z0-9]{2,}|@[a-z0-9][a-z0-9._-]{0,79}", text):
            raise ValueError(f"{value!r} is neither a user group id (S0MKTG001) nor a handle (@marketing)")
        return text


class TimeOff(BaseModel):
    model_config = _STRICT

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> TimeOff:
        if self.end < self.start:
            raise ValueError("time off must end on or after its start")
        return self


class MemberEntry(BaseModel):
    model_config = _STRICT

    email: str = Field(min_length=3, max_length=320)
    name: str | None = Field(None, max_length=200)
    team: str | None = None
    role: Role = Role.MEMBER
    slack_id: str | None = Field(None, pattern=r"^[UW][A-Z0-9]+$")
    teams_id: str | None = Field(None, min_length=3, max_length=200)
    aad_object_id: str | None = Field(None, max_length=64)
    timezone: TimeZoneName | None = None
    language: Language | None = None
    time_off: list[TimeOff] = Field(default_factory=list)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = value.strip().lower()
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError(f"{value!r} is not an email address")
        return value

    @field_validator("team")
    @classmethod
    def _team(cls, value: str | None) -> str | None:
        return value.strip().lower() if value else value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        return _check_timezone(value) if value else value


class ScoreChannel(BaseModel):
    model_config = _STRICT

    slack: str | None = Field(None, min_length=1)
    teams: str | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _exactly_one(self) -> ScoreChannel:
        if (self.slack is None) == (self.teams is None):
            raise ValueError("give exactly one of slack: CHANNEL_ID or teams: CONVERSATION_ID")
        return self

    @property
    def platform(self) -> str:
        return "slack" if self.slack is not None else "teams"

    @property
    def channel_id(self) -> str:
        return self.slack if self.slack is not None else self.teams  # type: ignore[return-value]


class Schedule(BaseModel):
    model_config = _STRICT

    weekly_scores: str = "mon 09:00"

    @field_validator("weekly_scores")
    @classmethod
    def _cron(cls, value: str) -> str:
        parse_weekly_schedule(value)
        return value


class Organisation(BaseModel):
    """The validated organisation file, with the defaults docs/reference.md lists for every absent key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str = "UTC"
    language: Language = "en"
    week_starts: Literal["monday"] = "monday"
    ask_hours: str = "09:00-17:00"
    max_asks_per_week: int = Field(5, ge=1, le=100)
    reminder_after: str = "24h"
    attribution: Literal["impact_weighted", "equal"] = "impact_weighted"
    min_group_size: int = Field(3, ge=1, le=1000)
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")
    fx_rates: dict[Annotated[str, Field(pattern=r"^[A-Z]{3}$")], Annotated[Decimal, Field(gt=0)]] = Field(
        default_factory=dict
    )
    teams: list[TeamEntry] = Field(default_factory=lambda: [TeamEntry(name=n) for n in DEFAULT_TEAMS])
    members: list[MemberEntry] = Field(default_factory=list)
    score_channels: list[ScoreChannel] = Field(default_factory=list)
    schedule: Schedule = Field(default_factory=Schedule)
    holidays: list[date] = Field(default_factory=list)
    retention: str = "never"

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return _check_timezone(value)

    @field_validator("ask_hours", mode="before")
    @classmethod
    def _ask_hours(cls, value: Any) -> Any:
        if isinstance(value, str):
            AskHours.parse(value)
        return value

    @field_validator("reminder_after", mode="before")
    @classmethod
    def _reminder(cls, value: Any) -> Any:
        if isinstance(value, str):
            parse_duration(value)
        return value

    @field_validator("retention", mode="before")
    @classmethod
    def _retention(cls, value: Any) -> Any:
        if isinstance(value, str):
            parse_retention(value)
        return value

    @property
    def retention_period(self) -> RetentionPeriod | None:
        return parse_retention(self.retention)

    @model_validator(mode="after")
    def _references(self) -> Organisation:
        names = [t.name for t in self.teams]
        for name in names:
            if names.count(name) > 1:
                raise _KeyError("teams", f"team {name!r} is listed twice")
        emails: set[str] = set()
        for index, member in enumerate(self.members):
            if member.team is not None and member.team not in names:
                raise _KeyError(f"members[{index}].team", f"unknown team {member.team!r} (teams: {', '.join(names)})")
            if member.email in emails:
                raise _KeyError(f"members[{index}].email", f"{member.email!r} is listed twice")
            emails.add(member.email)
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def ask_window(self) -> AskHours:
        return AskHours.parse(self.ask_hours)

    @property
    def reminder_delay(self) -> timedelta | None:
        return parse_duration(self.reminder_after)

    @property
    def weekly_trigger(self) -> CronTrigger:
        return parse_weekly_schedule(self.schedule.weekly_scores, self.timezone)

    def team_label(self, name: str) -> str:
        for team in self.teams:
            if team.name == name:
                return team.label or name.replace("_", " ")
        return name

    def find_team(self, text: str) -> TeamEntry | None:
        """The team someone typed, by its name or its label: any case, spaces or underscores, extra spaces.

        Every place that reads a team from a person (`/scores team`, `/onescore join`, an answer form)
        uses this one rule, so a spelling that works in one works in all of them."""
        wanted = _team_words(text)
        if not wanted:
            return None
        return next((t for t in self.teams if wanted in (_team_words(t.name), _team_words(t.label or ""))), None)

    def member(self, email: str) -> MemberEntry | None:
        email = email.strip().lower()
        return next((m for m in self.members if m.email == email), None)


def _team_words(text: str) -> str:
    return " ".join(text.replace("_", " ").split()).lower()


class _KeyError(ValueError):
    """A cross-reference problem that knows its own key path (pydantic would blame the root)."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(reason)
        self.key = key
        self.reason = reason


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if part == "[key]":
            continue
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _describe(exc: ValidationError, source: str) -> str:
    error = exc.errors()[0]
    ctx_error = (error.get("ctx") or {}).get("error")
    if isinstance(ctx_error, _KeyError):
        return f"{source}: {ctx_error.key}: {ctx_error.reason}"
    key = _location(tuple(error["loc"]))
    if error["type"] == "extra_forbidden":
        return f"{source}: {key}: unknown key"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{source}: {key}: {message}"


def parse_organisation(data: Any, source: str) -> Organisation:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise OrganisationFileError(f"{source}: (top level): expected a mapping of keys, got {type(data).__name__}")
    try:
        return Organisation.model_validate(data)
    except ValidationError as exc:
        raise OrganisationFileError(_describe(exc, source)) from None


class _Loader(yaml.SafeLoader):
    """YAML without its implicit timestamps: `2026-13-25` stays a string for the organisation's own
    validation, which names the key (`holidays[0]`), instead of failing inside the YAML library."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise OrganisationFileError(f"{path}: cannot be read: it is a directory") from None
    except OSError as exc:
        raise OrganisationFileError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise OrganisationFileError(f"{path}: line {line}: not UTF-8 (save the file as UTF-8)") from None


def _parse_yaml(text: str, path: Path) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise OrganisationFileError(f"{path}: {where}not valid YAML: {problem}") from None
    except RecursionError:
        raise OrganisationFileError(f"{path}: not valid YAML: nested too deeply") from None
    except (ValueError, OverflowError) as exc:
        raise OrganisationFileError(f"{path}: not valid YAML: {exc}") from None


def load_organisation(path: Path, *, required: bool = False) -> Organisation:
    """Read and validate the file. An absent file means every default, unless it was named explicitly
    (`required`): a mistyped path must not quietly run the bot on defaults."""
    if not path.exists() and not path.is_symlink():
        if required:
            raise OrganisationFileError(
                f"{path}: no such file (named by ONESCORE_CONFIG; unset it to run with every default)"
            )
        return Organisation()
    text = _read_text(path)
    data = _parse_yaml(text, path)
    if data is None:
        return Organisation()  # every key is optional, so a file with none (only comments) is all defaults
    return parse_organisation(data, str(path))
