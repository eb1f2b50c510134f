"""The clumsy admin: a mistyped ONESCORE_CONFIG and every kind of broken organisation file each stop
start-up with one line naming the file (and the key), never a traceback or a silent default."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.cli import main
from bot.organisation import Organisation, load_organisation
from tests.test_cli import run

# --- ONESCORE_CONFIG --------------------------------------------------------------------------------


def test_a_mistyped_onescore_config_stops_start_up_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "onescroe.yaml"
    result = run(["migrate"], {"ONESCORE_CONFIG": str(missing), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"onescore: {missing}: ")
    assert "ONESCORE_CONFIG" in lines[0]
    assert not (tmp_path / "x.db").exists()


def test_a_mistyped_onescore_config_in_dot_env_stops_serve_too(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ONESCORE_CONFIG=./conf/onescore.yml\n", encoding="utf-8")
    result = run(["serve", "--port", "1"], {"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("onescore: conf/onescore.yml: "), result.stderr
    assert "Traceback" not in result.stderr


def test_without_onescore_config_an_absent_default_file_means_every_default(tmp_path: Path) -> None:
    assert "ONESCORE_CONFIG" not in os.environ
    result = run(["migrate"], {"DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_commands_that_need_no_organisation_ignore_a_missing_one(tmp_path: Path) -> None:
    env = {"ONESCORE_CONFIG": str(tmp_path / "absent.yaml")}
    result = run(["manifest", "slack", "--url", "https://onescore.example.com"], env)
    assert result.returncode == 0, result.stderr
    assert '"display_information"' in result.stdout


# --- the organisation file, key by key ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("holidays: [2026-13-25]\n", "holidays[0]:"),
        ("holidays: [2026-02-30]\n", "holidays[0]:"),
        ("holidays: [2026-12-24, !!timestamp 2026-13-25]\n", "not valid YAML"),
        ("holidays: 2026-12-24\n", "holidays:"),
        (
            "members:\n  - {email: a@example.com, time_off: [{start: 2026-07-01, end: 2026-07-32}]}\n",
            "members[0].time_off[0].end:",
        ),
        (
            "members:\n  - {email: a@example.com, time_off: [{start: 2026-07-10, end: 2026-07-01}]}\n",
            "members[0].time_off[0]: time off must end on or after its start",
        ),
        ("members:\n  - {email: a@example.com, time_off: [2026-07-01]}\n", "members[0].time_off[0]:"),
        ("members:\n  - {email: a@example.com, timezone: Europe/Helsingfors}\n", "members[0].timezone: unknown time"),
        ("timezone: 3\n", "timezone:"),
        ("timezone: " + "Europe/" + "x" * 300 + "\n", "timezone: unknown time zone"),
        ("ask_hours: 9\n", "ask_hours:"),
        ("ask_hours: '25:00-26:00'\n", "ask_hours:"),
        ("reminder_after: 24\n", "reminder_after:"),
        ("max_asks_per_week: five\n", "max_asks_per_week:"),
        ("members: aino@example.com\n", "members:"),
        ("teams: 5\n", "teams:"),
        ("fx_rates: {USD: cheap}\n", "fx_rates.USD:"),
        ("schedule: mon 09:00\n", "schedule:"),
        ("score_channels: [C0456]\n", "score_channels[0]:"),
        ("just a sentence\n", "expected a mapping"),
        ("timezone: Europe/Helsinki\n  language: fi\n", "line 2: not valid YAML"),
        ("members: [{email: a@example.com\n", "not valid YAML"),
        ("[" * 5000, "not valid YAML"),
    ],
)
def test_every_kind_of_bad_organisation_file_is_one_line(refused, tmp_path: Path, content: str, expected: str) -> None:
    config = tmp_path / "onescore.yaml"
    config.write_text(content, encoding="utf-8")
    refused(config, expected)


def test_an_organisation_file_that_is_not_utf8_is_one_line(refused, tmp_path: Path) -> None:
    config = tmp_path / "onescore.yaml"
    content = "timezone: Europe/Helsinki\nteams:\n  - {name: myynti, label: Myynti ja hyvä}\n"
    config.write_bytes(content.encode("cp1252"))
    refused(config, "line 3: not UTF-8")


def test_an_organisation_path_that_is_a_directory_is_one_line(refused, tmp_path: Path) -> None:
    config = tmp_path / "onescore.yaml"
    config.mkdir()
    refused(config, "cannot be read")


@pytest.fixture
def refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """`onescore migrate` in-process (a traceback would fail the test as an exception): exit 2, one line."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.db")

    def check(config: Path, expected: str) -> None:
        monkeypatch.setenv("ONESCORE_CONFIG", str(config))
        capsys.readouterr()
        assert main(["migrate"]) == 2
        lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
        assert len(lines) == 1, lines
        assert lines[0].startswith(f"onescore: {config}: "), lines[0]
        assert expected in lines[0]
        assert not (tmp_path / "x.db").exists()

    return check


@pytest.mark.parametrize("content", ["", "# teams come later\n"])
def test_an_empty_organisation_file_means_every_default(tmp_path: Path, content: str) -> None:
    config = tmp_path / "onescore.yaml"
    config.write_text(content, encoding="utf-8")
    assert load_organisation(config, required=True) == Organisation()


def test_a_bom_and_real_dates_are_still_accepted(tmp_path: Path) -> None:
    config = tmp_path / "onescore.yaml"
    config.write_text(
        "holidays: [2026-12-24, '2026-12-25']\n"
        "members:\n  - {email: a@example.com, name: Äijä 🎉, time_off: [{start: 2026-07-01, end: 2026-07-31}]}\n",
        encoding="utf-8-sig",
    )
    result = run(["migrate"], {"ONESCORE_CONFIG": str(config), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert result.returncode == 0, result.stderr
