"""The contract between the code and the language files: which keys exist and what each may say.

The code that fills a text and the translator who writes it meet here. Every key lists the
placeholders the code supplies; a template may leave optional ones out (Finnish word order
sometimes reads better without the owner's team) but may not invent others, and may not drop a
required one. Static texts that end up in size-limited chat elements (Slack modal titles and
buttons) carry that limit, so a long translation fails at start-up rather than in Slack's API.
"""

from __future__ import annotations

from dataclasses import dataclass

OUTCOMES = ("won", "lost")
ROLES = ("owner", "participant")
RELATIONS = ("own_team", "about_team")
SECTIONS = ("teams", "questions", "messages")
QUESTION_KEY_MAX = 64  # asks.question_key is VARCHAR(64)

# Slack's limits: modal title, submit and close 24; button and option text 75; placeholder 150.
MODAL_TITLE = 24
BUTTON = 75
PLACEHOLDER = 150
SLACK_CONFIRM_BUTTON = 30  # a confirmation dialog's buttons; its title may take 100


@dataclass(frozen=True)
class Entry:
    """What one key's template may contain: `placeholders` are all the values the code passes."""

    placeholders: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    max_length: int | None = None


def _entry(*required: str, optional: tuple[str, ...] = (), max_length: int | None = None) -> Entry:
    return Entry(frozenset(required) | frozenset(optional), frozenset(required), max_length)


def _question_cases() -> dict[str, Entry]:
    """Every (outcome, role, relation): `about_team` questions must name the team they ask about."""
    optional = ("team", "asked_team", "owner_team")
    cases: dict[str, Entry] = {}
    for outcome in OUTCOMES:
        for role in ROLES:
            for relation in RELATIONS:
                required = ("deal", "team") if relation == "about_team" else ("deal",)
                cases[f"{outcome}.{role}.{relation}"] = _entry(*required, optional=optional)
    return cases


QUESTION_CASES: dict[str, Entry] = _question_cases()


def question_case(key: str) -> str | None:
    """The generic case a question key belongs to: itself, or the key less its `.team` variant."""
    if key in QUESTION_CASES:
        return key
    case, _, variant = key.rpartition(".")
    return case if case in QUESTION_CASES and variant else None


_LABEL = _entry()
_BUTTON = _entry(max_length=BUTTON)

