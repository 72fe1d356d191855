"""The grounded readers, each on its own, on briefs written for these tests (never the dev set's)."""

from __future__ import annotations

import datetime

from services.generator.domain.brief import Brief
from services.generator.domain.brief_parser import understand
from services.generator.domain.readers import read_brief
from services.generator.domain.readers.source import Source

PASTED = Brief(
    client_name="Fjordline Cycles AS",
    brand_name="Fjordline",
    raw_brief_text=(
        "Hi team, notes from the call with Ingrid.\n"
        "Fjordline rents e-bikes by the month to commuters in Oslo and Bergen, from NOK 499 a month.\n"
        "Budget is NOK 400,000 for the spring \u2013 sorry, Ingrid corrected me: NOK 450,000.\n"
        "We have 1,200 subscribers now and want 3,000 subscribers by 30 June 2027.\n"
        "People compare us with Bolt Rent and Vélo Max, who are much cheaper at NOK 299 a month.\n"
        "All ads in Norwegian and English. Never say 'free' anywhere, and no TikTok please."
    ),
)


def test_every_value_points_at_the_words_it_came_from() -> None:
    reading = read_brief(PASTED, with_type=False)
    source = reading.source
    for grounded in (reading.budget, *reading.goals, *reading.competitors, *reading.prices):
        assert grounded is not None and grounded.span is not None
        assert source.text[grounded.span.start : grounded.span.end] == grounded.span.text


def test_a_value_nobody_wrote_is_refused() -> None:
    source = Source(PASTED)
    assert source.ground("NOK 450,000") is not None
    assert source.ground("NOK 900,000") is None


def test_the_corrected_budget_wins() -> None:
    reading = read_brief(PASTED, with_type=False)
    assert reading.budget is not None
    assert (reading.budget.value.value, reading.budget.value.currency) == (450_000, "NOK")


def test_the_target_not_the_current_figure() -> None:
    reading = read_brief(PASTED, with_type=False)
    numbers = [g.value.number for g in reading.goals]
    assert 3000 in numbers and 1200 not in numbers


def test_a_rivals_price_is_not_the_clients() -> None:
    reading = read_brief(PASTED, with_type=False)
    prices = [g.value.value for g in reading.prices]
    assert 499 in prices and 299 not in prices


def test_competitors_in_prose() -> None:
    names = [g.value for g in read_brief(PASTED, with_type=False).competitors]
    assert "Bolt Rent" in names and "Vélo Max" in names and "Fjordline" not in names


def test_market_currency_and_languages() -> None:
    places = read_brief(PASTED, with_type=False).places
    assert places.countries[0].value == "NO"
    assert places.currency is not None and places.currency.value == "NOK"
    assert {g.value for g in places.languages} >= {"Norwegian", "English"}


def test_a_market_outside_the_vocabulary_gets_its_own_currency_and_language() -> None:
    brief = Brief(client_name="Seoul Bites", brand_name="Bites",
                  raw_brief_text="Our snack bar chain sells in Busan and Daegu, South Korea. Budget ₩30,000,000.")  # fmt: skip
    u = understand(brief)
    assert u.countries[0] == "KR" and u.currency == "KRW"
    assert u.budget is not None and u.budget.currency.code == "KRW" and u.budget.amount == 30_000_000
    assert "Korean" in u.languages


def test_no_goal_is_invented() -> None:
    brief = Brief(client_name="Quiet Co", brand_name="Quiet",
                  raw_brief_text="We run a small bakery in Leeds. Budget £8,000 over two months.")  # fmt: skip
    assert understand(brief).objectives == ()


def test_the_kind_of_business_is_read_by_meaning() -> None:
    brief = Brief(
        client_name="Harbour Hospice",
        brand_name="Harbour Hospice",
        raw_brief_text=(
            "We are a local hospice charity. We need more people to become regular monthly donors and to "
            "sign up for our sponsored walk in May; last year's appeal raised money from 900 supporters."
        ),
    )
    assert understand(brief).business_type == "nonprofit_fundraising"


