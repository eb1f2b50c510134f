"""The `onescore` command line as an operator runs it: a real process, real files, real database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from storage.db import make_engine
from storage.models import DealClose
from tests.conftest import ORG_YAML

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    config = tmp_path / "onescore.yaml"
    config.write_text(ORG_YAML, encoding="utf-8")
    return {"DATABASE_URL": database_url, "ONESCORE_CONFIG": str(config), "ONESCORE_API_TOKEN": "t"}


# --- the organisation file's refusals -----------------------------------------------------------


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        ("timezone: Europe/Helsinki\ncolour: blue\n", "colour: unknown key"),
        ("timezone: Mars/Olympus\n", "timezone: unknown time zone 'Mars/Olympus'"),
        ("ask_hours: '9 to 5'\n", "ask_hours: '9 to 5' is not"),
        ("ask_hours: '17:00-09:00'\n", "ask_hours: '17:00-09:00' must end after it starts"),
        ("schedule: {weekly_scores: 'someday 09:00'}\n", "schedule.weekly_scores:"),
        ("schedule: {weekly_scores: '61 * * * *'}\n", "schedule.weekly_scores:"),
        ("members:\n  - {email: a@example.com, team: legal}\n", "members[0].team: unknown team 'legal'"),
        ("members:\n  - {email: a@example.com, hobby: golf}\n", "members[0].hobby: unknown key"),
        ("attribution: random\n", "attribution:"),
        ("reminder_after: soon\n", "reminder_after: 'soon' is not a duration"),
        ("score_channels:\n  - {slack: C1, teams: T1}\n", "score_channels[0]: give exactly one"),
        ("holidays: [christmas]\n", "holidays[0]:"),
        ("teams: [{name: sales, slack_usergroup: marketing}]\n", "teams[0].slack_usergroup: 'marketing' is neither"),
        ("teams: [{name: sales, teams_team: ''}]\n", "teams[0].teams_team:"),
        ("teams: [\n", "not valid YAML"),
        ("- just\n- a list\n", "expected a mapping"),
    ],
)
def test_a_bad_organisation_file_stops_start_up_with_one_clear_line(
    tmp_path: Path, yaml_text: str, expected: str
) -> None:
    config = tmp_path / "org.yaml"
    config.write_text(yaml_text, encoding="utf-8")
    result = run(["migrate"], {"ONESCORE_CONFIG": str(config), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert str(config) in lines[0]
    assert expected in lines[0]
    assert "Traceback" not in result.stderr


def test_the_documented_example_organisation_file_is_accepted(tmp_path: Path) -> None:
    example = (ROOT / "onescore.example.yaml").read_text(encoding="utf-8")
    config = tmp_path / "org.yaml"
    config.write_text(example, encoding="utf-8")
    result = run(["migrate"], {"ONESCORE_CONFIG": str(config), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://nobody@127.0.0.1:1/none",
            "onescore: cannot use the database postgresql+psycopg://nobody@127.0.0.1:1/none",
        ),
        ("mysqlish://x", "onescore: DATABASE_URL:"),
    ],
)
def test_an_unusable_database_is_one_clear_line(tmp_path: Path, url: str, expected: str) -> None:
    result = run(["migrate"], {"DATABASE_URL": url}, cwd=tmp_path)
    assert result.returncode != 0
    assert result.stderr.strip().startswith(expected), result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_builds_an_empty_database(tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    result = run(["migrate"], {"DATABASE_URL": f"sqlite:///{db}"}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert db.exists()


# --- CSV import --------------------------------------------------------------------------------

CSV_HEADER = "external_id,name,account,amount,currency,stage,owner,created_at,closed_at\n"


def test_import_keeps_good_rows_reports_bad_ones_and_is_idempotent(
    tmp_path: Path, env: dict[str, str], database_url: str
) -> None:
    csv_file = tmp_path / "deals.csv"
    csv_file.write_text(
        CSV_HEADER
        + "crm:1,Acme renewal,Acme Oy,50000,EUR,won,aino@example.com,2026-10-01,2026-11-24\n"
        + "crm:2,Bad amount,X,lots,EUR,open,,,\n"
        + "crm:3,Öljy ja äänet 🎉,Oy Ab,1200.50,usd,lost,,2026-09-01,2026-11-20\n"
        + "crm:4,Ghost owner,X,10,EUR,open,ghost@example.com,,\n"
        + ",No id,X,10,EUR,open,,,\n"
        + 'crm:5,"Quoted, with comma",X,7,EUR,open,,,\n'
        + "crm:6,Bad stage,X,7,EUR,maybe,,,\n",
        encoding="utf-8",
    )
    first = run(["import-deals", str(csv_file)], env)
    assert first.returncode == 1  # some rows were rejected
    assert "7 rows: 3 created, 0 updated, 0 unchanged, 4 rejected" in first.stdout
    assert "line 3: amount:" in first.stdout
    assert "line 5: owner: unknown member 'ghost@example.com'" in first.stdout
    assert "line 6: external_id: is required" in first.stdout
    assert "line 8: stage:" in first.stdout

    second = run(["import-deals", str(csv_file)], env)
    assert "7 rows: 0 created, 0 updated, 3 unchanged, 4 rejected" in second.stdout

    engine = make_engine(database_url)
    with Session(engine) as session:
        assert len(session.exec(select(DealClose)).all()) == 2
    engine.dispose()

    listing = run(["import-deals", str(tmp_path / "missing.csv")], env)
    assert listing.returncode == 2
    assert "cannot be read" in listing.stderr


def test_import_refuses_a_file_with_unknown_columns(tmp_path: Path, env: dict[str, str]) -> None:
    csv_file = tmp_path / "deals.csv"
    csv_file.write_text("external_id,name,colour\nx,y,red\n", encoding="utf-8")
    result = run(["import-deals", str(csv_file)], env)
    assert result.returncode == 2
    assert "unknown: colour" in result.stderr


def test_import_updates_changed_rows_and_reads_excel_bom_files(tmp_path: Path, env: dict[str, str]) -> None:
    csv_file = tmp_path / "deals.csv"
    csv_file.write_text(CSV_HEADER + "crm:1,Acme,Acme Oy,100,EUR,open,,,\n", encoding="utf-8-sig")
    assert "1 created" in run(["import-deals", str(csv_file)], env).stdout
    csv_file.write_text(CSV_HEADER + "crm:1,Acme,Acme Oy,150,EUR,open,,,\n", encoding="utf-8-sig")
    assert "1 updated" in run(["import-deals", str(csv_file)], env).stdout


# --- serve ----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_starts_without_chat_credentials_says_which_are_off_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{tmp_path}/serve.db",
    }
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "MicrosoftAppId",
        "ONESCORE_API_TOKEN",
        "ONESCORE_CONFIG",
    ):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "serve did not come up"
                time.sleep(0.2)
        assert response.json() == {"status": "ok", "database": "ok"}
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode in (0, -signal.SIGTERM)  # uvicorn re-raises the signal after a clean shutdown
    assert "slack is off: SLACK_BOT_TOKEN is not set" in stderr
    assert "teams is off" in stderr
    assert "Application shutdown complete" in stderr
