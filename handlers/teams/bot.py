"""The bot's turns: installs, commands, and clicks on ask cards, each handed to the same core as Slack.

Every turn first works out who is speaking (`_speaker`) and remembers where they can be reached,
so the first ask can be sent proactively. Writes are short transactions run in a worker thread;
card updates after an answer go through the durable outbound queue (`wake`), like in Slack.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity, ChannelAccount, Entity
from msrest.exceptions import HttpOperationError
from sqlmodel import Session

from bot.errors import InputError, NotFound
from bot.insights.request import InsightsView, answer_insights_request
from bot.people.team_choice import choose_team
from bot.rounds.answer_form import FormErrors, read_answer_form
from bot.rounds.answers import AnswerForm, AskAction, NotYourAsk, act_on_ask
from bot.rounds.cards import ask_card as ask_view
from bot.runtime import Runtime
from bot.scoring.request import ScoresCommand, ScoresRefusal, ScoresShown, answer_scores_request
from bot.scoring.view import scorecard_summary
from handlers.teams.cards import CardAction, Element, ask_card, card_action, card_message, team_choice
from handlers.teams.commands import HELP, INSIGHTS, SCORES, command
from handlers.teams.conversations import Address, TeamsUser, remember_channel, remember_person
from handlers.teams.dashboard import DASHBOARD, send_dashboard_link
from handlers.teams.directory import find_member, language_for, member_by_ids
from handlers.teams.insights_card import insights_card
from handlers.teams.my_data import forget_confirmation, forget_me, is_forget_click, send_my_data, wanted
from handlers.teams.scorecard_card import scorecard_card
from prompts import message, team_label
from storage.db import run_transaction, session_scope
from storage.models import Ask, Member

log = logging.getLogger(__name__)

PERSONAL = "personal"
CARD_RESPONSE = "application/vnd.microsoft.card.adaptive"
MESSAGE_RESPONSE = "application/vnd.microsoft.activity.message"
ADAPTIVE_CARD_ACTION = "adaptiveCard/action"
TEAMS_SCORES = ScoresCommand(name=SCORES, usage_key="scores.usage_teams", posting=False)
"""Teams reads the same words as Slack's `/scores` but does not post: `scores post` gets the usage line."""


@dataclass(frozen=True)
class Speaker:
    user: TeamsUser
    member_id: int | None
    language: str


@dataclass(frozen=True)
class ActionResult:
    """What a card click leaves: the ask's card as it is now, or a note for the person (then no card)."""

    card: Element | None = None
    note: str | None = None


