"""The scorecard in Block Kit: the outcome first, then how it was reached, the trend, a few quotes.

Everyone sees the same layout — in `/scores`, in a lead's `/scores post` and in the weekly post.
Slack's limits (50 blocks, 3000 characters of section text, 10 fields of 2000) are met by
construction; quoted answers are split over several sections when long, never shortened.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.periods import Period
from bot.scoring.scorecard import TeamScore
from bot.scoring.view import ScorecardView, period_name, scorecard_title
from handlers.slack.blocks import MESSAGE_BLOCKS, SECTION_TEXT, Block, context, escape, plain
from prompts import format_money, format_number, message

HEADER_TEXT = 150
FIELD_TEXT = 2000


def scorecard_blocks(view: ScorecardView) -> list[Block]:
    blocks: list[Block] = [{"type": "header", "text": plain(scorecard_title(view), HEADER_TEXT)}]
    blocks.extend(_headline(view))
    blocks.append({"type": "divider"})
    blocks.extend(_how_it_was_reached(view))
    blocks.extend(_trend(view))
    blocks.extend(_highlights(view))
    blocks.extend(_not_counted(view))
    if view.insight_line:
        blocks.append(context(escape(view.insight_line)))
    blocks.append(context(message(view.language, "scorecard.footer")))
    if len(blocks) > MESSAGE_BLOCKS:
        blocks = [*blocks[: MESSAGE_BLOCKS - 1], blocks[-1]]
    return blocks


def _headline(view: ScorecardView) -> list[Block]:
    card, language = view.scorecard, view.language
    if card.deals_won == 0 and card.deals_lost == 0:
        return [_section(message(language, "scorecard.no_deals"))]
    figures = [
        ("scorecard.won_revenue", format_money(language, card.won_revenue, card.currency)),
        ("scorecard.deals_won", format_number(language, card.deals_won)),
        ("scorecard.deals_lost", format_number(language, card.deals_lost)),
        ("scorecard.win_rate", view.percent(card.win_rate)),
        ("scorecard.median_cycle_days", view.days(card.median_cycle_days)),
    ]
    return [_fields(view, figures)]


def _how_it_was_reached(view: ScorecardView) -> list[Block]:
    card, language = view.scorecard, view.language
    blocks = [
        _fields(
            view,
            [
                ("scorecard.collaboration_coverage", view.percent(card.collaboration_coverage)),
                ("scorecard.answer_rate", view.percent(card.answer_rate)),
            ],
        ),
        context(message(language, "scorecard.coverage_hint")),
    ]
    if card.teams:
        model = message(language, f"scorecard.model.{card.attribution}")
        heading = (
            f"*{escape(message(language, 'scorecard.teams'))}* · "
            f"{escape(message(language, 'scorecard.attributed_revenue', model=model))}"
        )
        lines = [heading, *(_team_line(view, team) for team in card.teams)]
        if card.unattributed_revenue and view.team is None:
            no_team = escape(message(language, "scorecard.chart.unattributed"))
            lines.append(f"_{no_team}_ – {format_money(language, card.unattributed_revenue, card.currency)}")
        blocks.extend(_section(text) for text in _chunks(lines))
    return blocks


def _team_line(view: ScorecardView, team: TeamScore) -> str:
    language, currency = view.language, view.scorecard.currency
    name = f"*{escape(view.team_label(team.team))}*"
    if team.hidden:
        return f"{name} – _{escape(message(language, 'scorecard.team_hidden', min_group_size=view.min_group_size))}_"
    figures = message(
        language,
        "scorecard.team_line",
        attributed=view.money(team.attributed_revenue, currency),
        influenced=view.money(team.influenced_revenue, currency),
        answers=format_number(language, team.answers or 0),
    )
    return f"{name} – {escape(figures)}"


def _trend(view: ScorecardView) -> list[Block]:
    card, language = view.scorecard, view.language
    if not card.trend:
        return []
    lines = [f"*{escape(message(language, 'scorecard.trend'))}*"]
    for point in card.trend:
        name = period_name(Period.parse(point.period), language)
        won = format_money(language, point.won_revenue, card.currency)
        rate = view.percent(point.win_rate)
        lines.append(f"{escape(name)}: {won} · {escape(message(language, 'scorecard.win_rate'))} {rate}")
    return [_section("\n".join(lines))]


def _highlights(view: ScorecardView) -> list[Block]:
    card, language = view.scorecard, view.language
    if not card.highlights:
        return []
    blocks = [_section(f"*{escape(message(language, 'scorecard.highlights'))}*")]
    for highlight in card.highlights:
        quote = message(
            language,
            "scorecard.highlight",
            text=highlight.text,
            team=view.team_label(highlight.team),
            deal=highlight.deal,
        )
        quoted = ">" + escape(quote).replace("\n", "\n>")
        for piece in _pieces(quoted, SECTION_TEXT - 1):
            blocks.append(_section(piece if piece.startswith(">") else ">" + piece))
    return blocks


def _not_counted(view: ScorecardView) -> list[Block]:
    missing = [entry for entry in view.scorecard.not_counted if entry.reason == "no_fx_rate"]
    if not missing:
        return []
    currencies = ", ".join(sorted({entry.currency for entry in missing}))
    return [context(escape(message(view.language, "scorecard.fx_excluded", count=len(missing), currencies=currencies)))]


def _fields(view: ScorecardView, figures: list[tuple[str, str]]) -> Block:
    return {
        "type": "section",
        "fields": [
            {"type": "mrkdwn", "text": f"*{escape(message(view.language, key))}*\n{value}"[:FIELD_TEXT]}
            for key, value in figures
        ],
    }


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _chunks(lines: list[str]) -> Iterator[str]:
    """Lines joined into section texts within Slack's limit; a longer line is split, not cut."""
    current = ""
    for line in lines:
        for piece in _pieces(line, SECTION_TEXT):
            candidate = f"{current}\n{piece}" if current else piece
            if current and utf16_len(candidate) > SECTION_TEXT:
                yield current
                candidate = piece
            current = candidate
    if current:
        yield current


def _pieces(text: str, limit: int) -> Iterator[str]:
    """`text` in consecutive pieces of at most `limit` UTF-16 units (Slack's own measure), cut at a
    line break or space near the end when there is one, and never inside an `&amp;`-style entity."""
    while utf16_len(text) > limit:
        cut = _longest_prefix(text, limit)
        soft = max(text.rfind("\n", 0, cut), text.rfind(" ", 0, cut))
        if soft > cut - 200:
            cut = soft + 1
        entity = text.rfind("&", 0, cut)
        if entity > cut - 6 and ";" not in text[entity:cut]:
            cut = entity
        yield text[:cut]
        text = text[cut:]
    if text:
        yield text


def _longest_prefix(text: str, limit: int) -> int:
    used = 0
    for index, char in enumerate(text):
        used += utf16_len(char)
        if used > limit:
            return index
    return len(text)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
