"""Generated, varied marketing texts for the benchmarks (deterministic for a seed).

Texts are combinations of industries, brands, audiences, channels, tactics, goals, insights and results,
phrased with several sentence templates, so they read like what AICMO learns: short learned examples and
notes (1-3 sentences), long report sections (~300 words), and operators' search queries. Every text a
corpus hands out is unique.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

INDUSTRIES = (
    "fintech",
    "D2C skincare",
    "B2B SaaS",
    "specialty coffee",
    "boutique fitness",
    "EV charging",
    "premium pet food",
    "residential real estate",
    "online education",
    "craft beer",
    "boutique hotels",
    "cybersecurity",
    "dental clinics",
    "sustainable fashion",
    "home solar",
    "meal kits",
    "mobile gaming",
    "car insurance",
    "HR software",
    "plant-based snacks",
    "luxury watches",
    "outdoor gear",
    "telehealth",
    "neighbourhood bakeries",
    "language learning apps",
    "wedding venues",
    "B2B logistics",
    "kids' toys",
)
AUDIENCES = (
    "Gen Z students",
    "first-time homebuyers",
    "busy working parents",
    "CFOs at mid-market companies",
    "retirees planning travel",
    "urban cyclists",
    "small business owners",
    "health-conscious millennials",
    "IT security leads",
    "new pet owners",
    "remote workers",
    "luxury shoppers",
    "gamers aged 18-34",
    "eco-conscious families",
    "HR managers",
    "independent clinic owners",
    "weekend hikers",
    "college athletes",
    "young professionals in big cities",
    "procurement teams",
    "new parents",
    "expat communities",
    "high-income commuters",
    "local shop owners",
)
CHANNELS = (
    "Instagram Reels",
    "TikTok",
    "LinkedIn",
    "YouTube pre-roll",
    "Google Search ads",
    "the email newsletter",
    "SMS",
    "podcast sponsorships",
    "out-of-home billboards",
    "Pinterest",
    "affiliate partners",
    "webinars",
    "community events",
    "Reddit",
    "WhatsApp broadcasts",
    "connected TV",
    "Meta lead ads",
    "Spotify audio ads",
    "in-store displays",
    "the brand's blog",
)
TACTICS = (
    "a limited-time referral offer",
    "a user-generated content challenge",
    "micro-influencer seeding",
    "retargeting with dynamic product ads",
    "a free-trial extension",
    "customer testimonial videos",
    "a double-points loyalty week",
    "a gated industry report",
    "founder-led storytelling",
    "a bundle discount",
    "live shopping sessions",
    "A/B tested subject lines",
    "geo-targeted offers",
    "a product-finder quiz",
    "an abandoned-cart flow",
    "a seasonal limited edition",
    "a co-branded partnership",
    "case-study-led outbound",
    "an early-access waitlist",
    "behind-the-scenes content",
    "a price-match guarantee",
    "a win-back email series",
    "an ROI calculator landing page",
    "a creator affiliate programme",
)
GOALS = (
    "lift trial sign-ups by 25%",
    "cut cost per acquisition by a third",
    "double email open rates",
    "grow the repeat purchase rate",
    "build awareness ahead of a product launch",
    "win back lapsed customers",
    "raise average order value",
    "generate qualified demo requests",
    "boost app installs",
    "increase store footfall",
    "improve lead quality for sales",
    "grow newsletter subscribers",
    "reduce churn in the first 90 days",
    "launch in a new city",
)
INSIGHTS = (
    "social proof from peers",
    "clear savings calculators",
    "behind-the-scenes craftsmanship",
    "time-saving convenience",
    "sustainability credentials",
    "expert endorsements",
    "limited availability",
    "a sense of community",
    "transparent pricing",
    "before-and-after stories",
    "data-backed ROI claims",
    "humour and memes",
    "local pride",
    "risk-free guarantees",
    "personalised recommendations",
)
LESSONS = (
    "creative fatigue set in after ten days, so rotate assets weekly",
    "short videos beat static images for cold audiences",
    "offers work better as bundles than as straight discounts",
    "retargeting windows longer than 14 days wasted spend",
    "subject lines with numbers won consistently",
    "micro-influencers beat celebrities on cost per engagement",
    "landing pages need a single call to action",
    "SMS reminders recovered a fifth of abandoned carts",
    "the first three seconds of a video decide its performance",
    "sales follow-up within an hour doubled demo show rates",
    "weekday mornings outperformed evenings for B2B posts",
    "price anchoring against competitors backfired with premium buyers",
)
SEASONS = ("spring", "summer", "back-to-school", "Black Friday", "holiday", "new-year", "Ramadan", "Diwali")
KPIS = (
    "cost per acquisition",
    "click-through rate",
    "return on ad spend",
    "email open rate",
    "demo bookings",
    "repeat purchase rate",
    "customer lifetime value",
    "share of voice",
    "follower growth",
    "churn rate",
    "average order value",
    "landing-page conversion rate",
)
SECTIONS = (
    ("overview", "Overview"),
    ("campaign_objective", "Campaign objective"),
    ("core_campaign_idea", "Core campaign idea"),
    ("messaging_framework", "Messaging framework"),
    ("channel_plan", "Channel plan"),
    ("audience_segments", "Audience segments"),
    ("persona_cards", "Persona cards"),
    ("creative_direction", "Creative direction"),
    ("influencer_strategy", "Influencer strategy"),
    ("promotions_and_offers", "Promotions and offers"),
    ("email_and_crm_flows", "Email and CRM flows"),
    ("ad_concepts", "Ad concepts"),
    ("kpi_and_budget_plan", "KPI and budget plan"),
    ("execution_roadmap", "Execution roadmap"),
    ("post_campaign_analysis", "Post-campaign analysis"),
)
PACKAGES = (
    "strategy_campaign_standard",
    "quick_social_basic",
    "full_funnel_growth_suite",
    "launch_gtm_pack",
    "brand_turnaround_lab",
    "retention_crm_booster",
    "performance_audit_revamp",
)
_BRAND_HEADS = (
    "North",
    "Blue",
    "Bright",
    "Urban",
    "Green",
    "Silver",
    "Little",
    "True",
    "Wild",
    "Golden",
    "Clear",
    "Swift",
    "Maple",
    "Harbor",
    "Summit",
    "Copper",
    "Lumen",
    "Oak",
)
_BRAND_TAILS = (
    "leaf",
    "peak",
    "wave",
    "nest",
    "forge",
    "lane",
    "field",
    "stone",
    "bloom",
    "works",
    "hive",
    "path",
    "spark",
    "craft",
    "bay",
    "ridge",
)

_SENTENCES = (
    "{brand} used {tactic} on {channel} to reach {audience}, aiming to {goal}.",
    "For our {industry} client targeting {audience}, we paired {channel} with {tactic}.",
    "The goal was to {goal} within {weeks} weeks.",
    "Result: {result}.",
    "{audience} responded best to {insight}, so the creative leaned into that.",
    "Budget split {split}/{rest} between {channel} and {channel2}.",
    "We tested {tactic} against a holdout group on {channel2}; {result}.",
    "Messaging for {audience} focused on {insight} rather than price.",
    "Lesson learned: {lesson}.",
    "{brand}'s {season} push relied on {tactic} and a ${budget:,} monthly budget.",
    "Weekly cadence: three {channel} posts, one {channel2} touchpoint and a recap email.",
    "KPIs tracked were {kpi1}, {kpi2} and {kpi3}.",
    "The hook for {audience} was {insight}, delivered through {channel}.",
    "{channel} carried awareness while {channel2} converted, and {tactic} closed the gap.",
    "Against the {industry} benchmark, {result}.",
    "Next time we would launch {tactic} earlier, because {lesson}.",
)
_RESULTS = (
    "conversion rose from {a}% to {b}%",
    "cost per acquisition fell {p}% in {weeks} weeks",
    "email open rates reached {p}%",
    "{n} qualified demos were booked",
    "repeat purchases grew {p}% quarter on quarter",
    "app installs doubled at a flat budget",
    "store visits rose {p}% in the target postcodes",
    "average order value grew by ${n}",
    "return on ad spend hit {ratio}x",
    "churn dropped {p}% among new customers",
)
_QUERIES = (
    "how {industry} brands can reach {audience} on {channel}",
    "{tactic} examples for {industry}",
    "campaign ideas to {goal} with {channel}",
    "what messaging works for {audience} in {industry}",
    "{section} for {industry} companies targeting {audience}",
    "best {channel} tactics to {goal}",
    "case study: {industry} brand that used {tactic}",
    "budget split between {channel} and {channel2} for {audience}",
    "why did {tactic} underperform with {audience}",
    "{industry} launch plan using {tactic} and {channel}",
    "{season} promotion ideas for {industry}",
    "which KPIs to track for {channel} campaigns aimed at {audience}",
    "persona and messaging for {audience} buying {industry} products",
    "examples where {insight} drove results for {industry}",
)


@dataclass(frozen=True)
class Doc:
    """A learning item to record."""

    kind: str
    title: str
    text: str
    industry: str
    section_id: str
    package_key: str
    client_id: str
    tags: tuple[str, ...]


class MarketingCorpus:
    def __init__(self, seed: int, clients: int = 200) -> None:
        self._rng = random.Random(seed)
        self._seen: set[str] = set()
        self._clients = clients

    def _fields(
        self, industry: str | None = None, brand: str | None = None, audience: str | None = None
    ) -> dict[str, object]:
        r = self._rng
        channel, channel2 = r.sample(CHANNELS, 2)
        kpi1, kpi2, kpi3 = r.sample(KPIS, 3)
        split = r.choice((50, 55, 60, 65, 70, 75, 80))
        weeks = r.randint(3, 16)
        a = round(r.uniform(0.6, 3.5), 1)
        values: dict[str, object] = {
            "industry": industry or r.choice(INDUSTRIES),
            "brand": brand or r.choice(_BRAND_HEADS) + r.choice(_BRAND_TAILS),
            "audience": audience or r.choice(AUDIENCES),
            "channel": channel,
            "channel2": channel2,
            "tactic": r.choice(TACTICS),
            "goal": r.choice(GOALS),
            "insight": r.choice(INSIGHTS),
            "lesson": r.choice(LESSONS),
            "season": r.choice(SEASONS),
            "kpi1": kpi1,
            "kpi2": kpi2,
            "kpi3": kpi3,
            "split": split,
            "rest": 100 - split,
            "weeks": weeks,
            "budget": r.choice((2, 5, 8, 12, 20, 35, 50, 80)) * 1000,
            "section": r.choice(SECTIONS)[1].lower(),
        }
        values["result"] = r.choice(_RESULTS).format(
            a=a,
            b=round(a * r.uniform(1.3, 2.4), 1),
            p=r.randint(8, 64),
            n=r.randint(12, 480),
            weeks=weeks,
            ratio=round(r.uniform(1.8, 7.5), 1),
        )
        return values

    def _unique(self, make: Callable[[], str]) -> str:
        for _ in range(1000):
            text = make()
            if text not in self._seen:
                self._seen.add(text)
                return text
        raise RuntimeError("the corpus ran out of unique combinations")

    def _meta(self) -> tuple[str, str, str]:
        r = self._rng
        section_id, section_title = r.choice(SECTIONS)
        return section_id, section_title, r.choice(PACKAGES)

    def short(self) -> Doc:
        """A learned example or note: 1-3 sentences, sometimes with a title."""
        r = self._rng
        fields = self._fields()

        def make() -> str:
            count = r.choice((1, 2, 2, 3, 3))
            return " ".join(_cap(t.format(**fields)) for t in r.sample(_SENTENCES, count))

        text = self._unique(make)
        section_id, section_title, package = self._meta()
        kind = r.choices(("report_section", "uploaded_example", "feedback_note"), (6, 3, 1))[0]
        title = f"{section_title}: {fields['brand']}" if r.random() < 0.7 else ""
        industry = str(fields["industry"])
        return Doc(kind, title, text, industry, section_id, package, self._client(), ("bench",))

    def long(self, words: int = 300) -> Doc:
        """A report section of about `words` words about one brand, industry and audience."""
        r = self._rng
        base = self._fields()

        def make() -> str:
            out: list[str] = []
            count = 0
            while count < words:
                fields = self._fields(str(base["industry"]), str(base["brand"]), str(base["audience"]))
                sentence = _cap(r.choice(_SENTENCES).format(**fields))
                out.append(sentence)
                count += len(sentence.split())
            return " ".join(out)

        text = self._unique(make)
        section_id, section_title, package = self._meta()
        title = f"{section_title} - {base['brand']} ({base['industry']})"
        return Doc(
            "report_section",
            title,
            text,
            str(base["industry"]),
            section_id,
            package,
            self._client(),
            ("bench", "long"),
        )

    def query(self) -> str:
        """A search an operator or the generator might run (new text, not stored)."""
        r = self._rng
        return self._unique(lambda: r.choice(_QUERIES).format(**self._fields()))

    def _client(self) -> str:
        return f"bench-client-{self._rng.randrange(self._clients):03d}"


def _cap(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]
