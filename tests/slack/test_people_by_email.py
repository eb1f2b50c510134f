"""People named by email who are on Slack become members with no file entry, and their first ask
asks "Which team are you in?" before the question."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from bot.settings import Settings
from storage.models import Member
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import payload_body
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET, SlackDriver, button, texts

ROOT = Path(__file__).resolve().parents[2]


def put_deal(slack: SlackDriver, external_id: str = "crm:7", **fields: Any) -> Any:
    body = {
        "name": "Kauppa Äänekoski 🚀",
        "amount": 12000,
        "stage": "won",
        "owner": "aino@example.com",
        "closed_at": "2026-11-24",
        **fields,
    }
    return slack.client.put(f"/api/deals/{external_id}", json=body)


def choose(slack: SlackDriver, user_id: str, message: dict[str, Any], option: dict[str, Any]) -> Any:
    """Pick `option` in the team select of a DM message (`message`: channel, ts, blocks)."""
    payload = {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": "T0FAKE"},
        "api_app_id": "A0APP",
        "token": "verification_token",
        "trigger_id": "trigger.team",
        "team": {"id": "T0FAKE", "domain": "fake"},
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": message["channel"]},
        "channel": {"id": message["channel"], "name": "directmessage"},
        "message": {"type": "message", "ts": message["ts"], "blocks": message["blocks"]},
        "response_url": slack.fake.response_url("team-choice"),
        "actions": [
            {
                "action_id": "member.team",
                "block_id": "team",
                "type": "static_select",
                "selected_option": option,
                "action_ts": "1700000000.000001",
            }
        ],
    }
    return slack.post(payload_body(payload))


def team_select(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    for block in blocks:
        accessory = block.get("accessory") or {}
        if accessory.get("action_id") == "member.team":
            return accessory
    raise AssertionError(f"no team select in {blocks}")


def delivered(slack: SlackDriver, user_id: str) -> dict[str, Any]:
    (sent,) = [c for c in slack.fake.calls("chat.postMessage") if c.args.get("channel") == user_id]
    return {"channel": sent.response["channel"], "ts": sent.response["ts"], "blocks": sent.args["blocks"]}


def test_a_participant_on_slack_becomes_a_member_and_is_asked_their_team_first(slack: SlackDriver) -> None:
    slack.fake.add_user("U0PIRJO", "pirjo@example.com", name="Pirjo Päivärinta")
    response = put_deal(slack, participants=[{"member": "Pirjo@Example.com", "team": "marketing"}])
    assert response.status_code == 201, response.text
    assert [c.args["email"] for c in slack.fake.calls("users.lookupByEmail")] == ["pirjo@example.com"]
    listed = {m["email"]: m for m in slack.client.get("/api/members").json()["members"]}
    assert listed["pirjo@example.com"] | {"platforms": []} == {
        "email": "pirjo@example.com",
        "name": "Pirjo Päivärinta",
        "team": None,
        "role": "member",
        "platforms": [],
        "active": True,
        "source": "platform",
    }

    slack.pump()
    message = delivered(slack, "U0PIRJO")
    shown = texts(message["blocks"])
    assert "Which team are you in?" in shown
    assert not [b for b in message["blocks"] if b.get("type") == "actions"]  # the question follows the choice
    menu = team_select(message["blocks"])
    marketing = next(o for o in menu["options"] if o["value"].endswith(":marketing"))

    assert choose(slack, "U0PIRJO", message, marketing).status_code == 200
    slack.pump()
    with Session(slack.runtime.engine) as session:
        pirjo = session.exec(select(Member).where(Member.email == "pirjo@example.com")).one()
        assert (pirjo.team_source, pirjo.slack_id) == ("self", "U0PIRJO")
    update = slack.fake.calls("chat.update")[-1].args
    assert update["ts"] == message["ts"]
    assert "Which team are you in?" not in texts(update["blocks"])
    assert button(update["blocks"], "ask.answer")
    assert slack.client.get("/api/members").json()["members"][-1]["team"] is not None

    again = choose(slack, "U0PIRJO", message, next(o for o in menu["options"] if o["value"].endswith(":sales")))
    assert again.status_code == 200
    slack.pump()
    with Session(slack.runtime.engine) as session:
        team = session.exec(select(Member).where(Member.email == "pirjo@example.com")).one().team_id
    assert len(slack.fake.calls("chat.update")) == 1  # a second choice changes nothing
    assert team == pirjo.team_id


def test_someone_else_cannot_choose_a_team_on_anothers_ask(slack: SlackDriver) -> None:
    slack.fake.add_user("U0PIRJO", "pirjo@example.com", name="Pirjo")
    put_deal(slack, participants=[{"member": "pirjo@example.com", "team": "marketing"}])
    slack.pump()
    message = delivered(slack, "U0PIRJO")
    option = team_select(message["blocks"])["options"][0]
    assert choose(slack, "U0MIKKO", message, option).status_code == 200
    slack.pump()
    assert not slack.fake.calls("chat.update")
    assert slack.fake.calls("response_url:team-choice")


def test_an_email_nobody_has_is_still_refused(slack: SlackDriver) -> None:
    response = put_deal(slack, owner="nobody@example.com")
    assert response.status_code == 422
    assert "nobody@example.com" in response.text


def test_a_deleted_slack_user_or_a_bot_does_not_become_a_member(slack: SlackDriver) -> None:
    slack.fake.add_user("U0GONE", "gone@example.com", deleted=True)
    slack.fake.add_user("U0ROBOT", "robot@example.com", is_bot=True)
    assert put_deal(slack, owner="gone@example.com").status_code == 422
    assert put_deal(slack, "crm:8", owner="robot@example.com").status_code == 422


def test_a_slack_user_who_uses_onescore_becomes_a_member(slack: SlackDriver) -> None:
    assert slack.command("U0STRANGER", "help").status_code == 200
    listed = {m["email"]: m for m in slack.client.get("/api/members").json()["members"]}
    assert listed["stranger@example.com"]["source"] == "self"
    assert listed["stranger@example.com"]["platforms"] == ["slack"]


def test_import_deals_makes_members_of_the_people_a_file_names_who_are_on_slack(
    fake: FakeSlack, settings: Settings, tmp_path: Path
) -> None:
    fake.add_user("U0PIRJO", "pirjo@example.com", name="Pirjo")
    csv = tmp_path / "deals.csv"
    csv.write_text(
        "external_id;name;amount;stage;owner;participants;closed_at\n"
        "csv:1;Äänekoski;1200,50;won;aino@example.com;pirjo@example.com:marketing;2026-11-20\n"
        "csv:2;Oulu;100;won;nobody@example.com;;2026-11-20\n",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": settings.database_url,
        "ONESCORE_CONFIG": str(settings.config_path),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "import-deals", str(csv)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr  # the stranger's row is refused; Pirjo's is taken
    assert "1 created" in done.stdout and "line 3" in done.stdout and "nobody@example.com" in done.stdout
    assert sorted(c.args["email"] for c in fake.calls("users.lookupByEmail")) == [
        "nobody@example.com",
        "pirjo@example.com",
    ]