def test_the_report_quotes_the_brief_it_was_given() -> None:
    u = understand(PASTED)
    assert any("NOK 450,000" in s for s in u.statements)


def test_a_model_value_without_its_words_in_the_brief_is_dropped() -> None:
    from services.generator.domain.readers.model_reading import ground

    answer = {
        "product": None, "market": None, "audience": None, "languages": [], "channels_ruled_out": [],
        "budget": {"amount": "NOK 450,000", "quote": "Ingrid corrected me: NOK 450,000"},
        "objectives": [{"target": "3,000", "metric": "subscribers", "quote": "want 3,000 subscribers by 30 June 2027"}],
        "competitors": [
            {"name": "Bolt Rent", "quote": "People compare us with Bolt Rent"},
            {"name": "Citybike", "quote": "Citybike is the leader"},  # words that are not in the brief
            {"name": "Vélo Max", "quote": "People compare us with Bolt Rent"},  # the name is not in its quote
        ],
        "business_type": "b2c_subscription",
    }  # fmt: skip
    grounding = ground(PASTED, answer)
    assert "competitor: Citybike" in grounding.dropped and "competitor: Vélo Max" in grounding.dropped
    assert grounding.brief.metadata["competitors"] == "Bolt Rent"
    assert grounding.brief.budget == "Ingrid corrected me: NOK 450,000"
    u = understand(grounding.brief)
    assert u.budget is not None and u.budget.amount == 450_000
    assert "Citybike" not in u.competitor_names


def test_a_field_the_operator_typed_wins_over_the_model() -> None:
    from dataclasses import replace

    from services.generator.domain.readers.model_reading import ground

    typed = replace(PASTED, budget="NOK 500,000")
    answer = {"budget": {"amount": "NOK 450,000", "quote": "Ingrid corrected me: NOK 450,000"}}
    assert ground(typed, answer).brief.budget == "NOK 500,000"


def _flagship_report(brief: Brief) -> str:
    """The flagship report the offline composer writes for `brief`, in lower case."""
    from services.generator.composer.offline import compose_section
    from services.generator.domain.packages import get_package

    flagship = get_package("strategy_campaign_standard")
    return "\n".join(compose_section(spec, brief, flagship) for spec in flagship.sections).lower()


def test_a_charity_gets_a_fundraising_plan_not_a_shop_or_a_clinic() -> None:
    from services.generator.domain.understanding import BusinessModel

    brief = Brief(
        client_name="Millbrook Community Pantry",
        brand_name="Millbrook Pantry",
        industry="Charity",
        raw_brief_text=(
            "We are a volunteer-run charity that gives emergency food parcels to families in Millbrook. "
            "We need more people to donate every month: we have 300 monthly donors and want 600 by 30 June 2027. "
            "Our sponsored walk on 12 May 2027 is our biggest fundraising day. Budget is £15,000."
        ),
    )
    u = understand(brief)
    assert u.business_type == "nonprofit_fundraising" and u.business_model is BusinessModel.NONPROFIT
    report = _flagship_report(brief)
    assert "regular givers" in report and "donors" in report
    for wrong in ("add to cart", "checkout", "free trial", "unboxing", "booked appointments", "first order"):
        assert wrong not in report, wrong


def test_a_council_scheme_gets_a_public_service_plan() -> None:
    from services.generator.domain.understanding import BusinessModel

    brief = Brief(
        client_name="Harwick District Council",
        brand_name="Warm Homes Harwick",
        raw_brief_text=(
            "The council offers residents a free home insulation grant. Many households who qualify never apply. "
            "We want 1,200 completed applications by 31 March 2027. Information evenings at the library and "
            "local radio work well here. Budget £40,000."
        ),
    )
    u = understand(brief)
    assert u.business_type == "public_sector" and u.business_model is BusinessModel.PUBLIC_SECTOR
    report = _flagship_report(brief)
    assert "completed applications" in report and "residents" in report
    for wrong in ("return on spend", "add to cart", "discount code", "shoppers", "buy now"):
        assert wrong not in report, wrong


