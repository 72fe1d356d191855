"""Understanding the brief: form fields and free text read into one typed model, the same facts either way."""

from __future__ import annotations

import datetime
from typing import Any

import grpc
import pytest
from aicmo.generator.v1 import generator_service_pb2 as pb

from services.common.domain_errors import InvalidArgument
from services.generator.domain.brief import Brief
from services.generator.domain.brief_parser import channel_mentions, parse_objective, understand
from services.generator.domain.dates import find_dates
from services.generator.domain.money import find_amounts, parse_budget
from services.generator.domain.understanding import BusinessModel, Origin, PriceKind, UnderstoodBrief
from services.generator.entrypoints.convert import understood_to_proto
from services.generator.entrypoints.grpc_servicer import GeneratorServicer
from services.generator.service_layer.generation import ReportGenerator
from tests.labelled_briefs import LabelledBrief, by_id, labelled_briefs
from tests.unit.generator.fakes import FakeMemory, FakeQueue

BRIEFS = labelled_briefs()


def check_expected(u: UnderstoodBrief, expected: dict[str, Any]) -> None:
    facts = u.key_facts()
    assert facts["business_model"] == expected["business_model"]
    assert facts["budget"] == expected["budget"]
    assert facts["markets"] == sorted(m.casefold() for m in expected["markets"])
    assert facts["objectives"] == [(o["target"], o["deadline"]) for o in expected["objectives"]]
    assert facts["competitors"] == expected["competitors"]
    assert facts["events"] == [(e["name"], e["start"]) for e in expected["events"]]
    assert facts["prices"] == sorted(
        (round(float(p["amount"]), 2), p["currency"], p["kind"]) for p in expected["prices"]
    )
    for key in ("retail_partners", "language", "excluded_channels", "forbidden_words", "mandated_terms"):
        assert facts[key] == expected[key], key


@pytest.mark.parametrize("labelled", BRIEFS, ids=[b.id for b in BRIEFS])
def test_the_form_yields_the_labelled_facts(labelled: LabelledBrief) -> None:
    check_expected(understand(labelled.form), labelled.expected)


@pytest.mark.parametrize("labelled", BRIEFS, ids=[b.id for b in BRIEFS])
def test_free_text_alone_yields_the_labelled_facts(labelled: LabelledBrief) -> None:
    check_expected(understand(labelled.text), labelled.expected)


@pytest.mark.parametrize("labelled", BRIEFS, ids=[b.id for b in BRIEFS])
def test_free_text_and_form_give_the_same_facts(labelled: LabelledBrief) -> None:
    assert understand(labelled.text).key_facts() == understand(labelled.form).key_facts()


def test_objectives_keep_metric_target_and_deadline_as_stated() -> None:
    o = parse_objective("Generate 400 sales-qualified leads (SQLs) by 31 March 2027")
    assert (o.metric, o.target, o.deadline) == ("sales-qualified leads (SQLs)", "400", "by 31 March 2027")
    assert o.deadline_date == datetime.date(2027, 3, 31) and o.target_number == 400
    o = parse_objective("Lift demo-to-opportunity conversion from 22% to 30% by 31 December 2026")
    assert (o.target, o.metric, o.target_is_percent) == ("30%", "demo-to-opportunity conversion", True)
    o = parse_objective("Grow Instagram to 10k followers within 12 weeks")
    assert (o.metric, o.target, o.deadline, o.target_number) == (
        "Instagram followers",
        "10k",
        "within 12 weeks",
        10_000,
    )
    o = parse_objective("Keep first-90-day cancellations under 15% by end of Q1 2027")
    assert (o.target, o.deadline, o.deadline_date) == ("15%", "by end of Q1 2027", datetime.date(2027, 3, 31))
    o = parse_objective("Build awareness with priority accounts")
    assert (o.target, o.deadline, o.metric) == ("", "", "awareness with priority accounts")


def test_rules_are_read_from_plain_sentences() -> None:
    u = understand(
        Brief(
            client_name="C",
            brand_name="B",
            constraints="No paid social on TikTok or Reels; always say 'oat drink', never 'oat milk'; "
            "forbidden words: cure, miracle; health claims must be approved by legal; always include #BTeam; "
            "use recycled paper for print",
        )
    )
    rules = u.rules
    assert rules.excluded_channels == ("TikTok",) and rules.excluded_formats == ("Reels",)
    assert rules.forbidden_words == ("oat milk", "cure", "miracle")
    assert rules.mandated_terms == ("oat drink", "#BTeam")
    assert rules.replacements == (("oat milk", "oat drink"),)
    assert rules.claims_needing_review == ("health claims must be approved by legal",)
    assert rules.other == ("use recycled paper for print",)


@pytest.mark.parametrize(
    ("text", "verdicts"),
    [
        ("no paid social on TikTok", {"TikTok": "drop"}),
        ("More TikTok, no influencers", {"TikTok": "boost", "Influencers & creators": "drop"}),
        ("remove TikTok/Reels", {"TikTok": "drop", "Reels": "drop"}),
        (
            "Put more budget into Instagram and drop Facebook entirely",
            {"Instagram": "boost", "Facebook": "drop"},
        ),
        ("less LinkedIn", {"LinkedIn": "reduce"}),
        ("no paid social", {"Instagram": "drop", "LinkedIn": "drop", "TikTok": "drop"}),
    ],
)
def test_channel_mentions_are_judged_by_their_clause(text: str, verdicts: dict[str, str]) -> None:
    found = {m.name: m.verdict for m in channel_mentions(text)}
    for name, verdict in verdicts.items():
        assert found[name] == verdict, (text, found)


