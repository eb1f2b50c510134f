"""Everything the bot sends fits Slack's limits, however long the deal name or the answer."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ports import AskCard, TeamChoice
from handlers.slack.blocks import ESCAPES, answer_modal, bold, escape, fit
from prompts import message
from tests.slack.block_limits import BROKEN_ENTITY, payload_problems, units, view_problems
from tests.slack.conftest import SlackDriver, button
from tests.slack.test_ask_flow import close_deal, where
from tests.slack.test_trust_and_retries import answer_values

LONG_NAME = ("Äänekosken Öljy & <Voima> 🚀🙌🏽 " * 700)[:20_000]
LONG_ANSWER = ("Webinaari sai talousjohtajan mukaan – kiitos 🙌🏽! & <b> " * 60)[:3000]
HOME = {"type": "app_home_opened", "user": "U0AINO", "channel": "D0AINO", "tab": "home", "event_ts": "1.1"}

untrusted = st.text(alphabet=st.sampled_from("a ä&<>🚀*_~\n"), max_size=120)


@settings(max_examples=200, deadline=None)
@given(text=untrusted, limit=st.integers(min_value=8, max_value=80))
def test_fit_never_cuts_inside_an_escape_and_stays_within_the_limit(text: str, limit: int) -> None:
    fitted = fit(escape(text), limit)
    assert units(fitted) <= limit
    assert not BROKEN_ENTITY.search(fitted), fitted
    assert ESCAPES.sub("", fitted).count("&") == 0  # every & left is a whole escape


@settings(max_examples=200, deadline=None)
@given(text=untrusted.filter(str.strip), limit=st.integers(min_value=8, max_value=80))
def test_bold_keeps_both_marks_whatever_is_cut(text: str, limit: int) -> None:
    marked = bold(text, limit)
    assert marked.startswith("*") and marked.endswith("*") and units(marked) <= limit
    assert not BROKEN_ENTITY.search(marked)


def test_a_cut_right_after_an_ampersand_does_not_leave_half_an_escape() -> None:
    assert fit(escape("ab & cd"), 6) == "ab…"
    assert bold("x" * 10 + ">", 14) == "*xxxxxxxxxx…*"


def test_the_checker_refuses_what_slack_refuses() -> None:
    """The one checker every test relies on: it must catch each limit, or it proves nothing."""
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    empty_select = {
        "type": "input",
        "label": {"type": "plain_text", "text": "Team"},
        "element": {"type": "static_select", "action_id": "value", "options": []},
    }
    long_button = {
        "type": "actions",
        "elements": [{"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "b" * 76}}],
    }
    header = {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}
    cut = {"type": "section", "text": {"type": "mrkdwn", "text": "*Acme &g…"}}
    divider = {"type": "divider"}
    assert payload_problems("chat.postMessage", {"text": "t" * 4001})
    assert payload_problems("chat.postMessage", {"text": "t", "blocks": [divider] * 51})
    for block in (section, empty_select, long_button, header, cut):
        assert payload_problems("chat.postMessage", {"text": "t", "blocks": [block]}), block
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "t" * 25}, "blocks": [divider]}
    assert view_problems(modal)
    assert view_problems({"type": "home", "blocks": [divider] * 101})
    assert not view_problems({"type": "home", "blocks": [divider] * 100})


def a_card(teams: tuple[TeamChoice, ...], helping_team: str | None) -> AskCard:
    texts = {
        key: message("en", key)
        for key in (
            "button.answer",
            "modal.title",
            "modal.submit",
            "modal.cancel",
            "modal.helping_team.label",
            "modal.impact.label",
            "modal.text.label",
            "modal.text.placeholder",
            "modal.quotable.label",
            "modal.quotable.hint",
            "modal.quotable.yes",
        )
    }
    texts |= {f"impact.{i}.{part}": message("en", f"impact.{i}.{part}") for i in IMPACTS for part in PARTS}
    return AskCard(
        ask_id=1,
        language="en",
        status="pending",
        outcome="won",
        question=f"How did marketing help win {LONG_NAME}?",
        deal_name=LONG_NAME,
        account=None,
        amount=None,
        owner_name=None,
        helping_team=helping_team,
        teams=teams,
        texts={**texts, "intro": f"Deal won: {LONG_NAME}"},
    )


IMPACTS = ("none", "some", "strong", "decisive")
PARTS = ("label", "description")


def test_the_answer_form_with_no_teams_configured_offers_the_team_the_ask_is_about() -> None:
    view = answer_modal(a_card((), "marketing"), {})
    assert view_problems(view) == []
    team = next(b for b in view["blocks"] if b.get("block_id") == "team")["element"]
    assert [o["value"] for o in team["options"]] == ["marketing"]
    assert team["initial_option"]["value"] == "marketing"


def test_the_answer_form_with_no_team_at_all_has_no_empty_select() -> None:
    view = answer_modal(a_card((), None), {})
    assert view_problems(view) == []
    assert all(b.get("block_id") != "team" for b in view["blocks"])


def test_a_20000_character_finnish_emoji_deal_and_a_long_answer_fit_everywhere_they_are_shown(
    slack: SlackDriver,
) -> None:
    close_deal(slack, name=LONG_NAME)
    slack.pump()
    slack.clock.advance(timedelta(hours=24, minutes=1))  # Thursday noon in Helsinki: the reminder
    slack.pump()
    dms = slack.dms("U0AINO")
    assert len(dms) == 2, [c.method for c in slack.fake.calls(ok_only=False)]
    assert all(units(dm["text"]) <= 4000 for dm in dms)

    slack.click("U0AINO", button(dms[1]["blocks"], "ask.answer"), where=where(dms[1], slack))
    view = slack.fake.calls("views.open")[-1].args["view"]
    slack.submit("U0AINO", view, answer_values(view, LONG_ANSWER), view_id="V1")
    slack.pump()
    slack.event(HOME, event_id="EvHome")
    edit = button(slack.fake.calls("chat.update")[-1].args["blocks"], "ask.edit")
    slack.click("U0AINO", edit, where=where(dms[0], slack))

    assert slack.fake.state.violations == []
    assert slack.client.get("/api/deals/hubspot:1").json()["answers"][0]["text"] == LONG_ANSWER
    assert len(slack.fake.calls("views.publish")) == 1 and len(slack.fake.calls("views.open")) == 2
