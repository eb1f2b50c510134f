"""The dashboard's `/insights` page over HTTP on the planted corpus: the figures of `/api/insights`,
the privacy rules (hidden teams, non-quotable answers), the refusals, the CSV and the Finnish page."""

from __future__ import annotations

import csv
import html
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.runtime import Runtime
from bot.settings import Settings
from handlers.web.render import Words
from tests.insights.conftest import post_answer, put_deal
from tests.insights.planted import DEMO_PRODUCT, PLANTED
from tests.web.support import HOSTILE, PUBLIC_URL, sign_in

NOT_QUOTABLE = [answer.text for answer in PLANTED if not answer.quotable]
PERIODS = ("2026-Q4", "2026-11")
EN = Words("en")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"public_url": PUBLIC_URL})


@pytest.fixture
def aino(planted: TestClient, runtime: Runtime) -> TestClient:
    sign_in(planted, runtime, "aino@example.com")
    return planted


def page(client: TestClient, **params: str) -> str:
    response = client.get("/insights", params=params)
    assert response.status_code == 200, response.text
    return response.text


def api(client: TestClient, **params: str) -> dict[str, Any]:
    response = client.get("/api/insights", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def theme_blocks(text: str) -> dict[str, str]:
    """Each theme's part of the page, by its label (the heading it starts with)."""
    blocks = text.split('<li class="theme">')[1:]
    found = {}
    for block in blocks:
        heading = re.search(r"<h[34]>(.*?)</h[34]>", block)
        assert heading, block
        found[html.unescape(heading.group(1))] = block.split("</li>")[0]
    return found


def team_block(text: str, label: str) -> str:
    [block] = [part for part in text.split('<section class="insights-team"')[1:] if f">{label}</h2>" in part]
    return block.split("</section>")[0]


def test_without_a_session_the_page_is_401(planted: TestClient) -> None:
    response = planted.get("/insights?period=2026-Q4")
    assert response.status_code == 401
    assert "/onescore dashboard" in response.text
    assert "webinar" not in response.text.lower()


@pytest.mark.parametrize("period", PERIODS)
def test_the_figures_are_those_of_api_insights(aino: TestClient, period: str) -> None:
    body = api(aino, period=period)
    text = page(aino, period=period)
    blocks = theme_blocks(text)
    themes = [(entry, theme) for entry in body["teams"] for theme in entry["themes"]]
    assert len(themes) >= 3 and len(blocks) == len(themes) + len(body["lost_lessons"])
    for entry, theme in themes:
        block = blocks[theme["label"]]
        assert f"<dd>{theme['answers']}</dd>" in block and f"<dd>{theme['deals']}</dd>" in block
        assert f"<dd>{EN.money(Decimal(str(theme['won_revenue'])), 'EUR')}</dd>" in block
        rates = re.findall(r'<td class="value">([^<]*)</td>', block)
        assert rates == [EN.percent(theme["win_rate"]), EN.percent(entry["win_rate"])]  # theme, then the team's
        widths = re.findall(r'class="fill[^"]*" x="0" y="0" width="([\d.]+)"', block)
        assert [float(width) for width in widths] == [
            round(theme["win_rate"] * 100, 1),
            round(entry["win_rate"] * 100, 1),
        ]
        assert all(f'<span class="tag">{html.escape(term)}</span>' in block for term in theme["terms"])
        for example in theme["examples"]:
            assert f"<p>{html.escape(example['text'])}</p>" in block
    marketing = team_block(text, "Marketing")
    figures = next(entry for entry in body["teams"] if entry["team"] == "marketing")
    assert f"<dd>{figures['answers']}</dd>" in marketing and f"<dd>{EN.percent(figures['win_rate'])}</dd>" in marketing
    for lesson in body["lost_lessons"]:
        assert f"<dd>{lesson['answers']}</dd>" in blocks[lesson["label"]]
    corroboration = text.split('class="data stack corroboration"')[1]
    assert '<td class="num" data-label="Owner–helper pairs">4</td>' in corroboration
    assert '<td class="num" data-label="Agree within one step">50%</td>' in corroboration
    assert "No pairs yet" in corroboration  # sales: nobody rated sales from both sides


def test_the_default_is_this_month_so_far(aino: TestClient) -> None:
    chosen = page(aino, period="2026-11").replace("?period=2026-11&amp;format=csv", "?format=csv")
    assert page(aino) == chosen
    assert '<a href="/insights?period=2026-11" aria-current="page">This month</a>' in chosen


@pytest.mark.parametrize(
    "params", [{"period": "2026-Q4"}, {"period": "2026-11"}, {"period": "2026-Q4", "team": "marketing"}]
)
def test_a_non_quotable_answer_is_never_on_the_page(aino: TestClient, params: dict[str, str]) -> None:
    text = page(aino, **params)
    assert "webinar" in text.lower()
    for private in NOT_QUOTABLE:
        assert private not in text and html.escape(private) not in text


def test_hidden_teams_stay_hidden(aino: TestClient) -> None:
    """product and hr are hidden on the scorecard (hr has one member): their words and figures too."""
    for params in ({"period": "2026-Q4"}, {"period": "2026-Q4", "team": "product"}):
        text = page(aino, **params)
        product = team_block(text, "Product")
        assert "too few people" in product and "<dd>" not in product
        assert "demo" not in text.lower()
        assert not any(answer.text in text for answer in DEMO_PRODUCT)
    corroboration = page(aino, period="2026-Q4").split('class="data stack corroboration"')[1]
    assert corroboration.count('colspan="2">hidden</td>') == 2


def test_one_team(aino: TestClient) -> None:
    text = page(aino, period="2026-Q4", team="Marketing")
    assert text.count('<section class="insights-team"') == 1 and ">Marketing</h2>" in text
    assert '<option value="marketing" selected>' in text
    assert 'href="/insights?period=2026-Q3&amp;team=marketing"' in text  # stepping keeps the team
    assert '<input type="hidden" name="team" value="marketing">' in text


@pytest.mark.parametrize("period", ["2026-Q5", "soon", "0001-Q1", "<b>"])
def test_a_bad_period_is_a_422_page(aino: TestClient, period: str) -> None:
    response = aino.get("/insights", params={"period": period})
    assert response.status_code == 422
    assert "is not a period" in response.text and "<b>" not in response.text


def test_an_unknown_team_is_a_404_page(aino: TestClient) -> None:
    response = aino.get("/insights", params={"period": "2026-Q4", "team": "<i>finance</i>"})
    assert response.status_code == 404
    assert "There is no such team." in response.text and "<i>" not in response.text


def test_too_few_answers_is_said_plainly(client: TestClient, runtime: Runtime) -> None:
    sign_in(client, runtime, "aino@example.com")
    text = page(client, period="2026-Q4")
    assert text.count("Too few answers this period to tell kinds of help apart.") == 3  # sales, marketing, lost
    assert '<li class="theme">' not in text


def test_the_csv_holds_what_the_page_shows(aino: TestClient) -> None:
    body = api(aino, period="2026-Q4")
    download = aino.get("/insights?period=2026-Q4&format=csv")
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert download.text.startswith("\ufeff")
    assert 'filename="onescore-insights-2026-Q4.csv"' in download.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(download.text.lstrip("\ufeff"))))
    themes = [row for row in rows if row["kind"] == "theme"]
    expected = [(entry, theme) for entry in body["teams"] for theme in entry["themes"]]
    assert [row["label"] for row in themes] == [theme["label"] for _entry, theme in expected]
    for row, (entry, theme) in zip(themes, expected, strict=True):
        assert (int(row["answers"]), int(row["deals"])) == (theme["answers"], theme["deals"])
        assert Decimal(row["won_revenue"]) == Decimal(str(theme["won_revenue"])) and row["currency"] == "EUR"
        assert float(row["win_rate"]) == theme["win_rate"] and float(row["team_win_rate"]) == entry["win_rate"]
    hidden = {row["team"]: row for row in rows if row["kind"] == "team"}
    assert hidden["product"]["hidden"] == "true" and hidden["product"]["answers"] == ""
    [marketing] = [row for row in rows if row["kind"] == "corroboration" and row["team"] == "marketing"]
    assert (marketing["pairs"], marketing["agreement"]) == ("4", "0.5")
    assert len([row for row in rows if row["kind"] == "lost_lesson"]) == len(body["lost_lessons"])
    assert not any(private in download.text for private in NOT_QUOTABLE)
    assert "demo" not in download.text.lower()


