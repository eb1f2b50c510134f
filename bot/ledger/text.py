"""Free text as people type it: kept exactly, but only what every database can store."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

MAX_TEXT = 20_000


def storable(value: str) -> str:
    """Refuse what PostgreSQL or UTF-8 cannot hold instead of failing later with a 500."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode (unpaired surrogate)") from exc
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


Text = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(storable)]
RequiredText = Annotated[
    str, Field(min_length=1, max_length=MAX_TEXT), AfterValidator(storable), AfterValidator(_not_blank)
]