def test_a_named_moment_is_the_first_after_the_plan_starts() -> None:
    """A plan from October 2026 to March 2027 meets Christmas 2026, even when the brief names 2027 more."""
    brief = Brief(
        client_name="Kettle & Co",
        brand_name="Kettle",
        raw_brief_text=(
            "Campaign runs from 5 October 2026 to 31 March 2027. Target: 4,000 orders by 31 March 2027.\n"
            "Christmas gifting is the big push; the 2027 range lands in spring 2027."
        ),
    )
    u = understand(brief)
    days = {e.start for e in u.events if e.start}
    assert datetime.date(2026, 12, 25) in days
    assert datetime.date(2026, 10, 5) in days  # the start is on the calendar too


def test_a_money_transfer_app_is_regulated_finance_and_trades_software_is_small_business_software() -> None:
    remit = Brief(
        client_name="Sendhome Ltd",
        brand_name="Sendhome",
        raw_brief_text=(
            "Sendhome lets care workers in Ireland send money to Ghana and Zimbabwe from their phone or at our "
            "two counters in Dublin. We are authorised by the Central Bank of Ireland. Average transfer EUR 300; "
            "we want more monthly senders and fewer counter visits."
        ),
    )
    trades = Brief(
        client_name="Boltline Software",
        brand_name="Boltline",
        raw_brief_text=(
            "Boltline is a quoting and job-scheduling app for small electricians and roofers (1-15 staff). "
            "EUR 39 per office user a month; field staff use it free on their phones. "
            "We have 600 paying firms and want 1,500 by next summer."
        ),
    )
    assert read_brief(remit).business_type.type is not None
    assert read_brief(remit).business_type.type.key == "financial_services_regulated"  # type: ignore[union-attr]
    assert read_brief(trades).business_type.type.key == "b2b_saas_smb"  # type: ignore[union-attr]


def test_places_people_come_from_are_not_the_market() -> None:
    brief = Brief(
        client_name="Fjellhytta AS",
        brand_name="Fjellhytta",
        raw_brief_text="Mountain lodge, 20 rooms. Budget NOK 300,000 for the winter.",
        geography="Geilo, Norway; guests from Germany and Denmark",
    )
    u = understand(brief)
    assert u.countries[0] == "NO" and "DE" not in u.countries and "DK" not in u.countries


def test_a_brief_without_a_market_counts_in_its_own_money() -> None:
    u = understand(
        Brief(client_name="Gemeente X", brand_name="X", raw_brief_text="Budget €80.000 for the scheme.")
    )
    assert u.currency == "EUR"


# ----- briefs pasted as chats, interviews and emails (written for these tests, never the dev set's) -------

CHAT = Brief(
    client_name="Ondas Apps Ltda",
    brand_name="Ondas",
    raw_brief_text=(
        "[10:02] Bruno: oi! summary for the brief\n"
        "[10:03] Bruno: Ondas is a surf forecast app, iOS and Android, 300k downloads\n"
        "[10:04] Bruno: goal for 2027: 40k paying users by dec and day-30 retention from 12% to 20%\n"
        "[10:05] Bruno: competitors Surfline and Magicseaweed\n"
        "[10:06] Bruno: budget R$ 1,5 milhão for the year\n"
        "[10:07] Bruno: performance heavy: Meta, Google UAC, Apple Search Ads\n"
        "[10:08] Bruno: audience = surfers 18-40 on the coast, weekend warriors from São Paulo"
    ),
)

