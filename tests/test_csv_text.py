"""Property: whatever a spreadsheet writes with the csv module's quoting, in any supported encoding and
delimiter, reads back field for field — quotes, delimiters and line breaks inside fields included."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.ledger.csv_text import read_csv_text

HEADER = ["external_id", "name", "account", "stage"]
plain = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=30)
with_breaks = st.text(st.characters(blacklist_categories=("Cs",), whitelist_characters="\n"), max_size=30)


@st.composite
def files(draw: st.DrawFn) -> tuple[str, str, list[list[str]]]:
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
    width = draw(st.integers(min_value=2, max_value=len(HEADER)))
    # A field with a line break never also holds the delimiter: such a field's inner line could read
    # as a whole row, which the unterminated-quote rule deliberately takes as one (see bot.ledger.csv_text).
    multiline = with_breaks.filter(lambda v: all(c == "\n" or c.isprintable() for c in v)).map(
        lambda v: v.replace(delimiter, "")
    )
    field = st.one_of(plain, multiline)
    rows = draw(st.lists(st.lists(field, min_size=width, max_size=width), max_size=8))
    rows = [row for row in rows if any(value.strip() for value in row)]
    return delimiter, encoding, [HEADER[:width], *rows]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files())
@example((",", "utf-8", [["external_id", "name"], ["\n0", ""]]))  # a quoted field whose next line looked like a row
def test_what_the_csv_module_writes_is_read_back_exactly(
    tmp_path: Path, case: tuple[str, str, list[list[str]]]
) -> None:
    delimiter, encoding, rows = case
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    path = tmp_path / "deals.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))

    text = read_csv_text(path, required="external_id")

    assert text.delimiter == delimiter
    assert text.header == rows[0]
    read = [record.fields for record in text.records() if record.fields]
    assert all(record.error is None for record in text.records())
    assert read == rows[1:]
