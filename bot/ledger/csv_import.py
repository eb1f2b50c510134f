"""Bulk import of deals from a CSV file (`onescore import-deals`).

The header uses the REST API's field names. Rows are applied in batches through the same
`DealWriter` as a PUT, so a row means exactly what the same PUT would mean; a bad row is reported
with its line number and reason and never stops the good ones. Only a file that cannot be read as
CSV at all (missing, binary, empty, no usable header) stops the import, before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlmodel import Session, col, select

from bot.errors import InputError
from bot.ledger.csv_text import CsvText, read_csv_text
from bot.ledger.schemas import DealInput, ParticipantInput
from bot.runtime import Runtime
from storage.db import session_scope
from storage.models import Deal

COLUMNS = (
    "external_id",
    "name",
    "account",
    "amount",
    "currency",
    "stage",
    "owner",
    "created_at",
    "closed_at",
)
OPTIONAL_COLUMNS = ("participants",)
BATCH_SIZE = 1000
REASON_LENGTH = 300

# What applying one row may raise: the ledger's refusals, pydantic's, arithmetic on impossible dates
# or amounts, and the database refusing the row. Anything else is a defect and is left to surface.
ROW_ERRORS = (InputError, ValueError, ArithmeticError, SQLAlchemyError)


class ImportFileError(Exception):
    """The file as a whole cannot be imported (missing, unreadable, wrong header)."""


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def add(self, other: ImportSummary) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected.extend(other.rejected)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.rejected)


@dataclass
class _Row:
    line: int
    external_id: str
    data: DealInput


def _parse_participants(text: str) -> list[ParticipantInput]:
    """`a@x.fi;b@x.fi:marketing` — members separated by `;`, each with an optional `:team`."""
    entries = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        member, _, team = part.partition(":")
        entries.append(ParticipantInput(member=member, team=team or None))
    return entries


def describe_error(exc: BaseException) -> str:
    """One short line per refusal: the summary lists thousands of them, and a reason must fit on a line."""
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or "row"
        reason = f"{where}: {error['msg']}"
    elif isinstance(exc, SQLAlchemyError):
        orig = exc.orig if isinstance(exc, DBAPIError) else None
        detail = str(orig if orig is not None else exc).strip().splitlines()
        reason = f"the database refused it: {detail[0] if detail else type(exc).__name__}"
    elif isinstance(exc, InputError):
        reason = str(exc)
    else:
        reason = f"cannot be stored: {exc}" if str(exc) else f"cannot be stored: {type(exc).__name__}"
    return reason if len(reason) <= REASON_LENGTH else reason[: REASON_LENGTH - 1] + "…"


_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")


def _amount(text: str, *, decimal_comma: bool) -> str:
    """Excel writes `1200,50` where the comma is the decimal separator, and then separates fields with
    `;` or tab. Only there, and only in that plain shape, is the comma a decimal point: in a
    comma-separated file a quoted `1,200` could as well be a thousands separator, and stays refused."""
    return text.replace(",", ".") if decimal_comma and _DECIMAL_COMMA.fullmatch(text) else text


def _parse_row(line: int, header: list[str], fields: list[str], *, decimal_comma: bool) -> _Row:
    if len(fields) > len(header):
        raise InputError("row", f"has {len(fields)} fields, more than the header's {len(header)}")
    values = {name: value.strip() for name, value in zip(header, fields, strict=False) if value.strip()}
    external_id = values.pop("external_id", "")
    if not external_id:
        raise InputError("external_id", "is required")
    if len(external_id) > 255:
        raise InputError("external_id", "is longer than 255 characters")
    if "amount" in values:
        values["amount"] = _amount(values["amount"], decimal_comma=decimal_comma)
    participants = values.pop("participants", None)
    payload: dict[str, object] = dict(values)
    if participants is not None:
        payload["participants"] = _parse_participants(participants)
    return _Row(line, external_id, DealInput.model_validate(payload))


def _check_header(path: Path, header: list[str]) -> None:
    unknown = [h for h in header if h not in COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise ImportFileError(
            f"{path}: the header must name only these columns: {','.join(COLUMNS + OPTIONAL_COLUMNS)} "
            f"(unknown: {', '.join(unknown)})"
        )
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        raise ImportFileError(f"{path}: column {', '.join(twice)} is named twice in the header")


def open_csv(path: Path) -> CsvText:
    """Read and check the whole file before anything is written, so a file that is not CSV writes nothing."""
    try:
        text = read_csv_text(path, required="external_id")
    except ValueError as exc:
        raise ImportFileError(f"{path}: {exc}") from None
    _check_header(path, text.header)
    return text


def parse_rows(text: CsvText) -> Iterator[tuple[int, _Row | str]]:
    """Yield (line number, parsed row or the reason it was rejected); blank rows are skipped."""
    for record in text.records():
        if record.error is not None:
            yield record.line, record.error
            continue
        if not any(value.strip() for value in record.fields):
            continue
        try:
            yield record.line, _parse_row(record.line, text.header, record.fields, decimal_comma=text.delimiter != ",")
        except ROW_ERRORS as exc:
            yield record.line, describe_error(exc)


def named_emails(text: CsvText) -> set[str]:
    """Every owner and participant the file names (for looking the unknown ones up on the platforms)."""
    emails: set[str] = set()
    for _line, parsed in parse_rows(text):
        if not isinstance(parsed, str):
            emails |= {parsed.data.owner} if parsed.data.owner else set()
            emails |= {p.member for p in parsed.data.participants or []}
    return emails


def _apply_batch(runtime: Runtime, rows: list[_Row]) -> ImportSummary:
    """One transaction per batch; the counts only matter once it has committed."""
    summary = ImportSummary()
    with session_scope(runtime.engine) as session:
        _apply_rows(runtime, session, rows, summary)
    return summary


def _apply_rows(runtime: Runtime, session: Session, rows: list[_Row], summary: ImportSummary) -> None:
    writer = runtime.deal_writer(session, source="csv")
    ids = {r.external_id for r in rows}
    known: dict[str, Deal | None] = {
        d.external_id: d for d in session.exec(select(Deal).where(col(Deal.external_id).in_(ids)))
    }
    emails = {r.data.owner for r in rows if r.data.owner}
    emails |= {p.member for r in rows for p in r.data.participants or []}
    writer.prefetch_members(emails)
    writer.reserve_ids(len(ids - known.keys()))
    for row in rows:
        try:
            result = writer.upsert(row.external_id, row.data, existing=known.get(row.external_id))
        except InputError as exc:
            summary.rejected.append((row.line, str(exc)))
            continue
        known[row.external_id] = result.deal
        if result.created:
            summary.created += 1
        elif result.changed:
            summary.updated += 1
        else:
            summary.unchanged += 1
    writer.flush()


def _unreachable(exc: BaseException) -> bool:
    """A lost connection is the database's fault, not the row's: retrying row by row would only fail slower."""
    return isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


def import_deals(
    runtime: Runtime, text: CsvText, *, on_progress: Callable[[int], None] = lambda _n: None
) -> ImportSummary:
    """Apply every row of a file `open_csv` has read; the file-level checks are behind us by now."""
    summary = ImportSummary()
    batch: list[_Row] = []

    def flush() -> None:
        if not batch:
            return
        try:
            summary.add(_apply_batch(runtime, batch))
        except ROW_ERRORS as exc:
            if _unreachable(exc):
                raise
            for row in batch:
                _apply_single(runtime, row, summary)
        on_progress(len(batch))
        batch.clear()

    for line, parsed in parse_rows(text):
        if isinstance(parsed, str):
            summary.rejected.append((line, parsed))
            on_progress(1)
            continue
        batch.append(parsed)
        if len(batch) >= BATCH_SIZE:
            flush()
    flush()
    summary.rejected.sort()
    return summary


def _apply_single(runtime: Runtime, row: _Row, summary: ImportSummary) -> None:
    """When a batch fails, find the row to blame by retrying them one by one, each in its own transaction."""
    try:
        summary.add(_apply_batch(runtime, [row]))
    except ROW_ERRORS as exc:
        if _unreachable(exc):
            raise
        summary.rejected.append((row.line, describe_error(exc)))
