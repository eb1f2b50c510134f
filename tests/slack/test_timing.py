"""Asks respect people's time: ask hours, the touch rule, one reminder, expiry, reopened deals, old deals.

Driven by the test's clock: the service never reads the wall clock, so a week passes in a blink.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from storage.models import Ask
from tests.conftest import ORG_YAML
from tests.slack.conftest import SlackDriver, button, texts
from tests.slack.test_ask_flow import close_deal, where

TIGHT = ORG_YAML.replace("currency: EUR", "currency: EUR\nmax_asks_per_week: 2\nholidays: [2026-12-07]").replace(
    "{email: sanna@example.com, name: Sanna, team: hr}",
    "{email: sanna@example.com, name: Sanna, team: hr, time_off: [{start: 2026-11-25, end: 2026-11-27}]}",
)


@pytest.fixture
def org_yaml() -> str:
    return TIGHT


def at(slack: SlackDriver, *args: int) -> None:
    slack.clock.set(datetime(*args, tzinfo=UTC))


def statuses(slack: SlackDriver) -> list[str]:
    with Session(slack.runtime.engine) as session:
        return [a.status for a in session.exec(select(Ask).order_by(Ask.id)).all()]


def test_a_deal_closed_in_the_evening_is_asked_about_the_next_working_morning(slack: SlackDriver) -> None:
    at(slack, 2026, 11, 27, 18, 0)  # Friday 20:00 in Helsinki
    close_deal(slack, participants=[])
    slack.pump()
    at(slack, 2026, 11, 29, 12, 0)  # Sunday
    slack.pump()
    assert slack.fake.calls("chat.postMessage") == []
    at(slack, 2026, 11, 30, 7, 0)  # Monday 09:00 in Helsinki
    slack.pump()
    assert len(slack.dms("U0AINO")) == 2  # the touch rule (2 a week) holds the third back


def asked(slack: SlackDriver, user_id: str) -> int:
    """Distinct asks a member received (a reminder repeats an ask, it is not a new one)."""
    return len({button(dm["blocks"], "ask.answer")["value"] for dm in slack.dms(user_id)})


def test_the_touch_rule_makes_extra_asks_wait_for_next_week_never_drops_them(slack: SlackDriver) -> None:
    for n in range(3):
        close_deal(slack, f"d{n}", name=f"Deal {n}")
    slack.pump()
    assert asked(slack, "U0AINO") == 2 and asked(slack, "U0MIKKO") == 2
    at(slack, 2026, 11, 30, 6, 59)
    slack.pump()
    assert asked(slack, "U0AINO") == 2
    at(slack, 2026, 11, 30, 7, 0)  # Monday 09:00 in Helsinki: a new week
    slack.pump()
    assert asked(slack, "U0AINO") == 3 and asked(slack, "U0MIKKO") == 3


def test_time_off_in_the_organisation_file_holds_asks_until_the_member_is_back(slack: SlackDriver) -> None:
    close_deal(slack, participants=[{"member": "sanna@example.com"}])
    slack.pump()
    assert slack.dms("U0SANNA") == []
    at(slack, 2026, 11, 30, 7, 0)
    slack.pump()
    assert len(slack.dms("U0SANNA")) == 1


def test_one_reminder_after_reminder_after_inside_ask_hours_then_expiry_after_a_week(
    slack: SlackDriver,
) -> None:
    at(slack, 2026, 11, 26, 12, 30)  # Thursday 14:30 in Helsinki
    close_deal(slack)
    slack.pump()
    first = slack.dms("U0AINO")[0]
    spot = where(first, slack)

    at(slack, 2026, 11, 27, 12, 29)
    slack.pump()
    assert len(slack.dms("U0AINO")) == 1
    at(slack, 2026, 11, 27, 12, 30)  # 24 h later, Friday 14:30: inside hours
    slack.pump()
    reminder = slack.dms("U0AINO")[1]
    assert "Reminder: a quick question about Acme renewal" in texts(reminder["blocks"])
    assert button(reminder["blocks"], "ask.answer")["value"] == button(first["blocks"], "ask.answer")["value"]

    at(slack, 2026, 11, 28, 12, 30)
    slack.pump()
    assert len(slack.dms("U0AINO")) == 2  # one reminder only

    slack.click("U0AINO", button(reminder["blocks"], "ask.not_sure"), where=spot)
    slack.pump()
    updated = {(c.args["channel"], c.args["ts"]) for c in slack.fake.calls("chat.update")}
    assert len(updated) == 2  # the ask and its reminder both show the outcome

    at(slack, 2026, 12, 3, 12, 30)  # a week after sending: Mikko never answered
    slack.pump()
    assert statuses(slack) == ["not_sure", "expired"]
    mikko_update = [c.args for c in slack.fake.calls("chat.update") if c.args["channel"] == "D0MIKKO"][-1]
    assert "has expired" not in texts(mikko_update["blocks"])  # Mikko reads Finnish
    assert button(slack.dms("U0MIKKO")[0]["blocks"], "ask.answer")
    assert not any(block["type"] == "actions" for block in mikko_update["blocks"])


def test_a_reminder_falling_on_a_weekend_waits_for_monday_morning(slack: SlackDriver) -> None:
    at(slack, 2026, 11, 27, 12, 30)  # Friday 14:30 in Helsinki
    close_deal(slack, participants=[{"member": "mikko@example.com"}])
    slack.pump()
    at(slack, 2026, 11, 28, 12, 30)
    slack.pump()
    at(slack, 2026, 11, 29, 12, 30)
    slack.pump()
    assert len(slack.dms("U0AINO")) == 1
    at(slack, 2026, 11, 30, 7, 0)
    slack.pump()
    assert len(slack.dms("U0AINO")) == 2


def test_nothing_is_sent_for_a_deal_reopened_before_its_asks_went_out(slack: SlackDriver) -> None:
    at(slack, 2026, 11, 27, 18, 0)
    close_deal(slack)
    slack.pump()
    slack.client.put("/api/deals/hubspot:1", json={"stage": "open"})
    at(slack, 2026, 11, 30, 7, 0)
    slack.pump()
    assert slack.fake.calls("chat.postMessage") == []
    assert set(statuses(slack)) == {"expired"}


def test_no_reminder_for_a_deal_reopened_after_its_asks_went_out(slack: SlackDriver) -> None:
    close_deal(slack)
    slack.pump()
    slack.client.put("/api/deals/hubspot:1", json={"stage": "open"})
    slack.clock.advance(timedelta(days=1))
    slack.pump()
    assert len(slack.fake.calls("chat.postMessage")) == 2
    assert set(statuses(slack)) == {"expired"}


def test_deals_that_closed_long_ago_are_not_asked_about(slack: SlackDriver) -> None:
    close_deal(slack, "old", closed_at="2026-10-01")
    close_deal(slack, "recent", closed_at="2026-11-12")
    report = slack.pump()
    assert report.asks_created == 2
    assert {c.args["channel"] for c in slack.fake.calls("chat.postMessage")} == {"U0AINO", "U0MIKKO"}
    assert len(slack.fake.calls("chat.postMessage")) == 2


def test_a_time_zone_learned_from_slack_applies_to_the_members_first_ask(slack: SlackDriver) -> None:
    slack.fake.add_user("U0AINO", "aino@example.com", name="Aino", tz="America/New_York")
    at(slack, 2026, 11, 30, 8, 0)  # Monday 10:00 in Helsinki, 03:00 in New York
    close_deal(slack)
    slack.pump()
    assert slack.dms("U0AINO") == []  # Slack said where Aino is: the ask waits for her morning
    assert len(slack.dms("U0MIKKO")) == 1  # Mikko is in Helsinki

    at(slack, 2026, 11, 30, 13, 59)  # 08:59 in New York
    slack.pump()
    assert slack.dms("U0AINO") == []
    at(slack, 2026, 11, 30, 14, 0)  # 09:00 in New York
    slack.pump()
    assert len(slack.dms("U0AINO")) == 1
    assert len(slack.fake.calls("users.info")) == 2  # each member looked up once


def test_a_reminder_whose_response_was_lost_is_found_in_the_dm_not_sent_twice(slack: SlackDriver) -> None:
    at(slack, 2026, 11, 26, 12, 30)  # Thursday 14:30 in Helsinki
    close_deal(slack, participants=[{"member": "mikko@example.com"}])
    slack.pump()
    at(slack, 2026, 11, 27, 12, 30)  # 24 h later: the reminders are due
    slack.fake.lose_responses("chat.postMessage")  # Slack posts the first reminder; the answer is lost
    slack.pump()
    for _ in range(3):
        slack.clock.advance(timedelta(minutes=1))
        slack.pump()

    in_dm = {channel: sum(1 for c, _ in slack.fake.state.messages if c == channel) for channel in ("D0AINO", "D0MIKKO")}
    assert in_dm == {"D0AINO": 2, "D0MIKKO": 2}  # each: the ask and one reminder
    with Session(slack.runtime.engine) as session:
        refs = [a.message_ref or {} for a in session.exec(select(Ask)).all()]
    assert all(len(ref.get("reminders", [])) == 1 for ref in refs)  # the found reminder is recorded
