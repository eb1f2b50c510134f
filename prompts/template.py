"""Templates with named placeholders that are filled without reading the inserted values as templates.

`str.format` would raise on, or worse interpret, braces in a deal name such as "Acme {EU}". Here a
template is split into literal text and placeholder names once, when the catalogue loads, so every
mistake in a template shows up at start-up and filling one is plain concatenation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from string import Formatter

_NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Template:
    """Literal text alternating with placeholder names (`None` where a piece is literal only)."""

    parts: tuple[tuple[str, str | None], ...]

    @property
    def placeholders(self) -> frozenset[str]:
        return frozenset(name for _, name in self.parts if name is not None)

    @property
    def literal_length(self) -> int:
        return sum(len(text) for text, _ in self.parts)

    def fill(self, values: Mapping[str, str]) -> str:
        """Insert each value verbatim; the caller has already checked that every name has a value."""
        return "".join(text + (values[name] if name is not None else "") for text, name in self.parts)


def parse_template(text: str) -> Template:
    """Split `text` into parts; raise ValueError with a reader-facing reason when it is malformed.

    Only bare `{name}` placeholders are allowed: a conversion or format spec (`{deal!r}`,
    `{amount:,}`) would make a translation behave differently from English, and numbers are
    formatted by the caller for the reader's language anyway. `{{` and `}}` stand for literal braces.
    """
    try:
        pieces = list(Formatter().parse(text))
    except ValueError as exc:
        raise ValueError(f"malformed braces ({exc}); write {{{{ or }}}} for a literal brace") from None
    parts: list[tuple[str, str | None]] = []
    for literal, name, spec, conversion in pieces:
        if name is None:
            parts.append((literal, None))
            continue
        if not _NAME.fullmatch(name):
            raise ValueError(f"placeholder {{{name}}} is not a name such as {{deal}}")
        if spec or conversion:
            raise ValueError(f"placeholder {{{name}}} must be plain: no !conversion or :format")
        parts.append((literal, name))
    return Template(tuple(parts))