MESSAGES: dict[str, Entry] = {
    "button.answer": _BUTTON,
    "button.decline": _BUTTON,
    "button.decline_lost": _BUTTON,
    "button.not_sure": _BUTTON,
    "button.edit": _BUTTON,
    "modal.title": _entry(max_length=MODAL_TITLE),
    "modal.submit": _entry(max_length=MODAL_TITLE),
    "modal.cancel": _entry(max_length=MODAL_TITLE),
    "modal.helping_team.label": _LABEL,
    "modal.helping_team.label_lost": _LABEL,
    "modal.impact.label": _LABEL,
    "modal.impact.label_lost": _LABEL,
    "modal.text.label": _LABEL,
    "modal.text.label_lost": _LABEL,
    "modal.text.placeholder": _entry(max_length=PLACEHOLDER),
    "modal.quotable.label": _LABEL,
    "modal.quotable.yes": _BUTTON,
    "modal.quotable.hint": _LABEL,
    "impact.none.label": _BUTTON,
    "impact.none.description": _BUTTON,
    "impact.some.label": _BUTTON,
    "impact.some.description": _BUTTON,
    "impact.strong.label": _BUTTON,
    "impact.strong.description": _BUTTON,
    "impact.decisive.label": _BUTTON,
    "impact.decisive.description": _BUTTON,
    "ask.intro.won": _entry("deal"),
    "ask.intro.lost": _entry("deal"),
    "ask.owner": _entry("owner"),
    "ask.answered": _entry("team", "impact"),
    "ask.thanks": _entry("deal"),
    "ask.declined": _entry("deal", optional=("team",)),
    "ask.declined_lost": _entry("deal", optional=("team",)),
    "ask.not_sure": _entry("deal"),
    "ask.edited": _entry("deal"),
    "ask.already_answered": _LABEL,
    "ask.reminder": _entry("deal"),
    "ask.expired": _entry("deal"),
    "ask.not_yours": _LABEL,
    "ask.incomplete": _LABEL,
    "home.pending": _LABEL,
    "home.answered": _LABEL,
    "home.nothing_pending": _LABEL,
    "home.scores_hint": _entry("scores"),
    "help.onescore": _entry("onescore", "teams"),
    "help.scores": _entry("scores"),
    "help.teams": _entry("teams"),
    "scores.usage": _entry("args", "scores"),
    "scores.invalid_period": _entry("args", "scores"),
    "scores.usage_teams": _entry("args"),
    "scores.post_refused": _entry("scores"),
    "scores.posted": _entry("period"),
    "scores.unknown_team": _entry("team", "teams"),
    "scores.post_queued": _entry("period"),
    "scores.post_failed": _entry("period"),
    "join.done": _entry("team"),
    "join.unknown_team": _entry("team", "teams"),
    "join.from_file": _entry("team"),
    "notice.crm_owner_not_member": _entry("crm", "deal", "owner"),
    "notice.crm_owner_without_email": _entry("crm", "deal", "user"),
    "member.unknown": _entry("onescore"),
    "command.unknown": _entry("command", "onescore"),
    "command.unknown_teams": _entry("command"),
    "settings.refused": _LABEL,
    "settings.title": _LABEL,
    "settings.schedule": _entry("schedule", "timezone"),
    "settings.next_run": _entry("when"),
    "settings.next_run_none": _LABEL,
    "settings.channels": _entry("channels"),
    "settings.channel_off": _entry("channel", "platform"),
    "settings.no_channels": _LABEL,
    "settings.attribution": _entry("model"),
    "settings.min_group_size": _entry("min_group_size"),
    "settings.last_post": _entry("period", "when"),
    "settings.edit_hint": _entry("path"),
    "error.generic": _LABEL,
    "deal_modal.title": _entry(max_length=MODAL_TITLE),
    "deal_modal.submit": _entry(max_length=MODAL_TITLE),
    "deal_modal.name": _LABEL,
    "deal_modal.account": _LABEL,
    "deal_modal.amount": _LABEL,
    "deal_modal.currency": _LABEL,
    "deal_modal.stage": _LABEL,
    "deal_modal.stage_open": _BUTTON,
    "deal_modal.stage_won": _BUTTON,
    "deal_modal.stage_lost": _BUTTON,
    "deal_modal.owner": _LABEL,
    "deal_modal.participants": _LABEL,
    "deal_modal.closed_at": _LABEL,
    "deal_modal.saved": _entry("deal"),
    "deal_modal.existing": _LABEL,
    "deal_modal.existing_hint": _LABEL,
    "deal_modal.name_required": _LABEL,
    "deal_modal.close_refused": _LABEL,
    "deal_modal.unknown_member": _entry("onescore"),
    "deal_modal.invalid": _entry("reason"),
    "scorecard.title": _entry("period"),
    "scorecard.title_team": _entry("period", "team"),
    "scorecard.period.week": _entry("week", "year"),
    "scorecard.period.month": _entry("month", "year"),
    "scorecard.period.quarter": _entry("quarter", "year"),
    "scorecard.so_far": _LABEL,
    "scorecard.won_revenue": _LABEL,
    "scorecard.deals_won": _LABEL,
    "scorecard.deals_lost": _LABEL,
    "scorecard.win_rate": _LABEL,
    "scorecard.median_cycle_days": _LABEL,
    "scorecard.collaboration_coverage": _LABEL,
    "scorecard.coverage_hint": _LABEL,
    "scorecard.teams": _LABEL,
    "scorecard.influenced_revenue": _LABEL,
    "scorecard.attributed_revenue": _entry("model"),
    "scorecard.model.equal": _LABEL,
    "scorecard.model.impact_weighted": _LABEL,
    "scorecard.answers": _LABEL,
    "scorecard.team_line": _entry("attributed", "influenced", "answers"),
    "scorecard.answer_rate": _LABEL,
    "scorecard.trend": _LABEL,
    "scorecard.highlights": _LABEL,
    "scorecard.highlight": _entry("text", "team", "deal"),
    "scorecard.team_hidden": _entry("min_group_size"),
    "scorecard.fx_excluded": _entry("count", "currencies"),
    "scorecard.no_deals": _LABEL,
    "scorecard.no_value": _LABEL,
    "scorecard.footer": _LABEL,
    "scorecard.chart.title": _entry("weeks"),
    "scorecard.chart.other_teams": _LABEL,
    "scorecard.chart.unattributed": _LABEL,
    "welcome.teams": _LABEL,
    # The directory: a member's first ask asks their team; admins change a member in /onescore settings
    "directory.which_team": _LABEL,
    "directory.which_team_hint": _LABEL,
    "directory.team_placeholder": _entry(max_length=PLACEHOLDER),
    "directory.team_button": _entry(max_length=BUTTON),
    "directory.team_chosen": _entry("team"),
    "settings.member_usage": _entry("onescore"),
    "settings.member_changed": _entry("email", "team", "role"),
    "settings.member_unknown": _entry("email"),
    "settings.member_file_decides": _entry("email", "fields"),
    "settings.member_bad_value": _entry("value", "choices"),
    # A member's own answers and data (withdraw, snooze, my data, forget me).
    "own.withdraw": _BUTTON,
    "own.withdraw_title": _entry(max_length=SLACK_CONFIRM_BUTTON * 3),
    "own.withdraw_confirm": _LABEL,
    "own.withdraw_yes": _entry(max_length=SLACK_CONFIRM_BUTTON),
    "own.keep": _entry(max_length=SLACK_CONFIRM_BUTTON),
    "own.snooze": _BUTTON,
    "own.snoozed": _entry("date", "time"),
    "mydata.sent": _LABEL,
    "mydata.unknown": _LABEL,
    "forget.confirm": _LABEL,
    "forget.button": _entry(max_length=SLACK_CONFIRM_BUTTON),
    "forget.done": _LABEL,
    "forget.done_in_file": _LABEL,
    # insights: themes of help, lessons of lost deals, corroboration
    "insights.title": _entry("period"),
    "insights.team_heading": _entry("team", "answers", "win_rate"),
    "insights.theme": _entry("label", "answers", "deals", "won_revenue", "win_rate"),
    "insights.example": _entry("text", "deal"),
    "insights.team_hidden": _LABEL,
    "insights.too_few": _LABEL,
    "insights.lost_heading": _LABEL,
    "insights.lesson": _entry("label", "answers"),
    "insights.corroboration_heading": _LABEL,
    "insights.corroboration": _entry("team", "pairs", "agreement"),
    "insights.footer": _entry("min_group_size"),
    "insights.left_out": _entry("onescore"),
    "insights.usage": _entry("args", "onescore"),
    "insights.usage_teams": _entry("args"),
    "insights.weekly_line": _entry("team", "label", "answers", "win_rate"),
}

