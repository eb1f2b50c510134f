"""Bulk import of deals from a CSV file (`onescore import-deals`).

The header uses the REST API's field names. Rows are applied in batches through the same
`DealWriter` as a PUT, so a row means exactly what the same PUT would mean; a bad row is reported
with its line number and reason and never stops the good ones.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from bot.errors import InputError
from bot.runtime import Runtime
from bot.schemas import DealInput, ParticipantInput
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


def _describe(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"]) or "row"
    return f"{where}: {error['msg']}"


def _parse_row(line: int, raw: dict[str, str | None]) -> _Row:
    values = {k: v.strip() for k, v in raw.items() if k and v is not None and v.strip() != ""}
    external_id = values.pop("external_id", "")
    if not external_id:
        raise InputError("external_id", "is required")
    if len(external_id) > 255:
        raise InputError("external_id", "is longer than 255 characters")
    participants = values.pop("participants", None)
    payload: dict[str, object] = dict(values)
    if participants is not None:
        payload["participants"] = _parse_participants(participants)
    return _Row(line, external_id, DealInput.model_validate(payload))


def read_rows(path: Path) -> Iterator[tuple[int, _Row | str]]:
    """Yield (line number, parsed row or the reason it was rejected); line 1 is the header."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot be read: {exc.strerror}") from None
    with handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in reader.fieldnames or []]
        unknown = [h for h in header if h not in COLUMNS + OPTIONAL_COLUMNS]
        if "external_id" not in header or unknown:
            raise ImportFileError(
                f"{path}: the header must name external_id and only these columns: "
                f"{','.join(COLUMNS + OPTIONAL_COLUMNS)}" + (f" (unknown: {', '.join(unknown)})" if unknown else "")
            )
        reader.fieldnames = header
        try:
            for raw in reader:
                line = reader.line_num
                if None in raw:
                    yield line, "more fields than the header names"
                    continue
                try:
                    yield line, _parse_row(line, raw)
                except ValidationError as exc:
                    yield line, _describe(exc)
                except InputError as exc:
                    yield line, str(exc)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ImportFileError(f"{path}: line {reader.line_num}: not readable CSV: {exc}") from None


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


def import_deals(
    runtime: Runtime, path: Path, *, on_progress: Callable[[int], None] = lambda _n: None
) -> ImportSummary:
    summary = ImportSummary()
    batch: list[_Row] = []

    def flush() -> None:
        if not batch:
            return
        try:
            summary.add(_apply_batch(runtime, batch))
        except SQLAlchemyError:
            for row in batch:
                _apply_single(runtime, row, summary)
        on_progress(len(batch))
        batch.clear()

    for line, parsed in read_rows(path):
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
    """When a batch fails in the database, find the row to blame by retrying them one by one."""
    try:
        summary.add(_apply_batch(runtime, [row]))
    except SQLAlchemyError as exc:
        summary.rejected.append((row.line, f"the database refused it: {type(exc).__name__}"))
