"""The understood brief: every fact a report is written from, typed, with where it came from.

`Brief` (brief.py) is what the operator typed; `UnderstoodBrief` is what AICMO read from it, filled from the
form fields and from the free text (an uploaded brief) by services/generator/domain/brief_parser.py. Every
writer, the LLM path and the rule checks read this one model. Objectives, targets, deadlines and names are
kept exactly as the client wrote them. Plain Python, no I/O.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass, field

from services.generator.domain.money import Budget


class BusinessModel(enum.Enum):
    """How the client makes money; decides which tactics fit (not only the industry string)."""

    GENERAL = "general"  # the brief does not say and nothing gives it away
    B2B_ENTERPRISE = "b2b_enterprise"
    B2B_SMB = "b2b_smb"
    LOCAL_SERVICES = "local_services"
    CPG_RETAIL = "cpg_retail"
    DTC_ECOMMERCE = "dtc_ecommerce"
    DTC_SUBSCRIPTION = "dtc_subscription"
    CONSUMER_SERVICES = "consumer_services"
    NONPROFIT = "nonprofit"
    PUBLIC_SECTOR = "public_sector"


class Origin(enum.Enum):
    """Where a fact came from."""

    FORM = "form"  # a form field (or a metadata key) the operator filled in
    TEXT = "text"  # the free text / uploaded brief
    INFERRED = "inferred"  # read from clues in the brief (e.g. the business model from "ACV" and "SQLs")


class PriceKind(enum.Enum):
    """What a price or value in the brief is."""

    PRICE = "price"  # what a customer pays for one unit or one period
    DEAL_VALUE = "deal_value"  # a B2B contract value (ACV, deal size)
    CUSTOMER_VALUE = "customer_value"  # what one customer is worth (patient value, LTV)
    ORDER_VALUE = "order_value"  # average order or basket value


@dataclass(frozen=True)
class Objective:
    """One objective exactly as stated, and its parts: what is measured, the target, the deadline."""

    text: str  # verbatim
    metric: str  # "sales-qualified leads (SQLs)"
    target: str  # as written: "400", "25%", "10k", "$3M"
    deadline: str = ""  # as written: "by 31 March 2027", "" when none
    deadline_date: datetime.date | None = None  # the last day the deadline allows, when it names a date
    target_number: float | None = None  # 400.0, 25.0, 10000.0
    target_is_percent: bool = False


@dataclass(frozen=True)
class BriefEvent:
    """A dated moment the plan must build around (a trade show, a festival, a launch event)."""

    name: str
    date_text: str = ""  # as written
    start: datetime.date | None = None
    end: datetime.date | None = None
    note: str = ""  # e.g. "booth B12", "exhibiting"


@dataclass(frozen=True)
class Price:
    """A price or value the brief states (drives the funnel maths)."""

    label: str  # "ACV", "patient value", "RRP per carton"
    amount: float
    currency: str  # ISO code
    kind: PriceKind
    period: str = ""  # "", "month", "year"
    text: str = ""  # the amount as written: "$42k"


@dataclass(frozen=True)
class Competitor:
    """A named competitor, with what the brief says about it (if anything)."""

    name: str
    note: str = ""


@dataclass(frozen=True)
class Segment:
    """An audience segment named in the brief."""

    name: str
    description: str = ""


@dataclass(frozen=True)
class Rules:
    """Constraints as rules the plan must obey."""

    excluded_channels: tuple[str, ...] = ()  # catalogue names: no budget, no tactic, no mention
    excluded_formats: tuple[str, ...] = ()  # formats ruled out on their own ("no Reels")
    forbidden_words: tuple[str, ...] = ()  # never appear in the report
    mandated_terms: tuple[str, ...] = ()  # must be used (a product term, a hashtag)
    replacements: tuple[tuple[str, str], ...] = ()  # (forbidden, say instead), e.g. ("oat milk", "oat drink")
    claims_needing_review: tuple[str, ...] = ()  # claims that need sign-off before use
    other: tuple[str, ...] = ()  # constraints kept verbatim that are not one of the above


@dataclass(frozen=True)
class UnderstoodBrief:
    """Everything understood from a brief. Empty values mean the brief does not say."""

    client: str
    brand: str
    product: str = ""
    industry: str = ""
    business_model: BusinessModel = BusinessModel.GENERAL
    business_type: str = (
        ""  # the kind of business (services/generator/domain/business_types.yaml), "" if unclear
    )
    business_model_basis: str = ""  # why: "stated", or the clues ("ACV, SQLs, CISOs")
    geography: str = ""  # as written
    markets: tuple[str, ...] = ()  # the places named: "Leeds", "Manchester", "Germany"
    countries: tuple[str, ...] = ()  # ISO codes of the countries those places are in
    audience: str = ""
    segments: tuple[Segment, ...] = ()
    objectives: tuple[Objective, ...] = ()
    budget: Budget | None = None
    budget_text: str = ""  # as written
    timeline: str = ""  # as written
    weeks: int | None = None  # programme length when the brief gives one
    launch_date: datetime.date | None = None
    competitors: tuple[Competitor, ...] = ()
    events: tuple[BriefEvent, ...] = ()
    prices: tuple[Price, ...] = ()
    channels: tuple[str, ...] = ()  # channels the brief asks for (catalogue names)
    retail_partners: tuple[str, ...] = ()
    language: str = ""  # the first language of the creative, e.g. "German"
    languages: tuple[str, ...] = ()  # every language the consumer-facing creative must use, in order
    currency: str = ""  # ISO code of the market's prices (a budget may be in another currency)
    locale: str = ""  # e.g. "de-DE"
    tone: str = ""
    offers: tuple[str, ...] = ()  # offers the brief names (e.g. "0% finance over 12 months")
    proof_points: tuple[str, ...] = ()
    rules: Rules = field(default_factory=Rules)
    origins: tuple[tuple[str, Origin], ...] = ()  # (fact, where it came from)
    gaps: tuple[str, ...] = ()  # facts the brief does not give
    statements: tuple[str, ...] = ()  # the brief's own sentences that carry its facts, verbatim
    evidence: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (fact, the brief's sentences it was read from)

    def words_for(self, fact: str) -> tuple[str, ...]:
        return next((w for f, w in self.evidence if f == fact), ())

    def origin(self, fact: str) -> Origin | None:
        return next((o for f, o in self.origins if f == fact), None)

    @property
    def competitor_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.competitors)

    def key_facts(self) -> dict[str, object]:
        """The facts a report is judged on, normalised for comparison (a form brief and the same brief given
        as free text must give equal key facts)."""
        budget = (
            {
                "amount": self.budget.amount,
                "currency": self.budget.currency.code,
                "period": self.budget.period,
            }
            if self.budget is not None
            else None
        )
        return {
            "business_model": self.business_model.value,
            "budget": budget,
            "markets": sorted({m.casefold() for m in self.markets}),
            "objectives": [(o.target, o.deadline) for o in self.objectives],
            "competitors": [c.name for c in self.competitors],
            "events": [(e.name, e.start.isoformat() if e.start else "") for e in self.events],
            "prices": sorted((round(p.amount, 2), p.currency, p.kind.value) for p in self.prices),
            "retail_partners": list(self.retail_partners),
            "language": self.language,
            "launch_date": self.launch_date.isoformat() if self.launch_date else "",
            "weeks": self.weeks,
            "segments": [s.name for s in self.segments],
            "excluded_channels": list(self.rules.excluded_channels),
            "forbidden_words": list(self.rules.forbidden_words),
            "mandated_terms": list(self.rules.mandated_terms),
            "claims_needing_review": len(self.rules.claims_needing_review),
            "offers": [o.casefold() for o in self.offers],
        }

    def price_of(self, *kinds: PriceKind) -> Price | None:
        """The first stated price of one of these kinds, in the order given."""
        for kind in kinds:
            found = next((p for p in self.prices if p.kind is kind), None)
            if found is not None:
                return found
        return None
