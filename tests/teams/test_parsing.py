"""What arrives from Teams, read without Teams: typed commands and card clicks in both forms."""

from __future__ import annotations

from handlers.teams.cards import ANSWER, DECLINE, card_action
from handlers.teams.commands import Command, command
from storage.models import Impact


def test_the_bots_own_mention_is_removed_and_words_are_normalised() -> None:
    mention = "<at>OneScore</at>"
    assert command(f"{mention} Scores\u00a0 last\n", [mention]) == Command("scores", ("last",))
    assert command("/help", []) == Command("help", ())
    assert command(mention, [mention]) == Command("help", ())
    assert command(None, []) == Command("help", ())


def test_an_action_submit_value_and_an_action_execute_invoke_read_the_same() -> None:
    inputs = {"team": " Marketing ", "impact": "strong", "text": "Hyvä 👍", "quotable": "true"}
    submitted = card_action({"onescore": ANSWER, "ask_id": "7", **inputs})
    executed = card_action(
        {
            "action": {"type": "Action.Execute", "verb": ANSWER, "data": {"onescore": ANSWER, "ask_id": 7, **inputs}},
            "trigger": "manual",
        }
    )
    assert submitted == executed
    assert submitted is not None
    assert (submitted.ask_id, submitted.team, submitted.impact, submitted.text, submitted.quotable) == (
        7,
        "marketing",
        Impact.STRONG,
        "Hyvä 👍",
        True,
    )
    assert submitted.complete


def test_clicks_that_are_not_ours_or_are_incomplete_are_recognised() -> None:
    assert card_action({"property": "propertyValue"}) is None  # the docs' messageBack example
    assert card_action({"onescore": "ask.delete", "ask_id": 1}) is None
    assert card_action({"onescore": ANSWER, "ask_id": "x"}) is None
    assert card_action("text") is None
    declined = card_action({"onescore": DECLINE, "ask_id": 3})
    assert declined is not None and not declined.complete and declined.quotable is False
    unknown_impact = card_action({"onescore": ANSWER, "ask_id": 3, "team": "sales", "impact": "huge"})
    assert unknown_impact is not None and unknown_impact.impact is None and not unknown_impact.complete