INTERVIEW = Brief(
    client_name="Harbour Hounds Rescue",
    brand_name="Harbour Hounds",
    raw_brief_text=(
        "Call transcript with Aoife, the director.\n"
        "Aoife: We rehome about 300 dogs a year and we need monthly givers.\n"
        "Us: Audience?\n"
        "Aoife: Dog lovers in Cork and Kerry, lots of retirees and young families.\n"
        "Aoife: The board wants 250 monthly donors by the end of 2027 and \u20ac120,000 raised in total.\n"
        "Aoife: Giving Tuesday is December 1st, a local bakery matches gifts up to \u20ac5,000 that day.\n"
        "Aoife: Dogs Trust and the ISPCA are the big names people confuse us with.\n"
        "Aoife: Budget is EUR 20,000. Correction from the treasurer: 24,000, the raffle did well."
    ),
)


def test_a_chat_is_read_past_its_timestamps_and_speakers() -> None:
    reading = read_brief(CHAT, with_type=False)
    assert reading.budget is not None and reading.budget.value.value == 1_500_000
    targets = sorted(g.value.number for g in reading.goals)
    assert targets == [20.0, 40_000.0]  # never 10 (a timestamp) or 30 ("day-30")
    names = [g.value for g in reading.competitors]
    assert "Surfline" in names and "Magicseaweed" in names and "Bruno" not in names
    assert reading.audience and "surfers" in reading.audience[0].value
    channels = understand(CHAT).channels
    assert {"Facebook", "Google Search", "App stores & ASO"} <= set(channels)


def test_an_interview_answer_is_the_audience_and_its_figures_are_read_for_what_they_are() -> None:
    reading = read_brief(INTERVIEW, with_type=False)
    assert reading.audience and reading.audience[0].value.startswith("Dog lovers in Cork")
    assert 250 in [g.value.number for g in reading.goals]  # "250 monthly donors": not a duration
    assert reading.budget is not None
    # A corrected figure written without its currency keeps the budget's.
    assert (reading.budget.value.value, reading.budget.value.currency) == (24_000, "EUR")
    assert [g.value.value for g in reading.prices] == []  # a matched gift is not a price
    names = [g.value for g in reading.competitors]
    assert "Dogs Trust" in names and "ISPCA" in names
    understood = understand(INTERVIEW)
    assert datetime.date(2027, 12, 1) in {e.start for e in understood.events} or any(
        e.start and (e.start.month, e.start.day) == (12, 1) for e in understood.events
    )


def test_a_currency_code_counts_only_beside_a_figure() -> None:
    brief = Brief(
        client_name="Valvola SpA",
        brand_name="Valvola",
        raw_brief_text=(
            "We make ball valves in Brescia for OEMs in Germany. Engineers download CAD files and datasheets. "
            "Budget EUR 90,000 for 2027."
        ),
    )
    understood = understand(brief)
    assert understood.currency == "EUR" and "CA" not in understood.countries
    assert "Engineers" not in understood.competitor_names


def test_a_brief_that_names_only_its_city_is_placed_in_its_country() -> None:
    brief = Brief(
        client_name="Lakeside Civic Media",
        brand_name="The Lakeside Ledger",
        raw_brief_text=(
            "We are a digital newsroom covering Milwaukee city hall and schools. Members pay $8 a month. "
            "Charlotte: please plan 2026. Election day Nov 3 is our biggest traffic moment."
        ),
    )
    understood = understand(brief)
    assert understood.countries[:1] == ("US",) and understood.currency == "USD"
    assert any(e.start and (e.start.month, e.start.day) == (11, 3) for e in understood.events)


def test_people_described_after_are_or_a_qualified_label_are_the_audience() -> None:
    for text, first_words in (
        ("Fans are 18-30, indie and Latin pop lovers. Budget EUR 20,000.", "Fans are 18-30"),
        ("UK shoppers: foodies 35-65, tea lovers and gift buyers.", "foodies 35-65"),
        ("Buying committee: CHRO, CFO and the IT head.", "CHRO, CFO"),
    ):
        reading = read_brief(Brief(client_name="A", brand_name="A", raw_brief_text=text), with_type=False)
        assert reading.audience and reading.audience[0].value.startswith(first_words), text
    quiet = Brief(client_name="A", brand_name="A", raw_brief_text="Customers are happy with the new shop.")
    assert read_brief(quiet, with_type=False).audience == ()


