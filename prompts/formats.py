"""Numbers, money and percentages in the reader's own style.

A Finnish reader expects `50 000 €` and `42 %`, an English one `€50,000` and `42%`. The figures
fill message placeholders as text, so both chat adapters format them here, the same way.
"""

from __future__ import annotations

from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal

from prompts.catalogue import primary_subtag

NBSP = "\u00a0"
_STYLES = {  # thousands separator, decimal mark, space before % and after the amount
    "en": (",", ".", ""),
    "fi": (NBSP, ",", NBSP),
}
_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}
_PREFIX_SYMBOL_LANGUAGES = {"en"}


def _code(language: str | None) -> str:
    code = primary_subtag(language)
    return code if code in _STYLES else "en"


def _style(language: str | None) -> tuple[str, str, str]:
    return _STYLES[_code(language)]


def format_number(language: str | None, value: float | int | Decimal, decimals: int = 0) -> str:
    """Grouped digits and the language's decimal mark; halves round up, and -0 shows as 0."""
    thousands, point, _ = _style(language)
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)
    text = f"{rounded:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", point).replace("\0", thousands)


def format_money(language: str | None, amount: float | int | Decimal, currency: str) -> str:
    """Whole units when the amount is whole, cents otherwise; a symbol for the common currencies."""
    value = Decimal(str(amount))
    decimals = 0 if value == value.to_integral_value() else 2
    digits = format_number(language, abs(value), decimals)
    sign = "-" if value < 0 and digits.strip("0,." + NBSP) else ""
    code = currency.upper()
    symbol = _SYMBOLS.get(code)
    if symbol and _code(language) in _PREFIX_SYMBOL_LANGUAGES:
        return f"{sign}{symbol}{digits}"
    return f"{sign}{digits}{NBSP}{symbol or code}"


def format_percent(language: str | None, ratio: float | Decimal, decimals: int = 0) -> str:
    """A ratio (0.42) as a percentage (42 %)."""
    _, _, space = _style(language)
    return f"{format_number(language, Decimal(str(ratio)) * 100, decimals)}{space}%"


def format_date(language: str | None, day: date) -> str:
    """A calendar day as the reader writes it: `2026-11-26` in English, `26.11.2026` in Finnish."""
    return f"{day.day}.{day.month}.{day.year}" if _code(language) == "fi" else day.isoformat()


def format_clock(language: str | None, at: time) -> str:
    """A time of day: `09:00` in English, `9.00` in Finnish."""
    return f"{at.hour}.{at.minute:02d}" if _code(language) == "fi" else f"{at.hour:02d}:{at.minute:02d}"
