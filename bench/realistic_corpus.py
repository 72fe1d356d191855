"""A labelled "realistic memory": what memory holds in use, and the queries operators and the generator send.

Memory in use is mostly the product's own generated reports: here the offline composer writes a flagship
report (17 long sections and the whole report) for each of 24 clients across industries, as the generator
records them (same kinds, titles, section ids, client scope). Beside them, short uploaded examples (two
sentences, one tactic each; most in the agency library, some a client's own) and ratings (gold and weak)
on some sections and uploads.

Queries, each with the one item it should find first:
- "upload": an operator's paraphrase of an uploaded example, unscoped (the Learn tab, REST). The long
  generated sections of every client repeat the same marketing words: they must not outrank the example.
- "client upload": the generator's or an operator's query for a client's own upload, in that client's
  scope (for_client_id), among that client's 18 long items and the library.
- "section": an operator asking for one part of a client's report ("<brand> channels and budget split"),
  in the client's scope: the right one of its 17 sections.

Deterministic (no randomness); the reports come from the composer in this checkout.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aicmo.memory.v1 import memory_service_pb2 as mpb

from services.generator.domain.client_playbook import EMPTY_PLAYBOOK, ClientPlaybook
from services.generator.domain.learned import ArchivedVersion, PastWorkQuery, SearchHit

# (client name, brand, industry, product, audience, objectives, geography)
CLIENTS: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    ("Halberd Security Inc.", "Halberd ID", "B2B SaaS", "passwordless identity platform for mid-market companies",
     "CISOs and IT directors", "400 sales-qualified leads and $6M pipeline by March", "United States"),
    ("Trailmark Outfitters", "Trailmark", "Outdoor retail", "hiking and camping gear stores and online shop",
     "weekend hikers and families who camp", "grow online sales 25% before summer", "Colorado and Utah"),
    ("Northwind Coffee Co.", "Northwind Roasters", "Food & Beverage", "single-origin coffee subscriptions",
     "urban professionals who brew at home", "grow subscriptions by 30%", "Pacific Northwest"),
    ("Lumen Dental Group", "Lumen Dental", "Healthcare", "family dental clinics with same-day appointments",
     "parents booking check-ups for their children", "fill 500 new-patient appointments a quarter", "Ohio"),
    ("Kettle & Crumb Bakery", "Kettle & Crumb", "Local food", "neighbourhood bakery with cakes to order",
     "local families and office caterers", "double weekday catering orders", "Leeds"),
    ("Voltway Charging", "Voltway", "EV charging", "home and workplace EV chargers with installation",
     "new electric car owners", "sell 3,000 home chargers this year", "Germany"),
    ("Pawsome Foods Ltd", "Pawsome", "Pet food", "fresh premium dog food delivered weekly",
     "first-time dog owners", "reach 20,000 subscribers", "United Kingdom"),
    ("Ledgerly Ltd", "Ledgerly", "Fintech", "bookkeeping app for freelancers and small firms",
     "freelancers and small business owners", "50,000 paid sign-ups and lower churn", "Ireland and UK"),
    ("Summit Fitness Studios", "Summit Studios", "Boutique fitness", "HIIT and yoga studios with class packs",
     "busy professionals aged 25-40", "sell 2,000 intro class packs", "Austin"),
    ("Brightpath Academy", "Brightpath", "Online education", "online coding bootcamps with job support",
     "career changers in their thirties", "enrol 1,200 students next cohort", "Canada"),
    ("Harbor Lane Realty", "Harbor Lane", "Real estate", "residential sales and lettings agency",
     "first-time home buyers and landlords", "win 300 new listings", "Boston"),
    ("Greenfield Solar", "Greenfield", "Home solar", "rooftop solar panels and batteries with financing",
     "homeowners worried about energy bills", "book 1,500 home surveys", "Arizona"),
    ("Maison Verte Fashion", "Maison Verte", "Sustainable fashion", "organic cotton clothing label",
     "eco-conscious women aged 25-45", "grow direct online revenue 40%", "France"),
    ("Copperline Brewing", "Copperline", "Craft beer", "craft brewery with a taproom and canned range",
     "craft beer fans and local bars", "get into 150 new bars and shops", "Portland"),
    ("Orbit Games Studio", "Orbit Games", "Mobile gaming", "free-to-play puzzle game for phones",
     "casual gamers aged 18-34", "one million installs and higher day-7 retention", "Global"),
    ("Safeharbor Insurance", "Safeharbor", "Car insurance", "usage-based car insurance app",
     "young drivers and careful commuters", "40,000 new policies", "Texas"),
    ("PeopleFirst HR", "PeopleFirst", "HR software", "HR and payroll software for mid-size companies",
     "HR managers and CFOs", "200 demos a month and 60 new customers", "United Kingdom"),
    ("Sprout Snacks", "Sprout", "Plant-based snacks", "plant-based protein snack bars",
     "health-conscious millennials", "listings in 2,000 grocery stores", "United States"),
    ("Aurelia Watches", "Aurelia", "Luxury watches", "Swiss-made luxury watches sold through boutiques",
     "affluent collectors", "grow boutique appointments 30%", "Switzerland and UAE"),
    ("Wellspring Telehealth", "Wellspring", "Telehealth", "online GP appointments and prescriptions",
     "busy parents and remote workers", "100,000 consultations this year", "Australia"),
    ("Lingo Leap", "Lingo Leap", "Language learning", "language learning app with live tutors",
     "adult learners preparing to move abroad", "raise paid conversion from 3% to 5%", "Spain and Latin America"),
    ("Rosewood Venues", "Rosewood", "Wedding venues", "countryside wedding venue with accommodation",
     "engaged couples planning next year", "book 80 weddings for next season", "Cotswolds"),
    ("Freightwise Logistics", "Freightwise", "B2B logistics", "freight forwarding and warehousing for SMEs",
     "operations managers at importers", "win 120 new shipping accounts", "Netherlands"),
    ("Tinker Toys Co.", "Tinker Toys", "Kids' toys", "wooden educational toys",
     "parents and grandparents of toddlers", "grow Christmas sales 35%", "United Kingdom"),
)  # fmt: skip


@dataclass(frozen=True)
class Upload:
    key: str
    text: str
    query: str
    client: int | None = None  # index into CLIENTS: the client's own upload (scoped queries); None: library
    rating: str = ""


UPLOADS: tuple[Upload, ...] = (
    Upload("saas-kpi", "SaaS KPI example: set quarterly targets for marketing-qualified leads, cost per lead and "
           "pipeline value. Review lead-to-opportunity rates every two weeks with sales.",
           "quarterly lead targets, cost per lead and pipeline for a SaaS company"),
    Upload("retail-kpi", "Retail KPI example: track footfall, average basket size and conversion per store "
           "weekly. Compare online and in-store sales for the same promotion.",
           "store metrics like basket size and footfall each week"),
    Upload("referral", "Referral programme: give both the existing customer and the friend a month free. Put "
           "the referral link in the receipt email and the app's account page.",
           "refer a friend scheme where both get a free month"),
    Upload("winback", "Win-back flow: email lapsed customers at 30, 60 and 90 days with a reason to return. "
           "The last email asks why they left and offers a pause instead of cancelling.",
           "emails to bring back customers who stopped buying"),
    Upload("ugc", "User-generated content: ask buyers to post a photo with a branded hashtag for a monthly "
           "prize. Reshare the best posts on product pages to lift conversion.",
           "getting customers to share photos of the product for a prize"),
    Upload("webinar", "Webinar series for B2B demand: one expert session a month with a customer speaker. "
           "Follow up within 24 hours with the recording and a booking link for a demo.",
           "monthly online expert sessions to generate demo requests"),
    Upload("abm", "Account-based marketing: pick 50 target accounts, map their buying committee and send "
           "personalised direct mail followed by an SDR call.",
           "targeting a short list of key accounts with personalised outreach"),
    Upload("local-seo", "Local SEO: keep every location's Google Business Profile complete, ask for reviews "
           "after each visit and reply to every review within two days.",
           "improving maps listings and reviews for local branches"),
    Upload("tiktok-creators", "Creator seeding: send the product to 30 micro-creators on TikTok with no "
           "brief beyond one honest video. Boost the three best-performing videos as paid ads.",
           "gifting product to small TikTok influencers and promoting their videos"),
    Upload("loyalty", "Loyalty tiers: customers earn points per purchase and unlock free delivery at silver "
           "and early access to launches at gold. Send a monthly points statement.",
           "a points scheme with tiers and perks for repeat buyers"),
    Upload("cart", "Abandoned cart recovery: send a reminder after one hour, a second with reviews after a "
           "day, and a small discount only on the third message.",
           "reminders for shoppers who left items in their basket"),
    Upload("pr-launch", "Launch PR: brief ten trade journalists under embargo a week before launch with "
           "samples and a founder interview. Time the announcement for Tuesday morning.",
           "getting press coverage for a product launch with an embargo"),
    Upload("trade-show", "Trade show follow-up: scan every badge, score leads on the stand and send a "
           "personal follow-up within 48 hours while the conversation is fresh.",
           "what to do with leads collected at an exhibition"),
    Upload("pricing-test", "Pricing page test: show annual billing first with the saving in money, not "
           "percent. Test three tiers against two and measure paid conversion.",
           "experimenting with how plans and prices are shown on the website"),
    Upload("sampling", "In-store sampling: run tasting stands on Saturdays in the 20 busiest stores and hand "
           "out a coupon for the next purchase. Measure redemption per store.",
           "handing out free tastes in supermarkets with a coupon"),
    Upload("seasonal", "Holiday gift guide: publish a gift guide by price band in early November, with gift "
           "wrapping and a delivery cut-off date shown on every product page.",
           "Christmas gift ideas grouped by budget with shipping deadlines"),
    Upload("community", "Community building: start a members-only group where customers share tips, with "
           "a monthly live Q&A with the founder. Use it to test new product ideas.",
           "an online members group for fans with live sessions"),
    Upload("onboarding", "Onboarding emails: a five-email sequence over the first two weeks, each teaching "
           "one feature, triggered by what the user has not done yet.",
           "teaching new users the product with emails in the first weeks"),
    Upload("retargeting", "Retargeting: show product-specific ads to site visitors for 14 days, exclude "
           "buyers, and cap frequency at three impressions a day.",
           "ads following up on people who visited the website"),
    Upload("partnership", "Co-marketing partnership: pair with a complementary brand for a joint bundle "
           "and share each other's email lists through one co-branded campaign.",
           "teaming up with another brand for a joint offer"),
    Upload("csr", "Cause campaign: give one percent of every sale in March to a local charity and show the "
           "running total on the homepage and in store.",
           "donating part of sales to charity during a campaign"),
    Upload("sms", "SMS marketing: text only opted-in customers, at most twice a month, with short offers "
           "that expire in 48 hours. Always include an opt-out.",
           "text message promotions with limited-time deals"),
    Upload("podcast", "Podcast sponsorship: buy host-read ads on three niche podcasts for eight weeks with "
           "a unique discount code per show to measure each one.",
           "advertising on podcasts and tracking each show with codes"),
    Upload("free-trial", "Free trial conversion: ask for a card at sign-up only for the 30-day trial and "
           "send a reminder three days before billing with what the user achieved.",
           "turning trial users into paying customers"),
    Upload("events-local", "Neighbourhood event: host a free open day with workshops for local families, "
           "collect emails at the door and follow up with a first-visit offer.",
           "an open day for the local community to attract new customers"),
    Upload("linkedin", "LinkedIn thought leadership: the founder posts twice a week about lessons from "
           "customers; employees reshare and sales follow up on engaged prospects.",
           "founder posting insights on LinkedIn to warm up prospects"),
    Upload("reviews", "Review generation: send a review request seven days after delivery with a direct "
           "link, and answer every negative review publicly with a fix.",
           "collecting more customer reviews after delivery"),
    Upload("bundles", "Bundle offer: sell a starter bundle of the three best sellers at 15% off, shown as "
           "the first option on the homepage for new visitors.",
           "a discounted starter pack of best-selling products"),
    Upload("b2b-case", "Customer case studies: publish one case study a month with the customer's numbers "
           "and give sales a one-page version for late-stage deals.",
           "stories of customer results to help close deals"),
    Upload("app-store", "App store optimisation: test the first two screenshots and the subtitle each "
           "month, and reply to reviews to lift the rating above 4.5.",
           "improving the app's listing and ratings in the app stores"),
    # A client's own uploads, searched in that client's scope among its long report sections.
    Upload("halberd-kpi", "Halberd ID pipeline note: measure SQLs, cost per SQL and pipeline created per "
           "quarter; the CFO only trusts numbers from the CRM.", "Halberd pipeline and cost per SQL targets",
           client=0, rating="gold"),
    Upload("trailmark-ugc", "Trailmark trail photos: customers tag their hikes with #TrailmarkMade and the "
           "best photos go on the store windows each month.", "Trailmark customers' hiking photos in store windows",
           client=1),
    Upload("northwind-gift", "Northwind gift subscription: a three-month gift box with a handwritten card, "
           "promoted from mid-November to Christmas Eve.", "Northwind coffee gift boxes for the holidays",
           client=2, rating="gold"),
    Upload("lumen-recall", "Lumen Dental reminders: text parents six months after each check-up with a "
           "one-tap booking link for the next one.", "Lumen reminder texts for the next check-up",
           client=3),
    Upload("voltway-installers", "Voltway installer network: certified electricians get referral fees for "
           "every home charger they recommend and install.", "Voltway paying electricians for charger referrals",
           client=5),
    Upload("ledgerly-churn", "Ledgerly churn check: freelancers who skip two monthly reconciliations get a "
           "call from support before renewal.", "Ledgerly stopping cancellations before renewal",
           client=7, rating="weak"),
    Upload("summit-intro", "Summit Studios intro pack: three classes for the price of one for new members, "
           "sold only through the studio's own app.", "Summit first-timer class pack offer", client=8),
    Upload("copperline-taproom", "Copperline taproom nights: a new small-batch beer every Thursday with the "
           "brewer pouring, announced only to the newsletter.", "Copperline weekly taproom release nights",
           client=13),
    Upload("rosewood-open", "Rosewood open weekends: couples tour the venue dressed for a wedding, meet "
           "suppliers and get a date-hold for seven days.", "Rosewood venue tours for engaged couples",
           client=21),
    Upload("tinker-grandparents", "Tinker Toys for grandparents: a gift-finder by age with wrapped "
           "delivery straight to the grandchild.", "Tinker Toys gift finder for grandparents", client=23),
)  # fmt: skip

# Section queries: what an operator asks of one part of a client's report (the brand goes in front).
SECTION_QUERIES: dict[str, str] = {
    "channel_plan": "which channels carry the campaign and how the budget is split across them",
    "kpi_and_budget_plan": "targets, cost per result and how the budget is spent month by month",
    "email_and_crm_flows": "email sequences and CRM journeys for subscribers",
    "persona_cards": "the typical buyers as personas with their needs and objections",
    "influencer_strategy": "which creators and influencers to work with",
    "promotions_and_offers": "discounts, promotions and launch offers",
    "detailed_30_day_calendar": "day by day plan for the first thirty days",
    "ad_concepts": "ad concepts and headlines to test",
    "post_campaign_analysis": "how results are reviewed after the campaign ends",
    "messaging_framework": "key messages and proof points",
    "audience_segments": "which audience segments to target",
    "execution_roadmap": "phases, owners and milestones of the rollout",
}
SECTIONS_PER_CLIENT = 4
# Gold and weak ratings on some sections (by client index and section id): rated items are part of memory.
RATED_SECTIONS: dict[tuple[int, str], str] = {
    (0, "channel_plan"): "gold", (1, "kpi_and_budget_plan"): "weak", (2, "email_and_crm_flows"): "gold",
    (4, "promotions_and_offers"): "weak", (6, "persona_cards"): "gold", (9, "ad_concepts"): "gold",
    (12, "influencer_strategy"): "weak", (15, "channel_plan"): "gold", (18, "messaging_framework"): "gold",
}  # fmt: skip


@dataclass(frozen=True)
class Item:
    """One item of memory, as recorded (LearningItem fields) and where the queries find it."""

    key: str
    kind: str
    title: str
    text: str
    client_id: str
    industry: str
    section_id: str = ""
    rating: str = ""
    agency: bool = False


@dataclass(frozen=True)
class Query:
    kind: str  # "upload", "client upload", "section"
    text: str
    target: str  # an Item key
    for_client_id: str = ""


class _NoMemory:
    def search(self, request: PastWorkQuery, *, timeout: float) -> Sequence[SearchHit]:
        return []

    def playbook(self, client_id: str, *, timeout: float) -> ClientPlaybook:
        return EMPTY_PLAYBOOK

    def report_version(self, history_id: str, version: int, *, timeout: float) -> ArchivedVersion:
        raise LookupError(history_id)


class _Capture:
    def __init__(self) -> None:
        self.batches: list[mpb.BatchRecordItemsRequest] = []

    def enqueue(self, batch: mpb.BatchRecordItemsRequest, name: str) -> Path:
        self.batches.append(batch)
        return Path(f"{len(self.batches) - 1}")

    def deliver(self, path: Path, timeout: float) -> bool:
        return True

    def nudge(self) -> None:
        pass


def generated_reports() -> list[mpb.BatchRecordItemsRequest]:
    """Each client's flagship report as the generator records it (offline composer, no learning)."""
    from services.generator.domain.brief import Brief
    from services.generator.domain.packages import get_package
    from services.generator.service_layer.generation import GenerationRequest, ReportGenerator

    capture = _Capture()
    generator = ReportGenerator(memory=_NoMemory(), spool=capture)
    package = get_package("strategy_campaign_standard")
    stop = threading.Event()
    for n, (client, brand, industry, product, audience, objectives, geography) in enumerate(CLIENTS):
        brief = Brief(
            client_name=client, brand_name=brand, industry=industry, product_service=product, audience=audience,
            objectives=objectives, geography=geography, budget="$80,000", timeline="12 weeks",
            launch_date=dt.date(2026, 3, 2),
        )  # fmt: skip
        request = GenerationRequest(brief=brief, package=package, report_id=f"realistic-{n:02d}")
        for _ in generator.generate(request, time.monotonic() + 60, stop.is_set):
            pass
    generator.close()
    return capture.batches


