"""The dashboard's pages over HTTP: the scorecard's figures and privacy rule, team history, the deal
list's filters and pages, one deal and who may read its answers, CSV downloads, headers, escaping."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from bot.runtime import Runtime
from tests.web.support import API, HOSTILE, ORG, add_answer, put_deal, sign_in

SECRET = "Nobody but Sanna and admins reads this"


@pytest.fixture
def deals(web: TestClient) -> None:
    put_deal(web, "acme", name="Acme renewal", amount=50000, account="Acme Oy")
    put_deal(web, "hostile", name=HOSTILE, amount=1000, account=f"{HOSTILE} Oy", closed_at="2026-11-24")
    put_deal(web, "beta", name="Beta", stage="lost", amount=700, closed_at="2026-11-24")
    put_deal(web, "older", name="Older", amount=2500, closed_at="2026-10-15", owner="ville@example.com")
    put_deal(web, "open", name="Open one", stage="open", closed_at=None)
    add_answer(web, "acme", "mikko@example.com", "marketing", "Webinaari auttoi 🎉", quotable=True)
    add_answer(web, "acme", "sanna@example.com", "hr", SECRET)
    add_answer(web, "hostile", "olli@example.com", "product", f"<img src=x onerror=alert(1)> {HOSTILE}", quotable=True)


@pytest.fixture
def aino(web: TestClient, runtime: Runtime, deals: None) -> TestClient:
    sign_in(web, runtime, "aino@example.com")
    return web


def test_the_scorecard_shows_the_figures_of_api_scores(aino: TestClient) -> None:
    api = aino.get("/api/scores?period=2026-W48", headers=API).json()
    page = aino.get("/?period=2026-W48")
    assert page.status_code == 200
    assert api["won_revenue"] == 51000.0
    assert "€51,000" in page.text
    assert "Deals won" in page.text and ">2<" in page.text and ">1<" in page.text
    for team in api["teams"]:
        assert f"/teams/{team['team']}?period=2026-W48" in page.text
    assert "Webinaari auttoi 🎉" in page.text  # a quotable highlight
    assert SECRET not in page.text
    assert "<svg" in page.text and "€51,000</td>" in page.text  # the chart, with its number as text


@pytest.mark.parametrize("period", ["2026-11", "2026-Q4", "2026-W47"])
def test_months_and_quarters_too(aino: TestClient, period: str) -> None:
    api = aino.get(f"/api/scores?period={period}", headers=API).json()
    page = aino.get(f"/?period={period}")
    assert page.status_code == 200
    assert f"€{api['won_revenue']:,.0f}" in page.text


@pytest.mark.parametrize("period", ["2026-W60", "nonsense", "0001-Q1", "9999-W52", "2026-13", "<b>"])
def test_a_bad_period_is_a_422_page(aino: TestClient, period: str) -> None:
    page = aino.get("/", params={"period": period})
    assert page.status_code == 422
    assert "is not a period" in page.text
    assert "<b>" not in page.text


def test_team_history_and_its_csv(aino: TestClient) -> None:
    page = aino.get("/teams/marketing?period=2026-W48")
    assert page.status_code == 200 and "Team: Marketing" in page.text
    assert page.text.count('<tr>\n      <th scope="row"><a href="/?period=2026-W') == 12
    download = aino.get("/teams/marketing?period=2026-W48&format=csv")
    assert download.text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(download.text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["period", "currency", "influenced_revenue", "attributed_revenue"]
    assert len(rows) == 13
    week = {t["team"]: t for t in aino.get("/api/scores?period=2026-W48", headers=API).json()["teams"]}["marketing"]
    assert rows[-1][:5] == ["2026-W48", "EUR", "50000.00", f"{week['attributed_revenue']:.2f}", "1"]
    assert aino.get("/teams/HR & training").status_code == 200  # the label names the team too
    assert aino.get("/teams/nobody").status_code == 404


def test_small_teams_are_hidden_exactly_as_in_chat(
    web: TestClient, runtime: Runtime, deals: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime.org = runtime.org.model_copy(update={"min_group_size": 2})
    sign_in(web, runtime, "aino@example.com")
    api = {t["team"]: t for t in web.get("/api/scores?period=2026-W48", headers=API).json()["teams"]}
    page = web.get("/?period=2026-W48").text
    hidden = [name for name, team in api.items() if team["hidden"]]
    assert "marketing" in hidden and not api["sales"]["hidden"]
    assert page.count('colspan="3">hidden</td>') == len(hidden)
    assert "fewer than 2 people" in page
    team_page = web.get("/teams/marketing?period=2026-W48").text
    assert "fewer than 2 people" in team_page and "€50,000" not in team_page


def test_a_hidden_team_is_neither_a_deal_filter_nor_named_beside_a_deals_answers(
    web: TestClient, runtime: Runtime, deals: None
) -> None:
    """Listed deal by deal, a small team's deals and answers would add up to the figures the
    scorecard hides: it cannot be filtered by, and its answers show no team name but to their author."""
    runtime.org = runtime.org.model_copy(update={"min_group_size": 2})
    sign_in(web, runtime, "aino@example.com")
    refused = web.get("/deals?team=marketing&stage=won&format=csv")
    assert refused.status_code == 422 and "too small a team" in refused.text
    assert '<option value="marketing"' not in web.get("/deals").text
    assert '<option value="sales"' in web.get("/deals").text
    deal = web.get("/deals/acme").text
    assert deal.count("A team too small to be named") == 2
    assert "Marketing" not in deal and "HR &amp; training" not in deal
    assert ",marketing," not in web.get("/deals/acme?format=csv").text
    sign_in(web, runtime, "sanna@example.com")
    assert "HR &amp; training" in web.get("/deals/acme").text, "her own answer names her team"


def test_deal_filters_are_read_and_kept_in_the_form(aino: TestClient) -> None:
    def names(query: str) -> set[str]:
        page = aino.get("/deals" + query)
        assert page.status_code == 200, page.text
        return {
            external for external in ("acme", "hostile", "beta", "older", "open") if f'"/deals/{external}"' in page.text
        }

    assert names("") == {"acme", "hostile", "beta", "older", "open"}
    assert names("?stage=won") == {"acme", "hostile", "older"}
    assert names("?stage=won&period=2026-W48") == {"acme", "hostile"}
    assert names("?period=2026-Q4&owner=ville@example.com") == {"older"}
    assert names("?team=marketing") == {"acme"}
    assert names("?team=sales") == {"acme", "hostile", "beta", "older", "open"}  # the owners' team
    assert names("?stage=&period=&team=&owner=") == names("")
    assert '<option value="won" selected>' in aino.get("/deals?stage=won").text


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("?stage=closed", "is not a stage"),
        ("?period=2026-W99", "is not a period"),
        ("?team=legal", "There is no team"),
        ("?page=0", "is not a page number"),
        ("?page=-1", "is not a page number"),
    ],
)
def test_bad_filters_are_422_pages(aino: TestClient, query: str, says: str) -> None:
    page = aino.get("/deals" + query)
    assert page.status_code == 422 and says in page.text


def test_the_deal_list_pages(aino: TestClient) -> None:
    for number in range(55):
        put_deal(aino, f"bulk-{number:02d}", name=f"Bulk {number:02d}", stage="open", closed_at=None)
    first = aino.get("/deals")
    assert "Next page" in first.text and "Previous page" not in first.text
    second = aino.get("/deals?page=2")
    assert "Previous page" in second.text and "Next page" not in second.text
    assert second.text.count('<th scope="row"><a href="/deals/') == 60 - 50
    assert aino.get("/deals?page=3").text.count('<th scope="row"><a href="/deals/') == 0


def test_the_deal_page_shows_answers_by_the_quotable_rule(web: TestClient, runtime: Runtime, deals: None) -> None:
    for email, sees in (
        ("aino@example.com", False),
        ("mikko@example.com", False),
        ("sanna@example.com", True),
        ("ville@example.com", True),
    ):
        web.cookies.clear()
        sign_in(web, runtime, email)
        page = web.get("/deals/acme")
        assert page.status_code == 200
        assert (SECRET in page.text) is sees, email
        assert "Webinaari auttoi 🎉" in page.text
        csv_text = web.get("/deals/acme?format=csv").text
        assert (SECRET in csv_text) is sees, email
    assert "Sinun vastauksesi" not in page.text


def test_the_deal_page_shows_its_asks_by_team_and_status_only(aino: TestClient) -> None:
    aino.portal.call(aino.app.state.ask_loop.pump)  # type: ignore[attr-defined]
    api = aino.get("/api/deals/acme", headers=API).json()
    assert api["asks"]
    page = aino.get("/deals/acme").text
    asks = page.split('id="asks"')[1].split('id="answers"')[0]
    assert asks.count("Waiting for an answer") == sum(1 for ask in api["asks"] if ask["status"] == "pending")
    for ask in api["asks"]:
        assert ask["question"] not in page
    assert "mikko" not in asks.lower() and "Marketing" in asks


def test_hostile_names_and_answers_are_text(aino: TestClient) -> None:
    for path in ("/", "/?period=2026-W48", "/deals", "/deals/hostile"):
        html = aino.get(path).text
        assert "<script>alert(1)</script>" not in html
        assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in aino.get("/deals/hostile").text
    formula = aino.put("/api/deals/formula", json={"name": '=HYPERLINK("x")', "currency": "EUR"}, headers=API)
    assert formula.status_code == 201
    assert "'=HYPERLINK" in aino.get("/deals?format=csv").text


def test_every_page_is_in_the_members_language(web: TestClient, runtime: Runtime, deals: None) -> None:
    sign_in(web, runtime, "mikko@example.com")
    assert "Tuloskortti" in web.get("/").text
    assert "Rajaukset" in web.get("/deals").text
    assert "Vastaukset" in web.get("/deals/acme").text
    assert "Viimeiset 12 jaksoa" in web.get("/teams/sales").text
    assert "50\u00a0000\u00a0€" in web.get("/?period=2026-W48").text


@pytest.mark.parametrize("path", ["/", "/deals", "/deals/acme", "/teams/sales", "/?period=bad", "/deals/none"])
def test_security_headers_on_every_page(aino: TestClient, path: str) -> None:
    headers = aino.get(path).headers
    policy = headers["content-security-policy"]
    assert ("unsafe-inline" not in policy and "script-src" not in policy) or "'none'" in policy
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


def test_the_stylesheet_carries_the_pages_policy_and_may_be_cached(aino: TestClient) -> None:
    headers = aino.get("/static/dashboard.css").headers
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff" and "no-store" not in headers.get("cache-control", "")


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/no/such/page"), ("GET", "/static/none.css"), ("GET", "/api/scores"), ("POST", "/")]
)
def test_whatever_answers_a_request_the_baseline_headers_are_there(web: TestClient, method: str, path: str) -> None:
    """A 404 for a path no route knows, a 405, a refused API call: no response is framed or sniffed."""
    response = web.request(method, path)
    assert response.status_code >= 400
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY" and response.headers["referrer-policy"] == "no-referrer"


def test_the_pages_use_nothing_from_elsewhere_and_no_script(aino: TestClient) -> None:
    for path in ("/", "/deals", "/deals/acme", "/teams/sales"):
        html = aino.get(path).text
        assert "<script" not in html.replace("&lt;script", "")
        assert "http://" not in html and "https://" not in html and "//cdn" not in html
        assert ' style="' not in html
    css = aino.get("/static/dashboard.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]


def test_every_post_form_carries_the_csrf_token(aino: TestClient) -> None:
    for path in ("/", "/deals", "/deals/acme", "/teams/sales"):
        html = aino.get(path).text
        for form in html.split("<form")[1:]:
            if 'method="post"' in form.split(">")[0]:
                assert 'name="csrf"' in form.split("</form>")[0]


def test_csv_downloads_have_a_bom_and_say_what_the_page_shows(aino: TestClient) -> None:
    scorecard = aino.get("/?period=2026-W48&format=csv")
    assert scorecard.headers["content-type"].startswith("text/csv")
    assert scorecard.text == aino.get("/api/scores.csv?period=2026-W48", headers=API).text
    deals = aino.get("/deals?stage=won&format=csv")
    assert deals.text.startswith("\ufeffexternal_id,")
    rows = list(csv.DictReader(io.StringIO(deals.text.lstrip("\ufeff"))))
    assert {row["external_id"] for row in rows} == {"acme", "hostile", "older"}
    assert "attachment" in deals.headers["content-disposition"]


def test_the_organisation_file_has_an_admin() -> None:
    assert "role: admin" in ORG


def test_the_period_picker_steps_back_and_jumps_to_the_running_periods(aino: TestClient) -> None:
    now = aino.get("/").text
    assert 'href="/?period=2026-W48" aria-current="page">This week' in now
    assert 'href="/?period=2026-11">This month' in now and 'href="/?period=2026-Q4">This quarter' in now
    assert 'rel="prev" href="/?period=2026-W47"' in now
    assert 'rel="next"' not in now  # nothing to see after the running week
    earlier = aino.get("/teams/sales?period=2026-10").text
    assert 'rel="prev" href="/teams/sales?period=2026-09"' in earlier
    assert 'rel="next" href="/teams/sales?period=2026-11"' in earlier
