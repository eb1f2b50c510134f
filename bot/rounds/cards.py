"""Asks as a member sees them: the deal, the question and every word around it, in their language.

Platforms render `AskCard`s and never choose words themselves, so Slack and Teams say the same
thing in the same language.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from bot.organisation import Organisation
from bot.people.profile import MemberProfile, member_profile
from bot.ports import AnswerShown, AskCard, TeamChoice
from bot.rounds.own_answers import can_snooze
from prompts import deal_intro, format_money, message, team_label
from prompts.formats import format_clock, format_date
from storage.models import Answer, Ask, AskStatus, Deal, DealClose, Member, Team

CARD_MESSAGES = (
    "button.answer",
    "button.decline",
    "button.decline_lost",
    "button.not_sure",
    "button.edit",
    "modal.title",
    "modal.submit",
    "modal.cancel",
    "modal.helping_team.label",
    "modal.helping_team.label_lost",
    "modal.impact.label",
    "modal.impact.label_lost",
    "modal.text.label",
    "modal.text.label_lost",
    "modal.text.placeholder",
    "modal.quotable.label",
    "modal.quotable.yes",
    "modal.quotable.hint",
    "ask.already_answered",
    "ask.not_yours",
    "impact.none.label",
    "impact.none.description",
    "impact.some.label",
    "impact.some.description",
    "impact.strong.label",
    "impact.strong.description",
    "impact.decisive.label",
    "impact.decisive.description",
    "own.withdraw",
    "own.withdraw_title",
    "own.withdraw_confirm",
    "own.withdraw_yes",
    "own.keep",
    "own.snooze",
)
TEAM_QUESTION_MESSAGES = (
    "directory.which_team",
    "directory.which_team_hint",
    "directory.team_placeholder",
    "directory.team_button",
)
DEAL_MESSAGES = ("ask.thanks", "ask.not_sure", "ask.edited", "ask.reminder", "ask.expired")


def ask_card(session: Session, ask: Ask, org: Organisation, profile: MemberProfile | None = None) -> AskCard:
    member = session.get(Member, ask.member_id)
    deal = session.get(Deal, ask.deal_id)
    assert member is not None and deal is not None
    language = (profile or member_profile(session, member, org)).language
    outcome = _outcome(session, ask, deal)
    owner = session.get(Member, deal.owner_id) if deal.owner_id else None
    teams = session.exec(select(Team).order_by(col(Team.id))).all()
    configured = {t.name for t in org.teams}
    choices = tuple(TeamChoice(t.name, team_label(language, t.name, t.label)) for t in teams if t.name in configured)
    labels = {c.name: c.label for c in choices}
    helping = next((t.name for t in teams if t.id == ask.helping_team_id), None)
    amount = format_money(language, deal.amount_cents / 100, deal.currency) if deal.amount_cents is not None else None
    answer = session.exec(select(Answer).where(Answer.ask_id == ask.id)).first()

    texts = {key: message(language, key) for key in CARD_MESSAGES}
    texts |= {key: message(language, key, deal=deal.name) for key in DEAL_MESSAGES}
    texts["intro"] = deal_intro(
        language, outcome, deal.name, account=deal.account, amount=amount, owner=owner.name if owner else None
    )
    team_text = labels.get(helping or "", helping or "")
    texts["ask.declined"] = message(language, "ask.declined", deal=deal.name, team=team_text)
    texts["ask.declined_lost"] = message(language, "ask.declined_lost", deal=deal.name, team=team_text)
    shown = None
    if answer is not None:
        answer_team = next((t for t in teams if t.id == answer.helping_team_id), None)
        team_name = answer_team.name if answer_team else ""
        shown = AnswerShown(team_name, labels.get(team_name, team_name), answer.impact, answer.text, answer.quotable)
        impact_label = message(language, f"impact.{answer.impact}.label")
        texts["ask.answered"] = message(language, "ask.answered", team=shown.helping_team_label, impact=impact_label)

    asks_team = member.team_id is None and ask.status == AskStatus.PENDING.value and bool(choices)
    if asks_team:
        texts |= {key: message(language, key) for key in TEAM_QUESTION_MESSAGES}
    if ask.snoozed_until is not None:
        texts["own.snoozed"] = _snoozed_text(
            language, ask.snoozed_until, profile or member_profile(session, member, org)
        )
    return AskCard(
        ask_id=ask.id,  # type: ignore[arg-type]
        language=language,
        status=ask.status,
        outcome=outcome,
        question=ask.question,
        deal_name=deal.name,
        account=deal.account,
        amount=amount,
        owner_name=owner.name if owner else None,
        helping_team=helping,
        teams=choices,
        texts=texts,
        answer=shown,
        asks_team=asks_team,
        can_snooze=can_snooze(ask),
        snoozed=ask.snoozed_until is not None,
    )


def _snoozed_text(language: str, due: datetime, profile: MemberProfile) -> str:
    """When the snoozed ask comes back, on the member's own clock."""
    local = due.astimezone(profile.calendar.zone)
    return message(
        language, "own.snoozed", date=format_date(language, local.date()), time=format_clock(language, local.time())
    )


def _outcome(session: Session, ask: Ask, deal: Deal) -> str:
    close = session.get(DealClose, ask.close_id) if ask.close_id else None
    if close is not None:
        return close.outcome
    return deal.stage if deal.stage in ("won", "lost") else "won"


def member_asks(
    session: Session, member_id: int, org: Organisation, *, answered_limit: int = 10
) -> tuple[list[AskCard], list[AskCard]]:
    """(pending, recently answered) asks of a member that were delivered, newest first, for a home view."""
    delivered = select(Ask).where(Ask.member_id == member_id, col(Ask.sent_at).is_not(None))
    pending = session.exec(
        delivered.where(Ask.status == AskStatus.PENDING.value).order_by(col(Ask.sent_at).desc())
    ).all()
    answered = session.exec(
        delivered.where(Ask.status == AskStatus.ANSWERED.value)
        .order_by(col(Ask.updated_at).desc())
        .limit(answered_limit)
    ).all()
    member = session.get(Member, member_id)
    profile = member_profile(session, member, org) if member is not None else None
    return [ask_card(session, a, org, profile) for a in pending], [ask_card(session, a, org, profile) for a in answered]