def test_the_finnish_page(planted: TestClient, runtime: Runtime) -> None:
    sign_in(planted, runtime, "mikko@example.com")
    body = api(planted, period="2026-Q4")
    text = page(planted, period="2026-Q4")
    assert '<html lang="fi">' in text
    assert "Havainnot · " in text and "Ovatko kaupan omistajat ja auttajat samaa mieltä?" in text
    assert ">Havainnot</a>" in text  # the nav
    fi = Words("fi")
    finnish = next(theme for entry in body["teams"] for theme in entry["themes"] if "webinaari" in theme["terms"])
    block = theme_blocks(text)[finnish["label"]]
    assert f"<dd>{fi.money(Decimal(str(finnish['won_revenue'])), 'EUR')}</dd>" in block
    assert fi.percent(finnish["win_rate"]) in block and "Tällä avulla" in block


def test_answers_are_escaped(aino: TestClient) -> None:
    for index, author in enumerate(("minna", "mari", "liisa")):
        post_answer(aino, f"p{index}", author, "marketing", "decisive", f"Our webinar {HOSTILE} won it 🎉", True)
    text = page(aino, period="2026-Q4")
    assert HOSTILE not in text and html.escape(HOSTILE) in text
    assert "🎉" in text


def test_a_very_long_example_is_cut_short(aino: TestClient) -> None:
    """A quarter whose only answers are six stories of the longest length an answer may have, three
    about the webinar's recording and three about its slides: whichever rank the themes give them,
    every example shown is one of them, cut short."""
    stories = {
        kind: (f"Our webinar {kind} " + f"and the webinar {kind} once more " * 700)[:20_000]
        for kind in ("recording", "slides")
    }
    authors = {"recording": ("minna", "mari", "liisa"), "slides": ("pekka", "aino", "sakari")}
    for kind, people in authors.items():
        for author in people:
            deal = f"long-{kind}-{author}"
            put_deal(aino, deal, "aino", None, won=True, closed_at="2026-08-10")
            post_answer(aino, deal, author, "marketing", "decisive", stories[kind], True)
    text = page(aino, period="2026-Q3")
    quoted = re.findall(r"<blockquote><p>(.*?)</p></blockquote>", text, flags=re.S)
    assert len(quoted) == 4, quoted  # two themes, two examples each
    assert all(quote.endswith("…") and len(html.unescape(quote)) <= 600 for quote in quoted)
    assert all(story not in text for story in stories.values())