def build() -> tuple[list[Item], list[Query]]:
    """The items of memory and the labelled queries."""
    items: list[Item] = []
    queries: list[Query] = []
    client_ids: list[str] = []
    for n, batch in enumerate(generated_reports()):
        client_id = batch.requests[0].item.client_id
        client_ids.append(client_id)
        brand = CLIENTS[n][1]
        for request in batch.requests:
            li = request.item
            key = f"{client_id}/{li.section_id or li.kind}"
            items.append(
                Item(key, li.kind, li.title, li.text, client_id, li.industry, li.section_id,
                     RATED_SECTIONS.get((n, li.section_id), ""))
            )  # fmt: skip
        present = [s for s in SECTION_QUERIES if any(r.item.section_id == s for r in batch.requests)]
        for i in range(SECTIONS_PER_CLIENT):  # a different few sections for each client
            section = present[(n * 5 + i * 3) % len(present)]
            queries.append(
                Query("section", f"{brand} {SECTION_QUERIES[section]}", f"{client_id}/{section}", client_id)
            )
    for upload in UPLOADS:
        client_id = client_ids[upload.client] if upload.client is not None else ""
        items.append(
            Item(f"upload/{upload.key}", "uploaded_example", "", upload.text, client_id,
                 CLIENTS[upload.client][2] if upload.client is not None else "", "", upload.rating,
                 agency=upload.client is None)
        )  # fmt: skip
        kind = "client upload" if client_id else "upload"
        queries.append(Query(kind, upload.query, f"upload/{upload.key}", client_id))
    return items, queries
