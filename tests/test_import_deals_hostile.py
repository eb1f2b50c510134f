"""`onescore import-deals` over the files operators really have: every encoding Excel and friends
save, `;` and tab delimiters, broken quoting, oversized fields, impossible dates and rows the
database itself refuses. The real command runs in-process (bot.cli.main) against a real database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from bot.cli import main
from storage.db import make_engine
from storage.models import Deal
from tests.conftest import ORG_YAML

HEADER = ["external_id", "name", "account", "amount", "currency", "stage", "owner", "created_at", "closed_at"]
FINNISH = "Öljy ja äänet, Åbo"
EMOJI = "Kauppa 🎉🚀"


@dataclass
class Outcome:
    status: int
    out: str
    err: str

    @property
    def rejected_lines(self) -> list[int]:
        return [int(line.split()[1].rstrip(":")) for line in self.out.splitlines() if line.startswith("  line ")]


@pytest.fixture
def importer(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    config = tmp_path / "onescore.yaml"
    config.write_text(ORG_YAML, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ONESCORE_CONFIG", str(config))

    def run(path: Path) -> Outcome:
        capsys.readouterr()
        status = main(["import-deals", str(path)])
        captured = capsys.readouterr()
        return Outcome(status, captured.out, captured.err)

    return run


@pytest.fixture
def names(database_url: str):  # type: ignore[no-untyped-def]
    def read() -> dict[str, str]:
        engine = make_engine(database_url)
        with Session(engine) as session:
            found = {d.external_id: d.name for d in session.exec(select(Deal))}
        engine.dispose()
        return found

    return read


def rows_text(rows: list[list[str]], delimiter: str = ",") -> str:
    def cell(value: str) -> str:
        if any(c in value for c in (delimiter, '"', "\n")):
            return '"' + value.replace('"', '""') + '"'
        return value

    return "".join(delimiter.join(cell(v) for v in row) + "\r\n" for row in [HEADER, *rows])


def deal(external_id: str, name: str, amount: str = "100", stage: str = "open") -> list[str]:
    return [external_id, name, "Oy Ab", amount, "EUR", stage, "", "", ""]


# --- encodings and delimiters --------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"])
def test_every_supported_encoding_is_read_with_finnish_letters_intact(
    tmp_path: Path, importer, names, encoding: str
) -> None:
    with_emoji = encoding.startswith("utf")
    rows = [deal("crm:1", FINNISH), deal("crm:2", EMOJI if with_emoji else "Sää")]
    path = tmp_path / "deals.csv"
    path.write_bytes(rows_text(rows).encode(encoding))
    outcome = importer(path)
    assert outcome.status == 0, outcome.out + outcome.err
    assert "2 rows: 2 created, 0 updated, 0 unchanged, 0 rejected" in outcome.out
    assert names() == {"crm:1": FINNISH, "crm:2": EMOJI if with_emoji else "Sää"}


def test_one_windows_1252_row_in_a_utf8_file_is_read_without_spoiling_the_others(
    tmp_path: Path, importer, names
) -> None:
    path = tmp_path / "deals.csv"
    utf8 = rows_text([deal("crm:1", FINNISH), deal("crm:2", EMOJI)]).encode("utf-8")
    path.write_bytes(utf8 + "crm:3,Pörssi,X,5,EUR,open,,,\r\n".encode("cp1252"))
    outcome = importer(path)
    assert outcome.status == 0, outcome.out + outcome.err
    assert names() == {"crm:1": FINNISH, "crm:2": EMOJI, "crm:3": "Pörssi"}


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_delimiter_is_detected(tmp_path: Path, importer, names, delimiter: str) -> None:
    rows = [deal("crm:1", "Acme, Oy; ja\tmuut"), deal("crm:2", FINNISH), deal("crm:3", "Plain")]
    path = tmp_path / "deals.csv"
    path.write_text(rows_text(rows, delimiter), encoding="utf-8-sig", newline="")
    outcome = importer(path)
    assert outcome.status == 0, outcome.out + outcome.err
    assert names() == {"crm:1": "Acme, Oy; ja\tmuut", "crm:2": FINNISH, "crm:3": "Plain"}


def test_a_finnish_excel_file_with_semicolons_and_cp1252_is_read(
    tmp_path: Path, importer, names, database_url: str
) -> None:
    path = tmp_path / "deals.csv"
    path.write_bytes(
        "external_id;name;account;amount;currency;stage;owner;created_at;closed_at\r\n"
        "crm:1;Yhteistyö;Äänekosken Oy;50000;EUR;won;aino@example.com;2026-10-01;2026-11-24\r\n"
        "crm:2;Kevät;Oy Ab;1200,50;EUR;open;;;\r\n"
        ";;;;;;;;\r\n".encode("cp1252")
    )
    outcome = importer(path)
    assert outcome.status == 0, outcome.out + outcome.err
    assert names() == {"crm:1": "Yhteistyö", "crm:2": "Kevät"}
    engine = make_engine(database_url)
    with Session(engine) as session:
        amounts = {d.external_id: d.amount_cents for d in session.exec(select(Deal))}
    engine.dispose()
    assert amounts == {"crm:1": 5_000_000, "crm:2": 120_050}  # Excel's decimal comma where `;` separates


# --- rows that must be rejected alone ------------------------------------------------------------


def test_an_impossible_date_rejects_only_its_row(tmp_path: Path, importer, names) -> None:
    rows = [
        deal("crm:1", "Good"),
        ["crm:2", "Too early", "X", "5", "EUR", "won", "", "0001-01-01T00:00:00+05:00", "2026-11-24"],
        ["crm:3", "Too late", "X", "5", "EUR", "won", "", "2026-01-01", "9999-12-31T23:59:59-05:00"],
        ["crm:4", "Not a day", "X", "5", "EUR", "won", "", "2026-02-30", ""],
        deal("crm:5", "Also good"),
    ]
    path = tmp_path / "deals.csv"
    path.write_text(rows_text(rows), encoding="utf-8")
    outcome = importer(path)
    assert outcome.status == 1, outcome.out + outcome.err
    assert "5 rows: 2 created, 0 updated, 0 unchanged, 3 rejected" in outcome.out
    assert outcome.rejected_lines == [3, 4, 5]
    assert "Traceback" not in outcome.err
    assert names() == {"crm:1": "Good", "crm:5": "Also good"}


def test_huge_fields_are_read_long_names_kept_and_only_the_oversized_row_rejected(
    tmp_path: Path, importer, names
) -> None:
    long_name = "ä" * 19_990 + "🎉" * 10
    rows = [deal("crm:1", long_name), deal("crm:2", "x" * 200_000), deal("crm:3", "After")]
    path = tmp_path / "deals.csv"
    path.write_text(rows_text(rows), encoding="utf-8")
    outcome = importer(path)
    assert outcome.status == 1, outcome.out + outcome.err
    assert outcome.rejected_lines == [3]
    assert "line 3: name:" in outcome.out
    assert names() == {"crm:1": long_name, "crm:3": "After"}


def test_an_unterminated_quote_rejects_its_row_and_not_the_rows_after_it(tmp_path: Path, importer, names) -> None:
    path = tmp_path / "deals.csv"
    path.write_text(
        ",".join(HEADER) + "\n"
        "crm:1,Good,X,1,EUR,open,,,\n"
        'crm:2,"Broken name,X,1,EUR,open,,,\n'
        "crm:3,Next,X,1,EUR,open,,,\n"
        'crm:4,"Two\nlines",X,1,EUR,open,,,\n'
        "crm:5,Last,X,1,EUR,open,,,\n",
        encoding="utf-8",
    )
    outcome = importer(path)
    assert outcome.status == 1, outcome.out + outcome.err
    assert "5 rows: 4 created, 0 updated, 0 unchanged, 1 rejected" in outcome.out
    assert outcome.rejected_lines == [3]
    assert "quote" in outcome.out
    assert names() == {"crm:1": "Good", "crm:3": "Next", "crm:4": "Two\nlines", "crm:5": "Last"}


def test_a_quote_left_open_to_the_end_of_the_file_rejects_its_row_and_reads_the_rest(
    tmp_path: Path, importer, names
) -> None:
    path = tmp_path / "deals.csv"
    path.write_text(
        ",".join(HEADER) + "\n"
        "crm:1,Good,X,1,EUR,open,,,\n"
        'crm:2,"Broken,X,1,EUR,open,,,\n'
        "crm:3,Short row\n"
        "crm:4,Also short\n",
        encoding="utf-8",
    )
    outcome = importer(path)
    assert outcome.status == 1, outcome.out + outcome.err
    assert outcome.rejected_lines == [3]
    assert "never closed" in outcome.out
    assert names() == {"crm:1": "Good", "crm:3": "Short row", "crm:4": "Also short"}


def test_a_row_the_database_refuses_is_rejected_alone(tmp_path: Path, importer, names, database_url: str) -> None:
    """A trigger in the real database refuses one name, so the batch insert fails and is retried row by row."""
    engine = make_engine(database_url)
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(
                text(
                    "CREATE TRIGGER refuse_boom BEFORE INSERT ON deals WHEN NEW.name = 'boom' "
                    "BEGIN SELECT RAISE(ABORT, 'boom is refused'); END"
                )
            )
        else:
            connection.execute(
                text(
                    "CREATE OR REPLACE FUNCTION refuse_boom() RETURNS trigger AS $$ BEGIN "
                    "IF NEW.name = 'boom' THEN RAISE EXCEPTION 'boom is refused'; END IF; RETURN NEW; END $$ "
                    "LANGUAGE plpgsql"
                )
            )
            connection.execute(
                text("CREATE TRIGGER refuse_boom BEFORE INSERT ON deals FOR EACH ROW EXECUTE FUNCTION refuse_boom()")
            )
    try:
        rows = [deal("crm:1", "One"), deal("crm:2", "boom"), deal("crm:3", "Three", stage="won")]
        path = tmp_path / "deals.csv"
        path.write_text(rows_text(rows), encoding="utf-8")
        outcome = importer(path)
        assert outcome.status == 1, outcome.out + outcome.err
        assert "3 rows: 2 created, 0 updated, 0 unchanged, 1 rejected" in outcome.out
        assert "line 3: the database refused it" in outcome.out
        assert names() == {"crm:1": "One", "crm:3": "Three"}
    finally:
        with engine.begin() as connection:
            on_table = "" if engine.dialect.name == "sqlite" else " ON deals"
            connection.execute(text(f"DROP TRIGGER IF EXISTS refuse_boom{on_table}"))
        engine.dispose()


def test_rows_with_too_many_fields_or_bad_quoting_are_rejected_with_their_lines(
    tmp_path: Path, importer, names
) -> None:
    path = tmp_path / "deals.csv"
    path.write_text(
        ",".join(HEADER) + "\n"
        "crm:1,Good,X,1,EUR,open,,,\n"
        "crm:2,Extra,X,1,EUR,open,,,,surplus\n"
        'crm:3,"Closed"then more,X,1,EUR,open,,,\n'
        "crm:4,Fine,X,1,EUR,open,,,\n",
        encoding="utf-8",
    )
    outcome = importer(path)
    assert outcome.status == 1, outcome.out + outcome.err
    assert outcome.rejected_lines == [3, 4]
    assert names() == {"crm:1": "Good", "crm:4": "Fine"}


# --- files that cannot be read at all --------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file"),
        ("directory", "is a directory"),
        (bytes(range(256)) * 64, "not a text file"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(4000), "not a text file"),
        (b"", "is empty"),
        (b"\xef\xbb\xbf\r\n\r\n", "is empty"),
        (b"name,amount\nAcme,5\n", "no external_id column"),
        (b"Acme;5\n", "no external_id column"),
        (b"external_id,name,colour\nx,y,red\n", "unknown: colour"),
        (b"external_id,name,name\nx,y,z\n", "name is named twice"),
        ("external_id,name\nx,y\n".encode("utf-16-le"), "not a text file"),
    ],
)
def test_a_file_that_cannot_be_read_at_all_is_one_line_and_exit_2(
    tmp_path: Path, importer, names, content: bytes | str | None, expected: str
) -> None:
    path = tmp_path / "deals.csv"
    if content == "directory":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    outcome = importer(path)
    assert outcome.status == 2
    lines = outcome.err.strip().splitlines()
    assert len(lines) == 1, outcome.err
    assert lines[0].startswith(f"onescore: {path}: ")
    assert expected in lines[0]
    assert names() == {}


def test_a_header_only_file_imports_nothing_and_succeeds(tmp_path: Path, importer) -> None:
    path = tmp_path / "deals.csv"
    path.write_text(";".join(HEADER) + "\n", encoding="utf-8")
    outcome = importer(path)
    assert outcome.status == 0, outcome.err
    assert "0 rows: 0 created" in outcome.out