# The web dashboard: its sign-in link in chat, and the words of its pages.
MESSAGES.update(
    {
        "dashboard.link": _entry("url", "minutes"),
        "dashboard.no_public_url": _LABEL,
        "dashboard.unknown_member": _LABEL,
        "dashboard.personal_only": _LABEL,
        "dashboard.title": _LABEL,
        "dashboard.skip": _LABEL,
        "dashboard.nav.label": _LABEL,
        "dashboard.nav.scorecard": _LABEL,
        "dashboard.nav.deals": _LABEL,
        "dashboard.signed_in_as": _entry("name"),
        "dashboard.sign_out": _LABEL,
        "dashboard.signed_out": _LABEL,
        "dashboard.sign_in.title": _LABEL,
        "dashboard.sign_in.how": _entry("minutes"),
        "dashboard.login.title": _LABEL,
        "dashboard.login.confirm": _entry("name"),
        "dashboard.login.button": _LABEL,
        "dashboard.login.invalid": _LABEL,
        "dashboard.login.throttled": _LABEL,
        "dashboard.error.title": _LABEL,
        "dashboard.error.period": _entry("value"),
        "dashboard.error.stage": _entry("value"),
        "dashboard.error.team": _entry("value"),
        "dashboard.error.team_hidden": _entry("value"),
        "dashboard.error.page": _entry("value"),
        "dashboard.error.form_expired": _LABEL,
        "dashboard.error.no_deal": _LABEL,
        "dashboard.error.no_team": _LABEL,
        "dashboard.error.not_found": _LABEL,
        "dashboard.error.back": _LABEL,
        "dashboard.csv": _LABEL,
        "dashboard.period.label": _LABEL,
        "dashboard.period.hint": _LABEL,
        "dashboard.period.show": _LABEL,
        "dashboard.period.previous": _LABEL,
        "dashboard.period.next": _LABEL,
        "dashboard.period.quick": _LABEL,
        "dashboard.period.this_week": _LABEL,
        "dashboard.period.this_month": _LABEL,
        "dashboard.period.this_quarter": _LABEL,
        "dashboard.figures": _LABEL,
        "dashboard.hidden": _LABEL,
        "dashboard.unattributed": _LABEL,
        "dashboard.not_counted": _entry("count"),
        "dashboard.chart.trend": _LABEL,
        "dashboard.chart.shares": _LABEL,
        "dashboard.chart.team": _LABEL,
        "dashboard.team.title": _entry("team"),
        "dashboard.team.intro": _entry("count"),
        "dashboard.team.share": _LABEL,
        "dashboard.team.share_hint": _LABEL,
        "dashboard.team.all_deals": _LABEL,
        "dashboard.deals.title": _LABEL,
        "dashboard.deals.filters": _LABEL,
        "dashboard.deals.stage": _LABEL,
        "dashboard.deals.team": _LABEL,
        "dashboard.deals.team_hint": _LABEL,
        "dashboard.deals.owner": _LABEL,
        "dashboard.deals.any": _LABEL,
        "dashboard.deals.apply": _LABEL,
        "dashboard.deals.clear": _LABEL,
        "dashboard.deals.none": _LABEL,
        "dashboard.deals.name": _LABEL,
        "dashboard.deals.account": _LABEL,
        "dashboard.deals.amount": _LABEL,
        "dashboard.deals.closed": _LABEL,
        "dashboard.deals.page": _entry("page"),
        "dashboard.deals.next": _LABEL,
        "dashboard.deals.previous": _LABEL,
        "dashboard.stage.open": _LABEL,
        "dashboard.stage.won": _LABEL,
        "dashboard.stage.lost": _LABEL,
        "dashboard.deal.created": _LABEL,
        "dashboard.deal.participants": _LABEL,
        "dashboard.deal.asks": _LABEL,
        "dashboard.deal.asks_none": _LABEL,
        "dashboard.deal.answers": _LABEL,
        "dashboard.deal.answers_none": _LABEL,
        "dashboard.deal.helping_team": _LABEL,
        "dashboard.deal.impact": _LABEL,
        "dashboard.deal.answered": _LABEL,
        "dashboard.deal.text": _LABEL,
        "dashboard.deal.status": _LABEL,
        "dashboard.deal.not_quotable": _LABEL,
        "dashboard.deal.private": _LABEL,
        "dashboard.deal.yours": _LABEL,
        "dashboard.deal.no_team": _LABEL,
        "dashboard.deal.small_team": _LABEL,
        "dashboard.status.pending": _LABEL,
        "dashboard.status.answered": _LABEL,
        "dashboard.status.declined": _LABEL,
        "dashboard.status.not_sure": _LABEL,
        "dashboard.status.expired": _LABEL,
    }
)

# The dashboard's insights page.
MESSAGES.update(
    {
        "dashboard.insights.nav": _LABEL,
        "dashboard.insights.intro": _LABEL,
        "dashboard.insights.period_hint": _LABEL,
        "dashboard.insights.team_filter": _LABEL,
        "dashboard.insights.all_teams": _LABEL,
        "dashboard.insights.team_show": _LABEL,
        "dashboard.insights.answers": _LABEL,
        "dashboard.insights.win_rate": _LABEL,
        "dashboard.insights.themes": _LABEL,
        "dashboard.insights.terms": _LABEL,
        "dashboard.insights.deals": _LABEL,
        "dashboard.insights.won_revenue": _LABEL,
        "dashboard.insights.rates": _LABEL,
        "dashboard.insights.theme_rate": _LABEL,
        "dashboard.insights.team_rate": _LABEL,
        "dashboard.insights.examples": _LABEL,
        "dashboard.insights.no_examples": _LABEL,
        "dashboard.insights.lost_intro": _LABEL,
        "dashboard.insights.corroboration_intro": _LABEL,
        "dashboard.insights.pairs": _LABEL,
        "dashboard.insights.agreement": _LABEL,
        "dashboard.insights.no_pairs": _LABEL,
    }
)