def test_regional_language_names_are_their_language_and_indian_amounts_are_read_whole() -> None:
    brief = Brief(
        client_name="Bloei BV",
        brand_name="Bloei",
        raw_brief_text=(
            "Copy in Dutch (NL + Flemish ok) and English. Budget \u20ac40.000 for 2027.\n"
            "Objectives: \u20b924 crore of new ARR by March 2027"
        ),
    )
    understood = understand(brief)
    assert understood.languages == ("Dutch", "English")
    assert 240_000_000 in [o.target_number for o in understood.objectives]


def test_examples_in_brackets_share_the_rule_before_them_and_a_semicolon_continues_an_ask() -> None:
    brief = Brief(
        client_name="Kettle & Co",
        brand_name="Kettle",
        raw_brief_text=(
            "No consumer social (Instagram etc). No TV (but YouTube is fine).\n"
            "We want Pinterest and a referral programme; email flows for retention. Door hangers work too."
        ),
    )
    understood = understand(brief)
    assert "Instagram" in understood.rules.excluded_channels
    assert "YouTube" not in understood.rules.excluded_channels
    assert {"Pinterest", "Referral programme", "Email & CRM"} <= set(understood.channels)


def test_a_compound_claim_is_ruled_out_in_every_spelling_and_a_required_quote_is_not() -> None:
    brief = Brief(
        client_name="Forma Gyms",
        brand_name="Forma",
        raw_brief_text=(
            "Rules from legal: no before/after body images, and every ad needs the 'Results may vary' line. "
            "Legal killed 'burn fat fast'."
        ),
    )
    rules = understand(brief).rules
    assert "before/after" in rules.forbidden_words and "burn fat fast" in rules.forbidden_words
    assert "Results may vary" not in rules.forbidden_words
    from services.generator.composer.rules import enforce

    text, _changes = enforce("Share before-and-after stories. We never use before/after photos.", rules)
    assert "before-and-after" not in text and "never use before/after photos" in text


def test_an_event_written_in_lower_case_is_named_and_keeps_both_its_dates() -> None:
    brief = Brief(
        client_name="Brookfield School",
        brand_name="Brookfield",
        raw_brief_text="Our entrance exams are on 14 March and 9 May 2026, open days the Saturday before each exam.",
    )
    days = {(e.name, e.start) for e in understand(brief).events}
    assert ("Entrance exams", datetime.date(2026, 3, 14)) in days
    assert ("Entrance exams", datetime.date(2026, 5, 9)) in days


def test_a_sum_is_the_budget_a_billion_is_read_whole_and_a_named_price_list_is_prices() -> None:
    brief = Brief(
        client_name="Seoul Glow",
        brand_name="Glow",
        raw_brief_text=(
            "Toner \u20a932,000, essence \u20a945,000, cream \u20a952,000.\n"
            "KPI: Korea revenue from \u20a98.5 billion to \u20a912 billion in 2026.\n"
            "Money: \u20a9400 million for Korea + \u20a9100 million for the US = \u20a9500 million total.\n"
            "CAC now \u20a915,000, we want under \u20a912,000."
        ),
    )
    reading = read_brief(brief, with_type=False)
    assert reading.budget is not None and reading.budget.value.value == 500_000_000
    assert sorted(g.value.value for g in reading.prices) == [32_000, 45_000, 52_000]
    assert 12_000_000_000 in [g.value.number for g in reading.goals]
    assert 12_000 in [g.value.number for g in reading.goals]


def test_a_budget_written_on_the_goals_line_is_no_goal() -> None:
    brief = Brief(
        client_name="Lakeside Ledger",
        brand_name="The Ledger",
        raw_brief_text="We are a newsroom. Goal: 5,000 members by December 31, 2026. Budget $50k.",
    )
    understood = understand(brief)
    assert [o.target_number for o in understood.objectives] == [5000.0]
    assert understood.budget is not None and understood.budget.amount == 50_000