class OneScoreBot(ActivityHandler):
    def __init__(self, runtime: Runtime, wake: Callable[[], None]) -> None:
        self.runtime = runtime
        self.wake = wake

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        choice = team_choice(activity.value)
        if choice is not None:
            result = await self._choose_team(turn_context, *choice)
            if result.note:
                await turn_context.send_activity(result.note)
            return
        action = card_action(activity.value)
        if action is not None:
            result = await self._act(turn_context, action)
            if result.note:
                await turn_context.send_activity(result.note)
            return
        if is_forget_click(activity.value):
            speaker = await self._speaker(turn_context)
            await forget_me(turn_context, self.runtime, speaker.member_id, speaker.language)
            return
        if activity.value is not None and not (activity.text or "").strip():
            return  # a click on some other card: nothing of ours to do
        await self._command(turn_context)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        """An `Action.Execute` click: Teams shows the card returned here in place of the clicked one.
        Any other invoke (a feature this bot does not offer) gets a plain 200, as Bot Framework bots are
        expected to answer, rather than botbuilder's 501."""
        if turn_context.activity.name != ADAPTIVE_CARD_ACTION:
            return InvokeResponse(status=200)
        choice = team_choice(turn_context.activity.value)
        action = card_action(turn_context.activity.value)
        if choice is not None:
            result = await self._choose_team(turn_context, *choice)
        else:
            result = await self._act(turn_context, action) if action is not None else ActionResult(note="")
        if result.card is None:
            return _invoke_answer(MESSAGE_RESPONSE, result.note or "")
        return _invoke_answer(CARD_RESPONSE, result.card)

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        """The app installed: in a personal chat, remember the person and welcome them; in a team, the channel."""
        activity = turn_context.activity
        added = [m.id for m in _present(activity.members_added, ChannelAccount)]
        if activity.recipient is None or activity.recipient.id not in added:
            return
        if _conversation_type(activity) == PERSONAL:
            speaker = await self._speaker(turn_context)
            await turn_context.send_activity(message(speaker.language, "welcome.teams"))
            return
        await asyncio.to_thread(self._remember_channel, activity)
        log.info("teams: added to channel %s", _channel_id(activity))

    async def _command(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        speaker = await self._speaker(turn_context)
        if _conversation_type(activity) != PERSONAL:
            await asyncio.to_thread(self._remember_channel, activity)
        said = command(activity.text, _own_mentions(activity))
        language = speaker.language
        if said.name == HELP:
            teams = ", ".join(team_label(language, t.name, t.label) for t in self.runtime.org.teams)
            await turn_context.send_activity(message(language, "help.teams", teams=teams))
        elif said.name == SCORES:
            await self._scores(turn_context, said.args, speaker)
        elif wanted(said.name, said.args) == "my data":
            await send_my_data(turn_context, self.runtime, speaker.member_id, language)
        elif wanted(said.name, said.args) == "forget me":
            await turn_context.send_activity(forget_confirmation(language))
        elif said.name == DASHBOARD:
            personal = _conversation_type(activity) == PERSONAL
            await send_dashboard_link(turn_context, self.runtime, speaker.member_id, language, personal=personal)
        elif said.name == INSIGHTS:
            await self._insights(turn_context, said.args, speaker)
        else:
            await turn_context.send_activity(message(language, "command.unknown_teams", command=said.name))

    async def _scores(self, turn_context: TurnContext, args: tuple[str, ...], speaker: Speaker) -> None:
        """The scorecard asked for, read by the core with the same words as Slack's `/scores`; Teams does
        not post, so no role is needed."""
        reply = await asyncio.to_thread(
            answer_scores_request,
            self.runtime,
            " ".join(args),
            role=None,
            language=speaker.language,
            command=TEAMS_SCORES,
        )
        if isinstance(reply, ScoresShown):
            view = reply.view
            await turn_context.send_activity(card_message(scorecard_card(view), scorecard_summary(view)))
        elif isinstance(reply, ScoresRefusal):
            await turn_context.send_activity(message(speaker.language, reply.key, **reply.values))

    async def _insights(self, turn_context: TurnContext, args: tuple[str, ...], speaker: Speaker) -> None:
        """What the answers say, read by the core with the same words as Slack's `/onescore insights`."""
        reply = await asyncio.to_thread(
            answer_insights_request,
            self.runtime,
            " ".join(args),
            language=speaker.language,
            usage_key="insights.usage_teams",
        )
        if isinstance(reply, InsightsView):
            await turn_context.send_activity(card_message(insights_card(reply), reply.summary))
        else:
            await turn_context.send_activity(message(speaker.language, reply.key, **reply.values))

    async def _act(self, turn_context: TurnContext, action: CardAction) -> ActionResult:
        """Answer, decline or pass on an ask through the core; only the person asked may."""
        speaker = await self._speaker(turn_context)
        language = speaker.language
        form = self._answer_form(action) if action.action is AskAction.ANSWER else None
        if isinstance(form, FormErrors):
            return ActionResult(note=message(language, "ask.incomplete"))
        try:
            changed = await asyncio.to_thread(self._apply, action, form, speaker.member_id)
        except (NotYourAsk, NotFound):
            return ActionResult(note=message(language, "ask.not_yours"))
        except InputError:
            return ActionResult(note=message(language, "ask.incomplete"))
        if changed:
            self.wake()
        card = await asyncio.to_thread(self._card, action.ask_id)
        return ActionResult(card=card)

    async def _choose_team(self, turn_context: TurnContext, ask_id: int, team: str) -> ActionResult:
        """ "Which team are you in?" answered on an ask card; the card then shows the question."""
        speaker = await self._speaker(turn_context)
        runtime = self.runtime
        now = runtime.now()
        try:
            changed = await asyncio.to_thread(
                run_transaction,
                runtime.engine,
                lambda session: choose_team(session, runtime.org, ask_id, speaker.member_id, team, now),
            )
        except (NotYourAsk, NotFound):
            return ActionResult(note=message(speaker.language, "ask.not_yours"))
        except InputError:
            return ActionResult(note=message(speaker.language, "directory.which_team"))
        if changed:
            self.wake()
        return ActionResult(card=await asyncio.to_thread(self._card, ask_id))

    def _answer_form(self, action: CardAction) -> AnswerForm | FormErrors:
        """The card's inputs, read by the core; any error is shown as one note (a card has no field errors)."""
        return read_answer_form(
            self.runtime.org, helping_team=action.team, impact=action.impact, text=action.text, quotable=action.quotable
        )

    def _apply(self, action: CardAction, form: AnswerForm | None, member_id: int | None) -> bool:
        """Whether anything changed (a repeated click changes nothing)."""
        now = self.runtime.now()
        return run_transaction(
            self.runtime.engine,
            lambda s: act_on_ask(
                s, action.ask_id, member_id, action.action, form=form, org=self.runtime.org, source="teams", now=now
            ),
        )

    def _card(self, ask_id: int) -> Element:
        with Session(self.runtime.engine) as session:
            ask = session.get(Ask, ask_id)
            assert ask is not None
            return ask_card(ask_view(session, ask, self.runtime.org))

    async def _speaker(self, turn_context: TurnContext) -> Speaker:
        """Who sent this activity, as a member when OneScore knows them; where they are is remembered."""
        activity = turn_context.activity
        user = _user(activity)
        member = await asyncio.to_thread(self._known, user)
        if member is None:
            user = await _with_email(turn_context, user)
        return await asyncio.to_thread(self._remember, activity, user)

    def _known(self, user: TeamsUser) -> Member | None:
        with Session(self.runtime.engine) as session:
            return member_by_ids(session, user)

    def _remember(self, activity: Activity, user: TeamsUser) -> Speaker:
        personal = _conversation_type(activity) == PERSONAL
        address = _address(activity)

        def work(session: Session) -> Speaker:
            member = find_member(session, user)
            if member is not None:
                remember_person(session, member, user, address, self.runtime.now(), personal=personal)
            return Speaker(user, member.id if member else None, language_for(session, member, user, self.runtime.org))

        return run_transaction(self.runtime.engine, work)

    def _remember_channel(self, activity: Activity) -> None:
        channel_data = _object(activity.channel_data)
        channel = _object(channel_data.get("channel"))
        with session_scope(self.runtime.engine) as session:
            remember_channel(
                session,
                _channel_id(activity),
                _address(activity),
                self.runtime.now(),
                team_id=_text(_object(channel_data.get("team")).get("id")) or _text(channel_data.get("teamsTeamId")),
                name=_text(channel.get("name")) or _text(activity.conversation.name),
                team_name=_text(_object(channel_data.get("team")).get("name")),
            )


def _invoke_answer(kind: str, value: object) -> InvokeResponse:
    """The body Teams expects for `adaptiveCard/action`: a card to show, or a message to toast."""
    return InvokeResponse(status=200, body={"statusCode": 200, "type": kind, "value": value})


def _user(activity: Activity) -> TeamsUser:
    sender = activity.from_property
    return TeamsUser(
        user_id=sender.id,
        aad_object_id=getattr(sender, "aad_object_id", None),
        name=sender.name,
        locale=activity.locale,
        timezone=activity.local_timezone or _client_timezone(activity),
    )


def _client_timezone(activity: Activity) -> str | None:
    for entity in _present(activity.entities, Entity):
        if entity.type == "clientInfo":
            return _text(_object(entity.additional_properties).get("timezone"))
    return None


async def _with_email(turn_context: TurnContext, user: TeamsUser) -> TeamsUser:
    """The user with the email from the conversation's member info (None when Teams won't say).

    botbuilder reads the activity's own `channelData.team` to choose where to ask, indexing it as it
    finds it, so an activity of odd shape surfaces here as KeyError or AttributeError too."""
    try:
        info = await TeamsInfo.get_member(turn_context, user.user_id)
    except (HttpOperationError, TypeError, ValueError, KeyError, AttributeError) as exc:
        log.info("teams: no member info for %s: %s", user.user_id, exc)
        return user
    email = (info.email or info.user_principal_name or "").strip().lower() or None
    return TeamsUser(
        user_id=user.user_id,
        aad_object_id=user.aad_object_id or info.aad_object_id,
        name=user.name or info.name,
        email=email,
        locale=user.locale,
        timezone=user.timezone,
    )


def _conversation_type(activity: Activity) -> str:
    conversation = activity.conversation
    return (conversation.conversation_type if conversation else None) or PERSONAL


def _tenant_id(activity: Activity) -> str | None:
    tenant = _object(_object(activity.channel_data).get("tenant"))
    return _text(tenant.get("id")) or _text(activity.conversation.tenant_id if activity.conversation else None)


def _address(activity: Activity) -> Address:
    return Address(
        service_url=activity.service_url,
        conversation_id=activity.conversation.id,
        tenant_id=_tenant_id(activity),
        bot_id=activity.recipient.id if activity.recipient else None,
    )


def _channel_id(activity: Activity) -> str:
    """The channel itself, not the thread (`19:…@thread.tacv2;messageid=…`) a message was posted in."""
    channel_data = _object(activity.channel_data)
    channel = _object(channel_data.get("channel"))
    return (
        _text(channel.get("id"))
        or _text(channel_data.get("teamsChannelId"))
        or activity.conversation.id.split(";", 1)[0]
    )


def _own_mentions(activity: Activity) -> list[str]:
    """The texts of the @mentions of this bot (`<at>OneScore</at>`), to be removed from the command."""
    found = []
    for entity in _present(activity.entities, Entity):
        extra = _object(entity.additional_properties)
        mentioned = _object(extra.get("mentioned"))
        if entity.type == "mention" and activity.recipient and mentioned.get("id") == activity.recipient.id:
            found.append(_text(extra.get("text")) or "")
    return [text for text in found if text]


Item = TypeVar("Item")


def _present(values: list[Any] | None, kind: type[Item]) -> list[Item]:
    """The entries of a list in an activity that are what they should be: JSON allows `[null]`, and
    botbuilder passes such an entry on as None."""
    return [value for value in values or [] if isinstance(value, kind)]


def _object(value: object) -> dict[str, Any]:
    """A part of an activity that should be an object; anything else (a fuzzer's string, a list) counts as empty."""
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str | None:
    """A part of an activity that should be text: ids and names of any other type are treated as absent."""
    return value if isinstance(value, str) and value else None
