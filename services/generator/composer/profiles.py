"""Industry profiles: the planning defaults the offline composer writes from.

A profile carries what an experienced strategist would assume for a category when the brief is silent:
the channel mix, media benchmarks (used to turn a budget into KPI targets, always labelled as planning
assumptions), the conversion that matters, a working budget, audience segments, personas, offers and
content pillars. `profile_for` picks one from the brief's industry and product text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Channel:
    name: str
    role: str
    keywords: tuple[str, ...]  # how feedback or constraints refer to it (lower case, word-bounded)
    formats: str
    owner: str


CHANNELS: dict[str, Channel] = {
    c.name: c
    for c in (
        Channel(
            "Instagram",
            "Visual storytelling, Reels and Stories; paid reach to lookalikes",
            ("instagram", "insta", "reels"),
            "Reels, carousels, Stories",
            "Social lead",
        ),
        Channel(
            "TikTok",
            "Short-form discovery and creator-led reach",
            ("tiktok", "tik tok"),
            "9:16 short video, Spark Ads",
            "Social lead",
        ),
        Channel(
            "Facebook",
            "Broad paid reach, retargeting and community groups",
            ("facebook", "fb", "meta"),
            "Feed video, carousel, lead ads",
            "Performance marketer",
        ),
        Channel(
            "LinkedIn",
            "Account-based reach to decision makers and thought leadership",
            ("linkedin",),
            "Document posts, thought-leader ads, lead-gen forms",
            "Performance marketer",
        ),
        Channel(
            "YouTube",
            "Long-form proof, demos and pre-roll for consideration",
            ("youtube", "video ads"),
            "Shorts, 15-30s pre-roll, demo videos",
            "Content lead",
        ),
        Channel(
            "Google Search",
            "Capture active demand on high-intent queries",
            ("google ads", "google search", "paid search", "search ads", "sem", "ppc", "google", "adwords"),
            "Responsive search ads, Performance Max",
            "Performance marketer",
        ),
        Channel(
            "SEO & content",
            "Compounding organic demand through useful content",
            ("seo", "organic search", "blog", "content marketing"),
            "Guides, comparison pages, blog",
            "Content lead",
        ),
        Channel(
            "Email & CRM",
            "Nurture, convert and retain owned contacts",
            ("email", "e-mail", "crm", "newsletter", "newsletters"),
            "Lifecycle flows, newsletters",
            "CRM lead",
        ),
        Channel(
            "SMS & messaging",
            "Timely, high-open reminders for opted-in customers",
            ("sms", "whatsapp", "text message", "text messages"),
            "SMS, WhatsApp broadcasts",
            "CRM lead",
        ),
        Channel(
            "Influencers & creators",
            "Borrowed trust and authentic demonstrations",
            ("influencer", "influencers", "creator", "creators", "ugc"),
            "Creator videos, whitelisted ads",
            "Social lead",
        ),
        Channel(
            "PR & media relations",
            "Earned credibility and third-party validation",
            ("pr", "press", "media relations", "journalists", "earned media"),
            "Press releases, exclusives",
            "PR lead",
        ),
        Channel(
            "Events & experiential",
            "High-touch moments that convert and create content",
            ("event", "events", "experiential", "trade show", "webinar", "webinars", "pop-up", "open day"),
            "Webinars, pop-ups, open days",
            "Account director",
        ),
        Channel(
            "Programmatic display",
            "Retargeting and contextual reach at low CPM",
            ("programmatic", "display ads", "banner", "banners", "retargeting"),
            "Display, native, CTV",
            "Performance marketer",
        ),
        Channel(
            "Partnerships & affiliates",
            "Pay-for-performance reach through trusted partners",
            ("affiliate", "affiliates", "partnership", "partnerships"),
            "Co-marketing, affiliate offers",
            "Account director",
        ),
        Channel(
            "Retail media & marketplaces",
            "Convert shoppers where they already buy",
            ("amazon", "marketplace", "marketplaces", "retail media"),
            "Sponsored products, store pages",
            "Performance marketer",
        ),
        Channel(
            "Out-of-home",
            "Local fame and salience in high-footfall places",
            ("ooh", "out-of-home", "out of home", "billboard", "billboards", "outdoor"),
            "Digital screens, posters",
            "Account director",
        ),
        Channel(
            "Podcasts & audio",
            "Trusted host reads and audio reach",
            ("podcast", "podcasts", "audio", "spotify", "radio"),
            "Host reads, audio ads",
            "Content lead",
        ),
        Channel(
            "Pinterest",
            "Planning-stage inspiration and shoppable pins",
            ("pinterest",),
            "Idea pins, shopping ads",
            "Social lead",
        ),
        Channel(
            "Local search & maps",
            "Be found nearby with reviews that convert",
            ("google business profile", "google maps", "local seo", "local search", "yelp"),
            "Business profile, review replies, local ads",
            "Performance marketer",
        ),
    )
}


# What kind of activity each channel is, for calendars and sequencing.
KINDS: dict[str, str] = {
    "Instagram": "social",
    "TikTok": "social",
    "Facebook": "social",
    "LinkedIn": "social",
    "YouTube": "social",
    "Pinterest": "social",
    "Influencers & creators": "creator",
    "Email & CRM": "owned",
    "SMS & messaging": "owned",
    "Google Search": "search",
    "Retail media & marketplaces": "search",
    "SEO & content": "content",
    "Local search & maps": "local",
    "Programmatic display": "media",
    "Out-of-home": "media",
    "Podcasts & audio": "media",
    "PR & media relations": "pr",
    "Events & experiential": "event",
    "Partnerships & affiliates": "partner",
}


@dataclass(frozen=True)
class Persona:
    role: str
    age: str
    goal: str
    pain: str
    hangouts: str
    convinced_by: str


@dataclass(frozen=True)
class Profile:
    key: str
    noun: str  # how we name the category when the brief gives none
    match: tuple[str, ...]
    conversion: str  # plural
    conversion_one: str
    value_label: str  # what one conversion is worth
    value: int  # in USD, per conversion (planning assumption)
    cpm: float  # USD
    ctr: float
    cvr: float
    working_budget: int  # USD for a 12-week programme
    channels: tuple[tuple[str, int], ...]
    audience: str
    segments: tuple[tuple[str, str, str], ...]  # name, who, need
    personas: tuple[Persona, ...]
    objectives: tuple[str, ...]
    offers: tuple[str, ...]
    pillars: tuple[str, ...]
    tone: str
    hashtags: tuple[str, ...]
    creators: str
    trends: tuple[str, ...]
    insight: str
    proof: tuple[str, ...]
    objections: tuple[tuple[str, str], ...]
    alternatives: str  # what customers do instead


PROFILES: tuple[Profile, ...] = (
    Profile(
        key="b2b_tech",
        noun="B2B technology",
        match=(
            "saas",
            "software",
            "b2b",
            "tech",
            "technology",
            "cloud",
            "cybersecurity",
            "security",
            "it services",
            "platform",
            "api",
            "ai",
            "devtools",
            "analytics",
            "data",
            "automation",
            "crm",
            "erp",
        ),
        conversion="qualified demo requests",
        conversion_one="qualified demo request",
        value_label="pipeline value per qualified demo",
        value=2400,
        cpm=38.0,
        ctr=0.009,
        cvr=0.035,
        working_budget=45_000,
        channels=(
            ("LinkedIn", 30),
            ("Google Search", 24),
            ("SEO & content", 15),
            ("Email & CRM", 10),
            ("Events & experiential", 9),
            ("Programmatic display", 6),
            ("Partnerships & affiliates", 6),
        ),
        audience="operations, finance and IT leaders at mid-market companies",
        segments=(
            ("Economic buyers", "Department heads and VPs who own the budget", "a defensible ROI case"),
            (
                "Hands-on evaluators",
                "Managers and specialists who trial and compare tools",
                "fast time-to-value and easy integration",
            ),
            (
                "Internal champions",
                "Power users who push for change from inside",
                "credibility and ready-made material to sell internally",
            ),
        ),
        personas=(
            Persona(
                "VP of Operations",
                "38-50",
                "cut manual work without a risky migration",
                "tool sprawl and reports that never agree",
                "LinkedIn, peer Slack groups, industry newsletters",
                "a customer story with hard numbers from a company like theirs",
            ),
            Persona(
                "Operations Manager",
                "29-40",
                "look good by fixing a painful process quickly",
                "clunky legacy tools and no time to evaluate new ones",
                "YouTube tutorials, G2, Reddit",
                "a free pilot and a demo that uses their own workflow",
            ),
            Persona(
                "Finance Director",
                "40-55",
                "predictable costs and measurable payback",
                "shelfware and surprise renewals",
                "LinkedIn, the FT and trade press",
                "a payback model and transparent pricing",
            ),
        ),
        objectives=(
            "Generate qualified demo requests at a target cost",
            "Build awareness with priority accounts",
            "Shorten the path from first touch to pipeline",
        ),
        offers=(
            "a 14-day guided pilot with an onboarding call",
            "a free ROI assessment workshop",
            "two months free on annual plans signed this quarter",
            "a migration assistance package",
        ),
        pillars=("Proof & ROI", "Expert playbooks", "Product in action", "Customer voices", "Point of view"),
        tone="clear, confident and evidence-led",
        hashtags=("#B2B", "#SaaS", "#FutureOfWork", "#Productivity", "#DigitalTransformation"),
        creators="practitioner creators on LinkedIn, niche newsletter writers and industry analysts",
        trends=(
            "Buying committees have grown, and most research happens before a buyer talks to sales",
            "CFO scrutiny on every new subscription makes payback the headline",
            "AI features are table stakes; proof of reliable outcomes is the differentiator",
        ),
        insight="buyers are drowning in tools and promises; they trust peers and proof, not claims",
        proof=(
            "a quantified customer case study",
            "security and compliance credentials",
            "integrations with the tools they already use",
        ),
        objections=(
            ("We already have a tool for this", "Show the side-by-side cost of the workaround"),
            ("Migration sounds risky", "Offer the migration package and a phased rollout"),
            ("No budget this quarter", "Lead with the payback model and the pilot"),
        ),
        alternatives="spreadsheets, legacy suites and doing nothing",
    ),
    Profile(
        key="consumer_retail",
        noun="consumer retail",
        match=(
            "retail",
            "ecommerce",
            "e-commerce",
            "d2c",
            "dtc",
            "fashion",
            "apparel",
            "clothing",
            "beauty",
            "cosmetics",
            "skincare",
            "jewelry",
            "jewellery",
            "furniture",
            "home",
            "consumer",
            "cpg",
            "toys",
            "footwear",
            "shoes",
            "accessories",
            "pet",
            "electronics",
            "store",
            "shop",
        ),
        conversion="online orders",
        conversion_one="online order",
        value_label="average order value",
        value=68,
        cpm=9.0,
        ctr=0.012,
        cvr=0.022,
        working_budget=30_000,
        channels=(
            ("Instagram", 22),
            ("TikTok", 16),
            ("Google Search", 18),
            ("Influencers & creators", 14),
            ("Email & CRM", 12),
            ("Retail media & marketplaces", 8),
            ("Pinterest", 5),
            ("Facebook", 5),
        ),
        audience="style- and value-conscious shoppers aged 22-45 who discover products on social",
        segments=(
            (
                "Trend seekers",
                "Younger shoppers who buy what they discover on social",
                "newness and social proof",
            ),
            (
                "Considered buyers",
                "Shoppers who compare quality, reviews and price before buying",
                "reassurance on quality and returns",
            ),
            ("Gifters", "People buying for someone else at key moments", "easy choices and fast delivery"),
        ),
        personas=(
            Persona(
                "Young professional",
                "24-32",
                "find pieces that feel personal without overspending",
                "sameness in mass brands and disappointing quality",
                "TikTok, Instagram, Pinterest",
                "real people wearing or using the product, honest reviews",
            ),
            Persona(
                "Busy parent",
                "33-44",
                "buy once, buy well, and save time",
                "returns hassle and hidden costs",
                "Instagram, Facebook groups, email newsletters",
                "clear guarantees and bundles",
            ),
            Persona(
                "Thoughtful gifter",
                "28-55",
                "give something that feels chosen, not generic",
                "last-minute stress and uncertain delivery dates",
                "Google, Pinterest, gift guides",
                "curated gift edits and guaranteed delivery dates",
            ),
        ),
        objectives=(
            "Drive online orders at a profitable cost per acquisition",
            "Grow awareness and consideration in the target market",
            "Grow the owned email and SMS audience for repeat purchase",
        ),
        offers=(
            "a welcome offer of 10% off the first order for subscribers",
            "free shipping over a threshold",
            "a limited-edition launch bundle",
            "a gift-with-purchase in launch week",
        ),
        pillars=("Product hero", "Styling & how-to", "Community & UGC", "Behind the brand", "Offers & drops"),
        tone="warm, confident and a little playful",
        hashtags=("#ShopSmall", "#NewIn", "#OOTD", "#GiftIdeas", "#SustainableStyle"),
        creators="micro-creators with engaged niche audiences and honest review styles",
        trends=(
            "Discovery has moved to short video; search now happens on TikTok as much as on Google",
            "Shoppers expect proof (reviews, UGC, try-ons) before they pay",
            "Rising acquisition costs make retention and AOV the profit levers",
        ),
        insight="shoppers want to feel they found something, not that they were sold something",
        proof=(
            "verified reviews and ratings",
            "UGC of real customers",
            "clear returns and delivery promises",
        ),
        objections=(
            ("Is it worth the price?", "Show materials, care and cost-per-wear"),
            ("What if it doesn't fit or suit me?", "Lead with free, easy returns"),
            ("I've never heard of this brand", "Use creators and reviews as social proof"),
        ),
        alternatives="marketplace lookalikes and big-box brands",
    ),
    Profile(
        key="food_beverage",
        noun="food and beverage",
        match=(
            "food",
            "beverage",
            "beverages",
            "drink",
            "drinks",
            "coffee",
            "tea",
            "restaurant",
            "restaurants",
            "cafe",
            "café",
            "bakery",
            "brewery",
            "beer",
            "wine",
            "spirits",
            "snack",
            "snacks",
            "grocery",
            "catering",
            "meal",
            "meals",
            "qsr",
            "juice",
            "chocolate",
            "dairy",
        ),
        conversion="purchases (online orders and in-store redemptions)",
        conversion_one="purchase",
        value_label="90-day customer value",
        value=45,
        cpm=7.0,
        ctr=0.011,
        cvr=0.03,
        working_budget=20_000,
        channels=(
            ("Instagram", 25),
            ("TikTok", 20),
            ("Influencers & creators", 15),
            ("Local search & maps", 12),
            ("Facebook", 8),
            ("Email & CRM", 8),
            ("Out-of-home", 7),
            ("Partnerships & affiliates", 5),
        ),
        audience="urban food lovers aged 20-40 who share what they eat and drink",
        segments=(
            (
                "Daily regulars",
                "People for whom the product is a routine",
                "convenience and a reason to stay loyal",
            ),
            (
                "Foodie explorers",
                "People who seek new tastes and share them",
                "novelty and shareable moments",
            ),
            (
                "Occasion buyers",
                "People buying for gatherings, gifts or treats",
                "the right pack for the moment",
            ),
        ),
        personas=(
            Persona(
                "Urban commuter",
                "24-35",
                "a quality daily ritual that fits a busy routine",
                "queues, inconsistent quality and rising prices",
                "Instagram, TikTok, Google Maps",
                "a friend's post, great reviews and a loyalty reward",
            ),
            Persona(
                "Weekend explorer",
                "25-40",
                "discover places and products worth sharing",
                "tourist traps and bland chains",
                "TikTok, Instagram, local food blogs",
                "creator recommendations and limited editions",
            ),
            Persona(
                "Host and gifter",
                "30-50",
                "impress guests with little effort",
                "generic supermarket options",
                "Instagram, Pinterest, WhatsApp groups",
                "bundles, gift packs and clear pricing",
            ),
        ),
        objectives=(
            "Drive trial and repeat purchase",
            "Put the brand on the map in the target area",
            "Build a loyal community that recommends the brand",
        ),
        offers=(
            "a first-visit or first-order treat",
            "a stamp-card style loyalty reward",
            "a limited seasonal flavour or menu item",
            "a bring-a-friend offer",
        ),
        pillars=("Taste & craft", "Moments & rituals", "People & place", "Community & UGC", "Seasonal drops"),
        tone="sensory, friendly and unpretentious",
        hashtags=("#Foodie", "#EatLocal", "#FoodLovers", "#TasteTest", "#SupportLocal"),
        creators="local food creators, reviewers and lifestyle micro-influencers",
        trends=(
            "Short video drives footfall: people decide where to go from TikTok and Maps",
            "Value pressure makes loyalty rewards and bundles more persuasive",
            "Provenance, sustainability and craft stories justify premium prices",
        ),
        insight="people do not buy a product, they buy a small moment they look forward to",
        proof=(
            "star ratings on Maps and delivery apps",
            "ingredient and sourcing story",
            "creator taste tests",
        ),
        objections=(
            ("It's more expensive than the usual", "Show craft, portion and loyalty value"),
            ("Not near me", "Highlight delivery partners and locations"),
            ("I'll try it some other time", "Give a time-limited first-visit reason"),
        ),
        alternatives="the familiar chain around the corner and supermarket own-label",
    ),
    Profile(
        key="health_wellness",
        noun="health and wellness",
        match=(
            "health",
            "healthcare",
            "wellness",
            "fitness",
            "gym",
            "yoga",
            "pilates",
            "clinic",
            "clinics",
            "medical",
            "dental",
            "dentist",
            "pharma",
            "pharmacy",
            "nutrition",
            "supplement",
            "supplements",
            "mental",
            "therapy",
            "spa",
            "physio",
            "physiotherapy",
            "wellbeing",
            "well-being",
        ),
        conversion="booked consultations and sign-ups",
        conversion_one="booked consultation or sign-up",
        value_label="first-year value per new client",
        value=140,
        cpm=12.0,
        ctr=0.010,
        cvr=0.03,
        working_budget=25_000,
        channels=(
            ("Google Search", 22),
            ("Instagram", 18),
            ("SEO & content", 15),
            ("Facebook", 12),
            ("Email & CRM", 12),
            ("Influencers & creators", 8),
            ("Local search & maps", 8),
            ("YouTube", 5),
        ),
        audience="health-conscious adults aged 25-55 looking for credible, convenient care",
        segments=(
            ("Motivated starters", "People ready to begin a new health habit", "an easy, guided first step"),
            (
                "Problem solvers",
                "People with a specific issue searching for help",
                "credible expertise and fast access",
            ),
            ("Lapsed members", "People who tried before and dropped off", "flexibility and encouragement"),
        ),
        personas=(
            Persona(
                "Busy professional",
                "30-45",
                "feel better without a complicated routine",
                "no time and too much conflicting advice",
                "Instagram, podcasts, Google",
                "credentials, clear pricing and easy online booking",
            ),
            Persona(
                "New parent",
                "28-40",
                "get back to feeling like themselves",
                "guilt and fragmented schedules",
                "Instagram, Facebook groups, WhatsApp",
                "empathetic stories and flexible times",
            ),
            Persona(
                "Active 50-plus",
                "50-65",
                "stay strong and independent",
                "programmes that ignore their needs",
                "Facebook, email, local press",
                "expert-led advice and peer testimonials",
            ),
        ),
        objectives=(
            "Grow booked consultations and sign-ups",
            "Become the trusted local or category choice",
            "Improve retention in the first 90 days",
        ),
        offers=(
            "a free first assessment or consultation",
            "an intro pack at a reduced price",
            "a bring-a-friend session",
            "a flexible membership with no joining fee this month",
        ),
        pillars=("Expert advice", "Real stories", "Inside the practice", "Myth-busting", "Small daily wins"),
        tone="reassuring, expert and human",
        hashtags=("#Wellbeing", "#HealthyHabits", "#SelfCare", "#FitnessMotivation", "#MindBody"),
        creators="credentialed practitioners and relatable wellness creators (no unverifiable claims)",
        trends=(
            "People research symptoms and providers online before booking",
            "Trust signals (credentials, reviews) outweigh discounts",
            "Hybrid in-person and digital services are now expected",
        ),
        insight="people don't want a programme, they want to feel in control of their health again",
        proof=(
            "practitioner credentials",
            "verified reviews",
            "before-and-after stories within regulatory rules",
        ),
        objections=(
            ("Will it work for me?", "Use stories from people like them and a free assessment"),
            ("I don't have time", "Show short sessions and flexible booking"),
            ("It's expensive", "Compare with the cost of doing nothing and offer an intro pack"),
        ),
        alternatives="generic apps, free online advice and postponing action",
    ),
    Profile(
        key="financial_services",
        noun="financial services",
        match=(
            "finance",
            "financial",
            "fintech",
            "bank",
            "banking",
            "insurance",
            "insurtech",
            "investment",
            "investing",
            "wealth",
            "lending",
            "loan",
            "loans",
            "mortgage",
            "payments",
            "crypto",
            "accounting",
            "tax",
            "credit",
            "pension",
        ),
        conversion="completed applications",
        conversion_one="completed application",
        value_label="first-year value per customer",
        value=260,
        cpm=22.0,
        ctr=0.008,
        cvr=0.025,
        working_budget=60_000,
        channels=(
            ("Google Search", 26),
            ("SEO & content", 15),
            ("LinkedIn", 12),
            ("YouTube", 10),
            ("Partnerships & affiliates", 10),
            ("Email & CRM", 10),
            ("Programmatic display", 7),
            ("PR & media relations", 5),
            ("Facebook", 5),
        ),
        audience="financially active adults aged 28-55 who compare providers online",
        segments=(
            ("Switchers", "Customers unhappy with their current provider", "a simple, safe switch"),
            ("Planners", "People making a considered financial decision", "clarity and trustworthy guidance"),
            ("Small business owners", "Founders managing business and personal finances", "time savings"),
        ),
        personas=(
            Persona(
                "Cautious planner",
                "35-50",
                "make the right long-term decision",
                "jargon and hidden fees",
                "Google, YouTube explainers, comparison sites",
                "clear fees, regulation and reviews",
            ),
            Persona(
                "Digital native",
                "25-34",
                "manage money easily from the phone",
                "slow, paper-based providers",
                "TikTok, Instagram, Reddit",
                "a slick app experience and instant sign-up",
            ),
            Persona(
                "Founder",
                "30-50",
                "spend less time on admin",
                "fragmented tools and surprise charges",
                "LinkedIn, podcasts, founder communities",
                "integrations and transparent pricing",
            ),
        ),
        objectives=(
            "Grow completed applications at a sustainable cost",
            "Build trust and awareness in the target market",
            "Improve application completion rates",
        ),
        offers=(
            "fee-free first year or month",
            "a switching bonus",
            "a free financial health check",
            "a referral reward for both sides",
        ),
        pillars=(
            "Money made clear",
            "Customer outcomes",
            "Security & trust",
            "Product how-tos",
            "Market context",
        ),
        tone="plain-spoken, trustworthy and calm",
        hashtags=("#PersonalFinance", "#MoneyTips", "#Fintech", "#FinancialWellbeing", "#SmallBusiness"),
        creators="qualified finance educators and trusted money creators (with compliance review)",
        trends=(
            "Comparison and review sites shape most shortlists",
            "Regulators expect fair, clear and not misleading promotions",
            "Mobile-first onboarding sets the bar for completion rates",
        ),
        insight="people want to feel smart and safe about money, not sold to",
        proof=("regulatory status and protections", "ratings on review platforms", "fee transparency"),
        objections=(
            ("Is my money safe?", "Lead with regulation and protection schemes"),
            ("Switching is a hassle", "Show the switching service step by step"),
            ("What's the catch?", "Publish the full fee table"),
        ),
        alternatives="the incumbent bank or provider and doing nothing",
    ),
    Profile(
        key="education",
        noun="education",
        match=(
            "education",
            "edtech",
            "school",
            "schools",
            "university",
            "college",
            "course",
            "courses",
            "training",
            "learning",
            "academy",
            "tutoring",
            "bootcamp",
            "e-learning",
            "elearning",
        ),
        conversion="enrolment applications",
        conversion_one="enrolment application",
        value_label="value per enrolment",
        value=450,
        cpm=10.0,
        ctr=0.011,
        cvr=0.02,
        working_budget=30_000,
        channels=(
            ("Google Search", 24),
            ("Instagram", 14),
            ("Facebook", 12),
            ("YouTube", 12),
            ("TikTok", 10),
            ("SEO & content", 12),
            ("Email & CRM", 10),
            ("Events & experiential", 6),
        ),
        audience="prospective learners aged 18-40 and the parents or employers who help them decide",
        segments=(
            ("Career switchers", "Adults retraining for a new role", "outcomes and flexibility"),
            (
                "Students and school leavers",
                "Young people choosing their next step",
                "belonging and reputation",
            ),
            ("Influencers of the decision", "Parents and employers who fund or approve", "proof of value"),
        ),
        personas=(
            Persona(
                "Career switcher",
                "26-38",
                "land a better job within a year",
                "fear of wasting time and money",
                "YouTube, LinkedIn, Reddit",
                "graduate outcomes and a taster class",
            ),
            Persona(
                "School leaver",
                "17-20",
                "choose a path that feels right",
                "overwhelming choice",
                "TikTok, Instagram, open days",
                "student stories and campus life",
            ),
            Persona(
                "Supportive parent",
                "40-55",
                "see their child succeed safely",
                "unclear costs and outcomes",
                "Facebook, email, Google",
                "rankings, support services and clear fees",
            ),
        ),
        objectives=(
            "Grow enrolment applications",
            "Raise awareness among prospective learners",
            "Increase open-day and taster attendance",
        ),
        offers=(
            "a free taster class or webinar",
            "an early-application fee waiver",
            "a scholarship spotlight",
            "flexible payment plans",
        ),
        pillars=(
            "Student outcomes",
            "Learning experience",
            "Faculty expertise",
            "Campus & community",
            "How to apply",
        ),
        tone="encouraging, credible and clear",
        hashtags=("#StudyGoals", "#CareerChange", "#LifelongLearning", "#EdTech", "#StudentLife"),
        creators="alumni ambassadors, student creators and career educators",
        trends=(
            "Prospects binge real student content before contacting admissions",
            "Outcome data (jobs, salaries) is the strongest persuader",
            "Flexible and hybrid learning options widen the audience",
        ),
        insight="learners are buying a future version of themselves and need proof it is reachable",
        proof=("graduate outcomes", "accreditation", "student and alumni stories"),
        objections=(
            ("Can I fit this around my life?", "Show schedules and flexible options"),
            ("Will it get me a job?", "Lead with outcome data and alumni"),
            ("It's too expensive", "Explain payment plans and funding"),
        ),
        alternatives="free online courses, competitor institutions and postponing the decision",
    ),
    Profile(
        key="travel_hospitality",
        noun="travel and hospitality",
        match=(
            "travel",
            "tourism",
            "hotel",
            "hotels",
            "resort",
            "airline",
            "hospitality",
            "vacation",
            "holiday",
            "holidays",
            "booking",
            "cruise",
            "hostel",
            "destination",
            "tour",
            "tours",
            "airbnb",
        ),
        conversion="direct bookings",
        conversion_one="direct booking",
        value_label="average booking value",
        value=420,
        cpm=11.0,
        ctr=0.011,
        cvr=0.015,
        working_budget=35_000,
        channels=(
            ("Google Search", 22),
            ("Instagram", 20),
            ("Influencers & creators", 14),
            ("Email & CRM", 12),
            ("YouTube", 10),
            ("Partnerships & affiliates", 10),
            ("Pinterest", 6),
            ("TikTok", 6),
        ),
        audience="experience-seeking travellers aged 25-55 who plan on social and book direct",
        segments=(
            (
                "Escape planners",
                "Couples and friends planning a short break",
                "inspiration and an easy booking",
            ),
            ("Family planners", "Parents organising holidays", "value, safety and convenience"),
            ("Business and bleisure", "Professionals extending work trips", "flexibility and location"),
        ),
        personas=(
            Persona(
                "Weekend escaper",
                "27-38",
                "a memorable break without the hassle",
                "overpriced, samey options",
                "Instagram, TikTok, Pinterest",
                "creator stays and clear direct-booking perks",
            ),
            Persona(
                "Family organiser",
                "35-48",
                "a stress-free trip everyone enjoys",
                "hidden fees and rigid policies",
                "Google, Facebook groups, email",
                "family packages and flexible cancellation",
            ),
            Persona(
                "Bleisure traveller",
                "30-50",
                "make the most of a work trip",
                "poor wifi and rigid check-in",
                "LinkedIn, Google, booking apps",
                "location, workspace and loyalty perks",
            ),
        ),
        objectives=(
            "Shift bookings to the direct channel",
            "Grow awareness in priority source markets",
            "Lift occupancy in shoulder periods",
        ),
        offers=(
            "a book-direct perk (late checkout or breakfast)",
            "a shoulder-season package",
            "a stay-longer discount",
            "a flexible-cancellation guarantee",
        ),
        pillars=(
            "Destination inspiration",
            "The experience",
            "Guest stories",
            "Local guides",
            "Offers & packages",
        ),
        tone="evocative, welcoming and confident",
        hashtags=("#TravelGram", "#Wanderlust", "#WeekendGetaway", "#TravelTips", "#BookDirect"),
        creators="travel creators with engaged followings in priority source markets",
        trends=(
            "Inspiration starts on social; booking decisions weigh reviews and flexibility",
            "Direct-booking perks win back share from online travel agencies",
            "Experiences and local authenticity beat generic luxury",
        ),
        insight="travellers are buying the story they will tell afterwards",
        proof=("guest reviews", "creator stays", "awards and ratings"),
        objections=(
            ("Is it cheaper on booking sites?", "Guarantee best rate plus a direct perk"),
            ("What if plans change?", "Lead with flexible cancellation"),
            ("Is it worth the trip?", "Show itineraries and guest stories"),
        ),
        alternatives="online travel agencies and familiar big-chain options",
    ),
    Profile(
        key="general",
        noun="its category",
        match=(),
        conversion="qualified leads",
        conversion_one="qualified lead",
        value_label="estimated value per lead",
        value=160,
        cpm=12.0,
        ctr=0.010,
        cvr=0.025,
        working_budget=30_000,
        channels=(
            ("Google Search", 22),
            ("Instagram", 14),
            ("Facebook", 12),
            ("LinkedIn", 10),
            ("SEO & content", 14),
            ("Email & CRM", 12),
            ("Influencers & creators", 8),
            ("PR & media relations", 8),
        ),
        audience="prospective customers",
        segments=(
            ("Active seekers", "People comparing options right now", "clarity and a reason to choose"),
            (
                "Future prospects",
                "People aware of the need but not yet looking",
                "memorable reasons to remember",
            ),
            ("Advocates", "Existing customers and fans", "recognition and something to share"),
        ),
        personas=(
            Persona(
                "Pragmatic decider",
                "30-45",
                "make a good choice quickly",
                "too many similar options",
                "Google, Instagram, review sites",
                "clear benefits, reviews and a low-risk first step",
            ),
            Persona(
                "Curious browser",
                "22-34",
                "discover something better",
                "generic, forgettable brands",
                "Instagram, TikTok, YouTube",
                "authentic content and peer recommendations",
            ),
            Persona(
                "Loyal advocate",
                "30-55",
                "get recognised for staying loyal",
                "being taken for granted",
                "Email, Facebook, community groups",
                "recognition, rewards and early access",
            ),
        ),
        objectives=(
            "Generate qualified leads at a sustainable cost",
            "Grow awareness in the target market",
            "Turn customers into advocates",
        ),
        offers=(
            "a low-risk first step (trial, sample or consultation)",
            "a limited-time introductory offer",
            "a referral reward",
            "a bundle that raises order value",
        ),
        pillars=("Why it matters", "How it works", "Customer stories", "Behind the brand", "Offers & news"),
        tone="clear, warm and confident",
        hashtags=("#SmallBusiness", "#CustomerLove", "#BehindTheBrand", "#NewLaunch", "#MadeWithCare"),
        creators="micro-creators and experts trusted by the target audience",
        trends=(
            "Buyers research across many touchpoints before they act",
            "Trust signals (reviews, creators, proof) decide close calls",
            "Owned channels (email, community) cushion rising media costs",
        ),
        insight="people choose the brand that makes the decision feel easy and safe",
        proof=("customer reviews", "case stories", "guarantees"),
        objections=(
            ("Why you and not the usual option?", "Lead with the one clear difference"),
            ("Is it worth it?", "Show outcomes and a low-risk first step"),
            ("I'll think about it", "Use a time-bound reason and a reminder flow"),
        ),
        alternatives="the familiar incumbent and doing nothing",
    ),
)

_GENERAL = PROFILES[-1]
_PATTERNS: dict[str, re.Pattern[str]] = {
    p.key: re.compile(r"\b(" + "|".join(re.escape(w) for w in p.match) + r")\b") for p in PROFILES if p.match
}


def profile_for(industry: str, product: str = "", extra: str = "") -> Profile:
    """The profile whose keywords best match the industry (weighted) and product text."""
    best, best_score = _GENERAL, 0
    fields = ((industry.lower(), 4), (product.lower(), 2), (extra.lower()[:2000], 1))
    for p in PROFILES:
        pattern = _PATTERNS.get(p.key)
        if pattern is None:
            continue
        score = sum(weight * len(pattern.findall(text)) for text, weight in fields if text)
        if score > best_score:
            best, best_score = p, score
    return best
