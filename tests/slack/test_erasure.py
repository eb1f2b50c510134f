"""Forgetting a person, tested against the whole database: after the erasure no table holds their
email, name, chat ids or words, and every scorecard they counted in shows the same figures."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session

import storage.models  # noqa: F401  (every table in the metadata)
from bot.cli import main
from bot.settings import Settings
from storage.models import Answer, Ask, Erasure, Job, Member
from tests.conftest import ORG_YAML
from tests.erasure_scan import rows_holding
from tests.factories import deal_body, participant
from tests.slack.answering import answer_in_slack
from tests.slack.conftest import SlackDriver

MIKKO_WORDS = "Mikon webinaari toi asiakkaan talousjohtajan mukaan 🎯"
PERIODS = ({"week": "2026-W48"}, {"week": "2026-W47"}, {"period": "2026-11"}, {"period": "2026-Q4"})


@pytest.fixture
def org_yaml() -> str:
    return ORG_YAML + "min_group_size: 1\n"


@pytest.fixture
def history(slack: SlackDriver) -> SlackDriver:
    """Two weeks of deals: Mikko helps Aino's deal in W48 (answering in Slack, in his own words),
    owns one in W47 that Aino helped, and has an ask he never answered in W48."""
    put = slack.client.put
    assert put("/api/deals/hubspot:1", json=deal_body()).status_code == 201
    slack.pump()
    answer_in_slack(slack, "U0MIKKO", MIKKO_WORDS)
    answer_in_slack(slack, "U0AINO", "Aino's own words about marketing")
    mikkos = deal_body(
        name="Beta deal",
        owner="mikko@example.com",
        closed_at="2026-11-17",
        participants=[participant("aino@example.com", "sales")],
    )
    assert put("/api/deals/hubspot:2", json=mikkos).status_code == 201
    unanswered = deal_body(name="Gamma", amount=700, closed_at="2026-11-23")
    assert put("/api/deals/hubspot:3", json=unanswered).status_code == 201
    slack.pump()
    answer = {
        "member": "aino@example.com",
        "helping_team": "marketing",
        "impact": "decisive",
        "text": "The deck helped",
    }
    assert slack.client.post("/api/deals/hubspot:2/answers", json=answer).status_code == 201
    slack.pump()
    return slack


def scores(slack: SlackDriver) -> list[dict[str, Any]]:
    cards = [slack.client.get("/api/scores", params=p).json() for p in PERIODS]
    return [{k: v for k, v in card.items() if k != "highlights"} for card in cards]


def mikkos_traces(slack: SlackDriver) -> set[str]:
    """Every string that identifies Mikko, or that he wrote, as stored before the erasure."""
    with Session(slack.runtime.engine) as session:
        mikko = session.exec(select(Member).where(Member.email == "mikko@example.com")).scalar_one()
        refs = [a.message_ref for a in session.exec(select(Ask).where(Ask.member_id == mikko.id)).scalars()]
    channels = {ref["channel"] for ref in refs if ref}
    assert channels, "Mikko's asks were delivered in Slack"
    return {"mikko@example.com", "Mikko", "U0MIKKO", MIKKO_WORDS, *channels}


def jobs_by_owner(slack: SlackDriver) -> tuple[list[int], list[int]]:
    """Ids of the outbound jobs about Mikko's asks, and about everyone else's."""
    with Session(slack.runtime.engine) as session:
        mikko = session.exec(select(Member.id).where(Member.slack_id == "U0MIKKO")).scalar()
        his = set(session.exec(select(Ask.id).where(Ask.member_id == mikko)).scalars())
        jobs = session.exec(select(Job).where(Job.queue == "outbound")).scalars().all()
    about_asks = [j for j in jobs if "ask_id" in j.payload]
    return (
        sorted(j.id for j in about_asks if j.payload["ask_id"] in his),
        sorted(j.id for j in about_asks if j.payload["ask_id"] not in his),
    )


def test_forget_leaves_no_trace_in_any_table_and_every_scorecard_keeps_its_figures(
    history: SlackDriver, caplog: pytest.LogCaptureFixture
) -> None:
    slack = history
    before = scores(slack)
    traces = mikkos_traces(slack)
    assert rows_holding(slack.runtime.engine, traces), "the scan finds Mikko before the erasure"
    highlights = slack.client.get("/api/scores", params={"week": "2026-W48"}).json()["highlights"]
    assert MIKKO_WORDS in [h["text"] for h in highlights]

    mikkos_jobs, others_jobs = jobs_by_owner(slack)
    assert mikkos_jobs and others_jobs

    with caplog.at_level(logging.INFO, logger="bot.people.personal_data"):
        assert slack.client.delete("/api/members/mikko@example.com").status_code == 204

    assert jobs_by_owner(slack) == ([], others_jobs)  # his messages' jobs went, nobody else's

    assert rows_holding(slack.runtime.engine, traces) == []
    assert scores(slack) == before
    dms = len(slack.dms("U0MIKKO"))
    slack.clock.advance(timedelta(days=2))  # past reminder_after: his unanswered ask was expired, not reminded
    slack.pump()
    assert len(slack.dms("U0MIKKO")) == dms
    assert scores(slack)[0] == before[0]
    highlights = slack.client.get("/api/scores", params={"week": "2026-W48"}).json()["highlights"]
    assert MIKKO_WORDS not in [h["text"] for h in highlights]
    assert "Aino's own words about marketing" in [h["text"] for h in highlights]

    with Session(slack.runtime.engine) as session:
        (erasure,) = session.exec(select(Erasure)).scalars().all()
        assert (erasure.kind, erasure.actor) == ("member", "api") and erasure.rows > 5
        answers = session.exec(select(Answer).order_by(Answer.id)).scalars().all()
        assert [(a.helping_team_id, a.impact) for a in answers] == [(2, "strong"), (2, "strong"), (2, "decisive")]
    logged = [r.getMessage() for r in caplog.records if "erasure" in r.getMessage()]
    assert logged == [
        f"erasure {erasure.id}: a member was forgotten at the request of api ({erasure.rows} rows)",
        f"erasure {erasure.id}: the member is still listed in the organisation file; remove them there",
    ]
    assert not any(t in line for t in traces for line in logged)


def test_forgetting_twice_is_a_no_op_and_the_forgotten_have_no_export(history: SlackDriver) -> None:
    client = history.client
    assert client.delete("/api/members/mikko@example.com").status_code == 204
    assert client.delete("/api/members/mikko@example.com").status_code == 204
    assert client.delete("/api/members/nobody@example.com").status_code == 204
    assert client.get("/api/members/mikko@example.com/export").status_code == 404
    with Session(history.runtime.engine) as session:
        assert len(session.exec(select(Erasure)).scalars().all()) == 1


def test_the_export_holds_every_row_about_the_person(history: SlackDriver) -> None:
    response = history.client.get("/api/members/mikko@example.com/export")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    export = response.json()
    assert export["member"]["email"] == "mikko@example.com" and export["member"]["team"] == "marketing"
    assert export["member"]["slack_id"] == "U0MIKKO"
    assert sorted(a["deal"] for a in export["asks"]) == ["hubspot:1", "hubspot:2", "hubspot:3"]
    assert [a["text"] for a in export["answers"]] == [MIKKO_WORDS]
    assert [d["external_id"] for d in export["deals_owned"]] == ["hubspot:2"]
    assert {p["deal"] for p in export["deals_taking_part"]} == {"hubspot:1", "hubspot:3"}
    assert export["conversation_refs"] and export["conversation_refs"][0]["platform"] == "slack"
    assert export["notices_and_messages"], "the queued DMs to him and their updates"


def test_the_export_and_forget_commands(
    history: SlackDriver, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"DATABASE_URL": settings.database_url, "ONESCORE_CONFIG": str(settings.config_path)}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        assert main(["member", "export", "mikko@example.com"]) == 0
        exported = json.loads(capsys.readouterr().out)
        assert [a["text"] for a in exported["answers"]] == [MIKKO_WORDS]  # emoji and ä kept as written

        assert main(["member", "forget", "mikko@example.com"]) == 0
        out = capsys.readouterr()
        assert out.out.startswith("Forgotten: ") and "still listed in" in out.err
        assert main(["member", "forget", "mikko@example.com"]) == 0
        assert "Nobody to forget" in capsys.readouterr().out
        assert main(["member", "export", "mikko@example.com"]) == 1
    with Session(history.runtime.engine) as session:
        assert session.exec(select(Erasure.actor)).scalars().all() == ["cli"]


def test_the_member_data_routes_need_the_token(history: SlackDriver) -> None:
    for method, path in (
        ("GET", "/api/members/mikko@example.com/export"),
        ("DELETE", "/api/members/mikko@example.com"),
    ):
        response = history.client.request(method, path, headers={"Authorization": "Bearer wrong"})
        assert response.status_code == 401
    assert history.client.get("/api/members/Mikko@Example.com/export").status_code == 200  # any case
    assert history.client.get("/api/members/" + "x" * 400 + "/export").status_code == 422
    assert history.client.get("/api/members/a%00b@example.com/export").status_code == 422
    assert history.client.delete("/api/members/a%00b@example.com").status_code == 422
    assert history.client.get("/api/members/ä🎯@example.com/export").status_code == 404
