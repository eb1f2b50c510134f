"""Reading a CSV file as people actually save it: any of the encodings and delimiters Excel, LibreOffice
and CRMs export, and quoting that is sometimes broken.

Encoding. A byte-order mark decides (UTF-8 or UTF-16). Without one, each line is read as UTF-8 and, if
it is not valid UTF-8, as Windows-1252 (Latin-1 for the five bytes Windows-1252 leaves undefined).
Deciding per line rather than per file keeps a UTF-8 file with one row pasted from an old system
intact: only that row is read the old way, the Finnish letters and emoji in the others are untouched.

Delimiter. `,`, `;` (Excel where the decimal separator is a comma, as in Finland) or tab. csv.Sniffer,
restricted to those three, gives the first guess; the delimiter used is the first candidate whose
split of the header names the required column, so a sniffer misled by the data cannot win.

Unterminated quotes. A quoted field may legitimately span lines, so the csv module reads on until a
closing quote, and one stray `"` silently swallows every following row into one field. The rule
here: while a quoted field is open, each further line is checked on its own, and the field is
taken as never closed when

- that line, read alone, has exactly as many fields as the header and a non-empty first field (it
  looks like the next row), or
- the field reaches the end of the file, or
- the field has run on for MAX_QUOTED_LINES lines (no real note or address is that long).

The row where the quote opened is then rejected with its line number, and reading resumes at the
line that looked like a row, or (end of file, too long) at the line after the opening one, so no
following row is lost. A multi-line field whose inner line happens to look exactly like a row is
misread by this rule; that is far rarer than a stray quote, and the row is reported, not lost.
"""

from __future__ import annotations

import codecs
import csv
import unicodedata
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

DELIMITERS = (",", ";", "\t")
MAX_QUOTED_LINES = 100
FIELD_SIZE_LIMIT = 2**31 - 1
SAMPLE_CHARS = 65_536
MAX_CONTROL_SHARE = 0.05


@dataclass(frozen=True)
class Record:
    """One row as read from the file, or why it could not be read; `line` is where it starts."""

    line: int
    fields: list[str]
    error: str | None = None


class _Unterminated(Exception):
    def __init__(self, reason: str, resume: list[tuple[int, str]]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.resume = resume


def _decode_line(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def decode(data: bytes) -> str:
    """The file's text; see the module's docstring for how the encoding is chosen."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    data = data.removeprefix(codecs.BOM_UTF8)
    return "".join(_decode_line(raw) for raw in data.splitlines(keepends=True))


def _looks_binary(text: str) -> bool:
    """Text has next to no control characters; spreadsheets, archives and UTF-16 without a BOM are full of them."""
    sample = text[:SAMPLE_CHARS]
    controls = sum(1 for c in sample if c not in "\t\r\n" and unicodedata.category(c) == "Cc")
    return controls > MAX_CONTROL_SHARE * len(sample)


def _dialect(delimiter: str, *, strict: bool) -> type[csv.Dialect]:
    class Dialect(csv.excel):
        pass

    Dialect.delimiter = delimiter
    Dialect.strict = strict
    return Dialect


def _split(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], _dialect(delimiter, strict=False)), [])


def _sniffed(sample: str) -> str | None:
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        return None


def _choose_delimiter(header_line: str, sample: str, required: str) -> str | None:
    guesses = [d for d in (_sniffed(sample), *DELIMITERS) if d is not None]
    for delimiter in dict.fromkeys(guesses):
        if required in (name.strip().lower() for name in _split(header_line, delimiter)):
            return delimiter
    return None


class CsvText:
    """The decoded file: its header and, on demand, its records."""

    def __init__(self, lines: list[tuple[int, str]], header: list[str], delimiter: str) -> None:
        self.header = header
        self.delimiter = delimiter
        self._lines = lines

    @property
    def data_lines(self) -> int:
        return len(self._lines)

    def records(self) -> Iterator[Record]:
        return _RecordReader(self._lines, self.delimiter, len(self.header)).records()


class _RecordReader:
    """Feeds csv.reader line by line and stops a quoted field that will not close (the module docstring's rule)."""

    def __init__(self, lines: list[tuple[int, str]], delimiter: str, width: int) -> None:
        self._pending: deque[tuple[int, str]] = deque(lines)
        self._delimiter = delimiter
        self._dialect = _dialect(delimiter, strict=True)
        self._width = width
        self._taken: list[tuple[int, str]] = []

    def __iter__(self) -> _RecordReader:
        return self

    def __next__(self) -> str:
        if not self._taken:
            if not self._pending:
                raise StopIteration
            self._taken.append(self._pending.popleft())
            return self._taken[-1][1]
        return self._continuation()

    def _continuation(self) -> str:
        if not self._pending:
            raise _Unterminated("a quoted field that starts here is never closed", self._taken[1:])
        number, line = self._pending[0]
        if self._looks_like_a_row(line):
            raise _Unterminated(
                f"a quoted field that starts here is not closed before line {number}, which reads as the next row", []
            )
        if len(self._taken) >= MAX_QUOTED_LINES:
            raise _Unterminated(
                f"a quoted field that starts here runs on for more than {MAX_QUOTED_LINES} lines", self._taken[1:]
            )
        self._taken.append(self._pending.popleft())
        return line

    def _looks_like_a_row(self, line: str) -> bool:
        """A line of the header's width that starts a field, and whose own quotes pair up: a line with
        an odd number of them closes the quoted field left open above it (`"\n0",` is two lines)."""
        fields = _split(line, self._delimiter)
        balanced = line.count(self._dialect.quotechar or '"') % 2 == 0
        return self._width > 1 and balanced and len(fields) == self._width and bool(fields[0].strip())

    def records(self) -> Iterator[Record]:
        reader = csv.reader(self, self._dialect)
        while True:
            self._taken = []
            try:
                fields = next(reader)
            except StopIteration:
                return
            except _Unterminated as exc:
                yield Record(self._taken[0][0], [], exc.reason)
                self._pending.extendleft(reversed(exc.resume))
                reader = csv.reader(self, self._dialect)
                continue
            except csv.Error as exc:
                yield Record(self._taken[0][0], [], f"not readable as CSV: {exc}")
                reader = csv.reader(self, self._dialect)
                continue
            yield Record(self._taken[0][0], fields)


def read_csv_text(path: Path, *, required: str) -> CsvText:
    """Raises ValueError with the one-line reason when the file cannot be read as CSV at all."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ValueError("cannot be read: no such file") from None
    except IsADirectoryError:
        raise ValueError("cannot be read: it is a directory") from None
    except OSError as exc:
        raise ValueError(f"cannot be read: {exc.strerror or exc}") from None
    text = decode(data)
    if not text.strip():
        raise ValueError("cannot be read: the file is empty")
    if _looks_binary(text):
        raise ValueError("cannot be read: not a text file (a CSV in UTF-8, UTF-16 with BOM or Windows-1252 is)")
    lines = list(enumerate(StringIO(text, newline=""), start=1))
    while lines and not lines[0][1].strip():
        lines.pop(0)
    number, header_line = lines[0]
    sample = "".join(line for _, line in lines[:20])[:SAMPLE_CHARS]
    delimiter = _choose_delimiter(header_line, sample, required)
    if delimiter is None:
        shown = header_line.strip()[:80]
        raise ValueError(f"no {required} column: line {number} should be the header (it reads {shown!r})")
    csv.field_size_limit(FIELD_SIZE_LIMIT)
    header = [name.strip().lower() for name in _split(header_line, delimiter)]
    return CsvText(lines[1:], header, delimiter)
