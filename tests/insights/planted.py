"""A planted corpus: kinds of help in English and Finnish, spread over people and won and lost deals.

Each group is one kind of help in one language, written by the people named, each answer on a deal
of its own unless it is one of the corroboration pairs (owner and helper on the same deal).
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.factories import member, organisation_yaml

MEMBERS = [
    *(member(name, "sales") for name in ("Aino", "Pekka", "Liisa", "Sakari")),
    *(member(name, "marketing", language="fi") for name in ("Mikko", "Maija", "Matti")),
    *(member(name, "marketing") for name in ("Minna", "Mari")),
    *(member(name, "product") for name in ("Olli", "Outi", "Oskari")),
    member("Sanna", "hr"),
]
ORG = organisation_yaml(
    MEMBERS, ["sales", "marketing", "product", "hr"], timezone="Europe/Helsinki", currency="EUR",
    fx_rates={"USD": 0.92}, min_group_size=3,
)  # fmt: skip


@dataclass(frozen=True)
class Planted:
    group: str
    author: str
    team: str
    text: str
    won: bool = True
    impact: str = "strong"
    quotable: bool = True


WEBINAR_EN = [
    Planted("webinar_en", "aino", "marketing", "The webinar on data security brought their CTO to the table."),
    Planted("webinar_en", "pekka", "marketing", "Two of their buyers attended our webinar and asked for a meeting."),
    Planted("webinar_en", "minna", "marketing", "Our webinar recording answered the questions their board had."),
    Planted("webinar_en", "mari", "marketing", "The webinars gave our champion material for the steering group.",
            won=False),
    Planted("webinar_en", "liisa", "marketing", "They signed up for the webinar series and the trust grew from there."),
    Planted("webinar_en", "sakari", "marketing", "Webinar attendees from the account became our strongest contacts.",
            quotable=False),
]  # fmt: skip
WEBINAR_FI = [
    Planted("webinar_fi", "mikko", "marketing", "Webinaarissa asiakas näki tuotteen toiminnassa."),
    Planted("webinar_fi", "maija", "marketing", "Webinaarin jälkeen he pyysivät tarjouksen."),
    Planted("webinar_fi", "matti", "marketing", "He osallistuivat kahteen webinaariin ennen päätöstä.", won=False),
    Planted("webinar_fi", "mikko", "marketing", "Webinaareista saatu aineisto auttoi päättäjiä."),
    Planted("webinar_fi", "maija", "marketing", "Webinaarin tallenne kiersi heidän johtoryhmässään.", quotable=False),
    Planted("webinar_fi", "matti", "marketing", "Webinaari tietoturvasta avasi keskustelun."),
]  # fmt: skip
CASE_EN = [
    Planted("case_en", "pekka", "marketing", "The case study of a similar retailer made the difference."),
    Planted("case_en", "liisa", "marketing", "We shared two case studies from their own industry.", won=False),
    Planted("case_en", "minna", "marketing", "A customer case study showed the payback period clearly."),
    Planted("case_en", "mari", "marketing", "Case studies with real numbers convinced the finance director.",
            won=False),
    Planted("case_en", "sakari", "marketing", "The logistics case study matched their situation exactly."),
]  # fmt: skip
CASE_FI = [
    Planted("case_fi", "mikko", "marketing", "Asiakascase samalta toimialalta vakuutti heidät."),
    Planted("case_fi", "maija", "marketing", "Lähetimme kaksi asiakascasea referenssiksi."),
    Planted("case_fi", "matti", "marketing", "Asiakascasen luvut näyttivät takaisinmaksuajan.", won=False),
    Planted("case_fi", "mikko", "marketing", "Asiakascaset ja referenssit rakensivat luottamusta."),
]  # fmt: skip
PODCAST = [  # only two people: never a theme of its own
    Planted("podcast", "minna", "marketing", "Our podcast episode with their industry analyst got them curious."),
    Planted("podcast", "mari", "marketing", "The podcast interview was shared inside their company."),
    Planted("podcast", "minna", "marketing", "They quoted our podcast in the first call."),
    Planted("podcast", "mari", "marketing", "A podcast listener referred them to us."),
]  # fmt: skip
DEMO_PRODUCT = [  # the product team is hidden on the scorecard (complementary suppression covers hr)
    Planted("demo", "olli", "product", "The live demo of the reporting module won them over."),
    Planted("demo", "outi", "product", "A tailored demo with their own data did it."),
    Planted("demo", "oskari", "product", "The demo showed the integration working."),
    Planted("demo", "aino", "product", "Product's demo answered every technical question."),
]  # fmt: skip
PRICE_LOST = [
    Planted("price_lost", "aino", "marketing", "A clearer price comparison against the competitor's price.", won=False,
            impact="none"),
    Planted("price_lost", "pekka", "marketing", "Price was the issue: a comparison of total price would have helped.",
            won=False, impact="none"),
    Planted("price_lost", "liisa", "marketing", "Their price expectations were lower; a price calculator might help.",
            won=False, impact="none"),
    Planted("price_lost", "sakari", "marketing", "We lost on price, a price benchmark sheet earlier.", won=False,
            impact="none"),
]  # fmt: skip
PLANTED = WEBINAR_EN + WEBINAR_FI + CASE_EN + CASE_FI + PODCAST + DEMO_PRODUCT + PRICE_LOST