def test_dates_and_amounts_as_briefs_write_them() -> None:
    spans = find_dates(
        "RSA Conference (28 April - 1 May 2026), Infosecurity Europe 2-4 June 2026, by Q3 2026"
    )
    assert [(d.start, d.end) for d in spans] == [
        (datetime.date(2026, 4, 28), datetime.date(2026, 5, 1)),
        (datetime.date(2026, 6, 2), datetime.date(2026, 6, 4)),
        (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30)),
    ]
    amounts = find_amounts("ACV $42k, €1.89 per carton, a £380 patient and 45,000 EUR, not 12 weeks")
    assert [(a.value, a.currency.code) for a in amounts] == [
        (42_000, "USD"),
        (1.89, "EUR"),
        (380, "GBP"),
        (45_000, "EUR"),
    ]


def test_a_budget_without_currency_takes_the_markets_currency() -> None:
    u = understand(Brief(client_name="C", brand_name="B", geography="Leeds and Manchester", budget="45000"))
    assert u.budget is not None and (u.budget.currency.code, u.budget.currency_assumed) == ("GBP", True)
    budget = parse_budget("75000", "Copenhagen")
    assert budget is not None and budget.currency.code == "DKK"


def test_the_issue_free_text_brief_is_understood() -> None:
    """The brief from the issue that the old composer ignored: £45,000, Leeds and Manchester, four goals."""
    text = (
        "We run six dental clinics in Leeds and Manchester. We have £45,000 to spend over 12 weeks.\n"
        "Our goals are: 1. grow new-patient bookings by 25% by June 2026 2. book 300 Invisalign consultations "
        "3. reach 4.8 stars on Google 4. fill 60% of weekday morning chairs.\n"
        "We're up against Bupa Dental Care and mydentist."
    )
    u = understand(Brief(client_name="BrightSmile", brand_name="BrightSmile", raw_brief_text=text))
    assert u.budget is not None and (u.budget.amount, u.budget.currency.code) == (45_000, "GBP")
    assert u.markets == ("Leeds", "Manchester") and u.countries == ("GB",)
    assert len(u.objectives) == 4 and u.objectives[0].target == "25%"
    assert u.competitor_names == ("Bupa Dental Care", "mydentist")
    assert u.business_model is BusinessModel.LOCAL_SERVICES
    assert u.weeks == 12


def test_form_fields_win_over_the_text_and_origins_say_so() -> None:
    brief = Brief(
        client_name="C",
        brand_name="B",
        budget="$80,000",
        raw_brief_text="Budget: $50,000.\nWe compete with Acme and Globex.",
        metadata={"competitors": "Initech"},
    )
    u = understand(brief)
    assert u.budget is not None and u.budget.amount == 80_000
    assert u.competitor_names == ("Initech",)
    assert u.origin("budget") is Origin.FORM and u.origin("competitors") is Origin.FORM


def test_missing_facts_are_listed_as_gaps() -> None:
    u = understand(Brief(client_name="Acme", brand_name="Acme", geography="Germany"))
    gaps = " ".join(u.gaps)
    for fact in ("budget", "objectives", "audience", "timeline", "competitors", "language", "business model"):
        assert fact in gaps


def test_the_understood_brief_as_the_contract_message() -> None:
    message = understood_to_proto(understand(by_id("oat-drink-germany").text))
    assert message.business_model == pb.BUSINESS_MODEL_CPG_RETAIL
    assert (message.budget.amount, message.budget.currency_code, message.budget.period) == (
        380_000,
        "EUR",
        pb.BUDGET_PERIOD_TOTAL,
    )
    assert [e.name for e in message.events] == ["Berlin launch festival"]
    assert message.events[0].start_date == "2026-09-12"
    assert message.prices[0].kind == pb.PRICE_KIND_PRICE and message.prices[0].as_stated == "€1.89"
    assert list(message.retail_partners) == ["REWE", "dm"]
    assert (message.language, message.locale) == ("German", "de-DE")
    assert list(message.rules.mandated_terms) == ["Haferdrink"]
    assert message.objectives[0].as_stated == "Secure listings in 1,200 REWE stores by 30 September 2026"
    assert {s.fact for s in message.sources} >= {"budget", "events", "prices", "rules"}


class _Context:
    def abort(self, code: grpc.StatusCode, details: str) -> None:  # pragma: no cover - not reached
        raise AssertionError(details)

    def time_remaining(self) -> float | None:
        return None


def _servicer() -> GeneratorServicer:
    """The servicer over the real use case with in-memory fakes of its ports (no language model)."""
    servicer = GeneratorServicer.__new__(GeneratorServicer)
    servicer._generator = ReportGenerator(memory=FakeMemory(), spool=FakeQueue())
    servicer._default_deadline = 30.0
    return servicer


def test_understand_brief_rpc() -> None:
    brief = by_id("identity-saas").form
    request = pb.UnderstandBriefRequest(
        client_brief=pb.ClientBrief(
            client_name=brief.client_name,
            brand_name=brief.brand_name,
            budget=brief.budget,
            objectives=brief.objectives,
            constraints=brief.constraints,
        )
    )
    response = _servicer().UnderstandBrief(request, _Context())
    understood = response.understood_brief
    assert understood.budget.amount == 250_000 and understood.budget.currency_code == "USD"
    assert [o.target for o in understood.objectives] == ["400", "$6M", "25", "30%"]
    assert list(understood.rules.excluded_channels) == ["TikTok"]
    assert understood.rules.forbidden_words == ["unhackable", "military-grade"]


def test_understand_brief_validates_like_generate_report() -> None:
    with pytest.raises(InvalidArgument) as err:
        _servicer().UnderstandBrief(
            pb.UnderstandBriefRequest(client_brief=pb.ClientBrief(client_name="C")),
            _Context(),
        )
    assert err.value.field == "client_brief.brand_name"
    assert PriceKind.PRICE.value == "price"
