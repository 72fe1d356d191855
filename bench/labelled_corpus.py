"""A labelled retrieval corpus: marketing snippets naming made-up brands and product lines, and queries that
paraphrase one snippet and name its brand and line (deterministic for a seed).

Each snippet is built from facts (audience, channel, tactic, goal, insight) plus the brand, the product line,
a kind (8) and an industry (12); 72-120 words. A query restates three or four of its snippet's facts in
other words (a paraphrase table below) and names the brand and line, as an operator would ("Velorix
Quennaline: sending free samples to small creators on short vertical videos..."). The facts recur across
brands, so a query's closest snippets by meaning are often other brands' snippets with the same facts (what
a sentence embedding confuses), while the brand's own other snippets share its names but not its facts
(what keywords alone confuse): both halves of hybrid search are needed to find the one snippet meant.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from bench.corpus import INSIGHTS as MARKETING_INSIGHTS

# (canonical wording in snippets, paraphrase used in queries)
AUDIENCES = (
    ("Gen Z students", "college-age young people"),
    ("first-time homebuyers", "people buying their first house"),
    ("busy working parents", "mums and dads juggling jobs and kids"),
    ("CFOs at mid-market companies", "finance chiefs of medium-sized firms"),
    ("retirees planning travel", "pensioners thinking about trips"),
    ("urban cyclists", "people who ride bikes in the city"),
    ("small business owners", "owners of little shops and firms"),
    ("health-conscious millennials", "thirty-somethings who care about wellness"),
    ("IT security leads", "heads of cyber defence"),
    ("new pet owners", "people who just adopted a dog or cat"),
    ("remote workers", "people working from home"),
    ("luxury shoppers", "buyers of high-end goods"),
    ("weekend hikers", "people who walk trails on Saturdays"),
    ("procurement teams", "corporate purchasing departments"),
    ("new parents", "couples with a newborn"),
    ("high-income commuters", "well-paid people travelling to work daily"),
)
CHANNELS = (
    ("Instagram Reels", "short vertical videos on Instagram"),
    ("TikTok", "the short-video app popular with teens"),
    ("LinkedIn", "the professional networking site"),
    ("YouTube pre-roll", "ads before online videos"),
    ("Google Search ads", "paid results on search engines"),
    ("the email newsletter", "our regular mailing to subscribers"),
    ("SMS", "text messages to phones"),
    ("podcast sponsorships", "paid mentions in audio shows"),
    ("out-of-home billboards", "large outdoor posters"),
    ("Pinterest", "the visual pinboard site"),
    ("affiliate partners", "partner sites paid per sale"),
    ("webinars", "live online seminars"),
    ("community events", "local in-person meetups"),
    ("Reddit", "discussion forums"),
    ("connected TV", "ads on streaming television"),
    ("Spotify audio ads", "ads on the music streaming app"),
)
TACTICS = (
    ("a limited-time referral offer", "a short-lived reward for bringing friends"),
    ("a user-generated content challenge", "a contest where customers post their own clips"),
    ("micro-influencer seeding", "sending free product to small creators"),
    ("retargeting with dynamic product ads", "showing people the exact items they browsed"),
    ("a free-trial extension", "giving more days to try it at no cost"),
    ("customer testimonial videos", "clips of buyers praising it"),
    ("a double-points loyalty week", "seven days of twice the reward points"),
    ("a gated industry report", "a research paper behind a sign-up form"),
    ("founder-led storytelling", "the founder telling the origin story"),
    ("a bundle discount", "a lower price for buying several together"),
    ("live shopping sessions", "selling during live streamed shows"),
    ("a product-finder quiz", "a short questionnaire that recommends the right item"),
    ("an abandoned-cart flow", "reminders to people who left items in the basket"),
    ("a seasonal limited edition", "a special version sold only this season"),
    ("an early-access waitlist", "a sign-up list for getting it first"),
    ("a win-back email series", "messages to lure lapsed buyers back"),
)
GOALS = (
    ("lift trial sign-ups by 25%", "get a quarter more people to start a trial"),
    ("cut cost per acquisition by a third", "pay a third less for each new customer"),
    ("double email open rates", "get twice as many mails opened"),
    ("grow the repeat purchase rate", "make more buyers come back and buy again"),
    ("build awareness ahead of a product launch", "make people know the name before release"),
    ("win back lapsed customers", "bring former buyers back"),
    ("raise average order value", "make each basket bigger"),
    ("generate qualified demo requests", "get good leads asking for a product demonstration"),
    ("boost app installs", "get more downloads of the app"),
    ("increase store footfall", "bring more visitors into the shops"),
    ("reduce churn in the first 90 days", "keep new customers from leaving in their first three months"),
    ("launch in a new city", "open up in another town"),
)
# Twelve of the synthetic corpus's insights (its first ten, then two of its later ones), in the order this
# corpus has always drawn them from (a seed gives the same corpus as before).
INSIGHTS = (*MARKETING_INSIGHTS[:10], "personalised recommendations", "risk-free guarantees")
INDUSTRIES = (
    ("fintech", "card"),
    ("skincare", "serum"),
    ("B2B SaaS", "platform"),
    ("specialty coffee", "blend"),
    ("fitness", "programme"),
    ("pet food", "recipe"),
    ("home solar", "panel kit"),
    ("meal kits", "box"),
    ("outdoor gear", "jacket"),
    ("telehealth", "plan"),
    ("language learning", "course"),
    ("craft beer", "ale"),
)
KINDS = (
    ("channel_plan", "channel plan"),
    ("persona", "audience note"),
    ("promotion", "promotion recap"),
    ("email_flow", "lifecycle flow"),
    ("kpi_plan", "KPI plan"),
    ("creative_direction", "creative brief"),
    ("launch_plan", "launch plan"),
    ("retention_plan", "retention play"),
)
_B1 = (
    "Vel",
    "Quor",
    "Lum",
    "Zen",
    "Brix",
    "Tark",
    "Oly",
    "Sav",
    "Kest",
    "Mir",
    "Dal",
    "Fen",
    "Gor",
    "Hal",
    "Jun",
    "Pax",
    "Rue",
    "Sol",
    "Tem",
    "Ulv",
    "Vex",
    "Wyn",
    "Yar",
    "Cor",
    "Dex",
    "Ember",
    "Fal",
    "Griv",
)
_B2 = ("a", "o", "i", "e", "u", "ya", "io")
_B3 = (
    "rix",
    "via",
    "bel",
    "nta",
    "que",
    "dor",
    "mium",
    "nova",
    "lex",
    "ra",
    "no",
    "ette",
    "ton",
    "lis",
    "ly",
)
_L1 = ("Quen", "Aur", "Nim", "Sol", "Tid", "Quar", "Hal", "Verv", "Drif", "Atl", "Cob", "Sab", "Jun", "Ony")
_L2 = ("a", "e", "i", "o")
_L3 = ("line", "ra", "mar", "vell", "sto", "rune", "dia", "wick", "ford", "tine", "lume", "cast")
_FILLER = (
    "The team reviewed results every Friday and moved budget toward the best performer.",
    "Creative was refreshed every two weeks to avoid fatigue.",
    "Legal signed off on every claim before launch.",
    "We tracked everything with UTM tags and a shared dashboard.",
    "The first week was spent on a small test before scaling spend.",
    "Sales and support were briefed so the message stayed consistent.",
    "Spend was capped daily so a bad day could not burn the month.",
    "Copy stayed short, with one clear call to action.",
    "A holdout group measured the true lift.",
    "Landing pages were matched to each ad's promise.",
    "The budget split was seventy percent proven, thirty percent experiments.",
    "Weekly reports went to the client every Monday morning.",
)


@dataclass(frozen=True)
class Snippet:
    index: int
    kind: str
    industry: str
    brand: str
    line: str
    client_id: str
    agency: bool  # agency library item (no client)
    title: str
    text: str
    facts: tuple[int, int, int, int, int]  # audience, channel, tactic, goal, insight


@dataclass(frozen=True)
class Query:
    text: str
    target: int  # index of the snippet it paraphrases


class LabelledCorpus:
    """`size` snippets over brands that each belong to a client; `queries(n)` picks n targets."""

    def __init__(
        self, size: int, seed: int, *, brand_offset: int = 0, agency_share: float = 0.05, per_brand: int = 20
    ) -> None:
        """`per_brand`: snippets per brand on average (20; the hard corpus of the index check uses 200: some
        67 near neighbours per brand and product line)."""
        self.rng = random.Random(seed)
        names = _brand_names(seed)
        lines_per_brand = 3
        brands = max(10, size // per_brand)
        self.snippets: list[Snippet] = []
        line_names = _line_names(seed)
        for i in range(size):
            b = self.rng.randrange(brands)
            brand = names[(brand_offset + b) % len(names)]
            line_no = self.rng.randrange(lines_per_brand)
            industry, noun = INDUSTRIES[(brand_offset + b) % len(INDUSTRIES)]
            line = f"{line_names[((brand_offset + b) * lines_per_brand + line_no) % len(line_names)]} {noun}"
            kind, kind_label = KINDS[self.rng.randrange(len(KINDS))]
            facts = (
                self.rng.randrange(len(AUDIENCES)),
                self.rng.randrange(len(CHANNELS)),
                self.rng.randrange(len(TACTICS)),
                self.rng.randrange(len(GOALS)),
                self.rng.randrange(len(INSIGHTS)),
            )
            agency = self.rng.random() < agency_share
            client = "" if agency else f"client-{(brand_offset + b) // 2:05d}"
            self.snippets.append(
                Snippet(
                    index=i,
                    kind=kind,
                    industry=industry,
                    brand=brand,
                    line=line,
                    client_id=client,
                    agency=agency,
                    title=f"{brand} {line}: {kind_label}",
                    text=self._text(brand, line, kind_label, facts, i),
                    facts=facts,
                )
            )

    def _text(self, brand: str, line: str, kind_label: str, facts: tuple[int, ...], i: int) -> str:
        a, c, t, g, ins = facts
        r = self.rng
        parts = [
            f"{kind_label[0].upper()}{kind_label[1:]} for {brand} {line}.",
            f"To {GOALS[g][0]}, we targeted {AUDIENCES[a][0]} with {TACTICS[t][0]} on {CHANNELS[c][0]}.",
            f"The message leaned on {INSIGHTS[ins]}, which this audience trusts more than ads.",
            f"Result: {r.randrange(8, 60)}% above the previous quarter after {r.randrange(2, 9)} weeks.",
        ]
        fillers = r.sample(_FILLER, k=len(_FILLER))
        words = sum(len(p.split()) for p in parts)
        target = r.randrange(72, 121)
        for f in fillers:
            if words + len(f.split()) > target:
                continue
            parts.insert(r.randrange(2, len(parts)), f)
            words += len(f.split())
            if words >= 72:
                break
        parts.append(f"The {brand} team plans to repeat it for {line} (ref {i}).")
        return " ".join(parts)

    def queries(self, count: int, seed: int) -> list[Query]:
        rng = random.Random(seed)
        targets = rng.sample(range(len(self.snippets)), k=min(count, len(self.snippets)))
        out = []
        for t in targets:
            s = self.snippets[t]
            a, c, tac, g, _ = s.facts
            pieces = [
                f"{TACTICS[tac][1]}",
                f"through {CHANNELS[c][1]}",
                f"for {AUDIENCES[a][1]}",
                f"to {GOALS[g][1]}",
            ]
            if rng.random() < 0.3:
                pieces.pop(rng.randrange(1, 4))
            head = rng.choice(("{b} {l}:", "For {b}'s {l},", "{b} ({l}):", "What did {b} do for {l}?"))
            out.append(Query(f"{head.format(b=s.brand, l=s.line)} {' '.join(pieces)}", t))
        return out


def _brand_names(seed: int) -> list[str]:
    names = sorted({f"{x}{y}{z}" for x in _B1 for y in _B2 for z in _B3})
    random.Random(seed).shuffle(names)
    return names


def _line_names(seed: int) -> list[str]:
    names = sorted({f"{x}{y}{z}" for x in _L1 for y in _L2 for z in _L3})
    random.Random(seed + 1).shuffle(names)
    return names
