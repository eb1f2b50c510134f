"""`onescore crm check` against the fake CRM API: one line per configured CRM, OK or what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from tests.crm.support import HUBSPOT_SECRET, PIPEDRIVE_PASSWORD, PIPEDRIVE_USER, PUBLIC_URL, SALESFORCE_ORG
from tests.fakes.crm_api import HUBSPOT_TOKEN, PIPEDRIVE_TOKEN, FakeCrm

CRM_VARIABLES = (
    "ONESCORE_PUBLIC_URL",
    "HUBSPOT_CLIENT_SECRET",
    "HUBSPOT_ACCESS_TOKEN",
    "HUBSPOT_API_URL",
    "PIPEDRIVE_WEBHOOK_USER",
    "PIPEDRIVE_WEBHOOK_PASSWORD",
    "PIPEDRIVE_API_TOKEN",
    "PIPEDRIVE_API_URL",
    "SALESFORCE_ORG_ID",
)


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake_crm: FakeCrm, fake_crm_url: str) -> dict:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in CRM_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    values = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'onescore.db'}",
        "ONESCORE_CONFIG": str(tmp_path / "absent.yaml"),
        "ONESCORE_PUBLIC_URL": PUBLIC_URL,
        "HUBSPOT_CLIENT_SECRET": HUBSPOT_SECRET,
        "HUBSPOT_ACCESS_TOKEN": HUBSPOT_TOKEN,
        "HUBSPOT_API_URL": fake_crm_url,
        "PIPEDRIVE_WEBHOOK_USER": PIPEDRIVE_USER,
        "PIPEDRIVE_WEBHOOK_PASSWORD": PIPEDRIVE_PASSWORD,
        "PIPEDRIVE_API_TOKEN": PIPEDRIVE_TOKEN,
        "PIPEDRIVE_API_URL": fake_crm_url,
        "SALESFORCE_ORG_ID": SALESFORCE_ORG,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def run_check(capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    code = main(["crm", "check"])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def test_every_configured_crm_is_ok(environment: dict, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = run_check(capsys)
    assert code == 0
    assert [line.split(":")[0] for line in lines] == ["hubspot", "pipedrive", "salesforce"]
    assert all(line.split(": ", 1)[1].startswith("OK, ") for line in lines), lines
    assert "2 deal pipeline(s), 3 closing stage(s)" in lines[0]
    assert f"{PUBLIC_URL}/webhooks/hubspot" in lines[0]
    assert "api@example.com in Acme" in lines[1]
    assert "00D5w000004qGTO" in lines[2]


def test_each_problem_is_named_on_its_crms_line(
    environment: dict, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", "revoked")
    monkeypatch.setenv("PIPEDRIVE_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("SALESFORCE_ORG_ID", "00D5w000004qGTOAAA")
    code, lines, _ = run_check(capsys)
    assert code == 1
    assert lines[0] == "hubspot: HUBSPOT_ACCESS_TOKEN was refused (HTTP 401): the token is wrong, expired or revoked"
    assert lines[1].startswith("pipedrive: cannot reach http://127.0.0.1:9/v1/users/me")
    assert lines[2].startswith("salesforce: SALESFORCE_ORG_ID '00D5w000004qGTOAAA' is not an organisation id")


def test_a_missing_scope_and_missing_variables_are_named(
    environment: dict, monkeypatch: pytest.MonkeyPatch, fake_crm: FakeCrm, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_crm.fail("/crm/v3/owners", status=403)
    monkeypatch.delenv("PIPEDRIVE_WEBHOOK_PASSWORD")
    monkeypatch.delenv("SALESFORCE_ORG_ID")
    code, lines, _ = run_check(capsys)
    assert code == 1
    assert "lacks a permission (HTTP 403)" in lines[0] and "crm.objects.owners.read" in lines[0]
    assert lines[1] == "pipedrive: PIPEDRIVE_WEBHOOK_PASSWORD not set (see docs/crm.md)"
    assert len(lines) == 2  # Salesforce is not configured at all


def test_with_no_crm_configured_it_says_so(
    environment: dict, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in CRM_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    code, lines, err = run_check(capsys)
    assert (code, lines) == (1, [])
    assert "No CRM is configured" in err
