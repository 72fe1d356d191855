"""Operator feedback as instructions the plan acts on.

Feedback ("remove TikTok/Reels, position against Wiz and Orca, make Infosecurity Europe the centrepiece")
is split into instructions, and each is read as a change to the plan: drop, add, boost or reduce a channel
(or rule a format out), centre the calendar on an event, position against named competitors, count the
targets on another funnel stage, change the tone, the creative's language or the budget, or make a section
shorter, more detailed or more numeric. What cannot be read as one of those is returned as unapplied, with
the reason, so the operator knows. The feedback's words are never written into the report.

Deterministic keyword rules, explainable in the notes returned to the operator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from fractions import Fraction

from services.generator.domain.brief_parser import _names, channel_mentions
from services.generator.domain.dates import find_dates, first_year
from services.generator.domain.money import Budget, parse_budget
from services.generator.domain.readers.places import market_language
from services.generator.domain.understanding import BriefEvent, Competitor, UnderstoodBrief
from services.generator.domain.vocabulary import vocabulary

_THEMES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "shorter",
        re.compile(
            r"\b(shorter|concise|too long|trim|tighten|condense|cut down|less text|too wordy|wordy|simplify|"
            r"simpler|briefer|succinct|summari[sz]e)\b",
            re.I,
        ),
    ),
    (
        "detail",
        re.compile(
            r"\b(more detail(?:s|ed)?|detailed|deeper|in depth|in-depth|expand|elaborate|more specific|flesh out|"
            r"too short|too thin|thin|generic|vague|more depth)\b",
            re.I,
        ),
    ),
    (
        "budget",
        re.compile(
            r"\b(explain|justify|break down|breakdown|show)\b.*\b(budget|spend|costs?|roi|roas)\b", re.I
        ),
    ),
    ("numbers", re.compile(r"\b(kpis?|metrics?|numbers|measurable|quantif\w*|benchmarks?)\b", re.I)),
    (
        "timing",
        re.compile(r"\b(timeline|timing|faster|sooner|earlier|later|schedule|launch date)\b", re.I),
    ),
    (
        "audience",
        re.compile(
            r"\b(audience|segments?|personas?|demographic\w*|gen ?z|millennials?|younger|older)\b", re.I
        ),
    ),
    (
        "creative",
        re.compile(r"\b(creative|visuals?|imagery|design|headlines?|copy|ideas?|concepts?)\b", re.I),
    ),
)
TONES: dict[str, tuple[re.Pattern[str], str]] = {
    "more formal": (
        re.compile(r"\b(formal|professional|corporate|serious)\b", re.I),
        "precise, measured and professional",
    ),
    "more playful": (
        re.compile(r"\b(playful|fun|funny|witty|humou?r\w*|cheeky|lighter)\b", re.I),
        "light, witty and warm",
    ),
    "bolder": (
        re.compile(r"\b(bold|bolder|punchy|punchier|edgy|edgier|provocative|stronger)\b", re.I),
        "direct, confident and provocative",
    ),
    "warmer": (
        re.compile(r"\b(warm|warmer|friendly|friendlier|human|empathetic|conversational|casual)\b", re.I),
        "warm, human and conversational",
    ),
    "more premium": (
        re.compile(r"\b(premium|luxury|luxurious|upmarket|high-end|elegant|sophisticated)\b", re.I),
        "refined, understated and confident",
    ),
}
_VERBS = (
    "remove|drop|cut|kill|lose|ditch|add|include|use|make|centre|center|focus|build|anchor|position|pitch|frame|"
    "put|shift|move|increase|boost|reduce|lower|base|measure|count|set|change|switch|write|translate|keep|shorten|"
    "expand|lead|avoid|exclude|replace|double|halve|give|swap|target|no|less|more|go|compete|show|explain|tone"
)
_SPLIT = re.compile(
    rf"[\n;]+|(?<=[.!?])\s+|,\s*(?:and\s+|then\s+)?(?=(?:{_VERBS})\b)|\s+and\s+(?=(?:{_VERBS})\b)", re.I
)
_CENTRE = (
    re.compile(
        r"\b(?:make|have|use|turn)\s+(?P<name>.+?)\s+(?:the\s+|our\s+)?(?:centrepiece|centerpiece|centre piece|"
        r"hero moment|main moment|anchor|focal point|big moment)\b",
        re.I,
    ),
    re.compile(
        r"\b(?:centre|center|focus|build|anchor|hinge|pivot)\s+(?:the\s+)?(?:plan|calendar|campaign|everything|it|"
        r"programme|program|launch)?\s*(?:on|around)\s+(?P<name>.+)$",
        re.I,
    ),
)
_AGAINST = re.compile(
    r"\b(?:position(?:ed|ing)?|pitch|frame|go|compete|contrast(?:ed)?|win|differentiate)\b.*?\b(?:against|vs\.?|versus|from)\s+(?P<names>.+)$",
    re.I,
)
_BASIS = re.compile(
    r"\b(?:base|basing|measure|judge|count|set|express|report|count)\b.*?\btargets?\b.*?\b(?:on|in|by|as|around|in terms of)\s+(?P<what>.+)$"
    r"|\btargets?\b.*?\b(?:on|in terms of|as|around)\s+(?P<what2>.+)$",
    re.I,
)
_PER_PERIOD = re.compile(
    r"\b(?:monthly|weekly|quarterly)\s+targets?\b|\btargets?\s+(?:per|each|a)\s+(?:month|week|quarter)\b",
    re.I,
)
_BUDGET = re.compile(r"\bbudget\b", re.I)
_BUDGET_CHANGE = re.compile(
    r"\b(lean|leaner|smaller|bigger|larger|cut|increase|reduce|lower|raise|double|halve|trim)\b", re.I
)
_LANGUAGE = re.compile(r"\b(?:in|into)\s+(?P<lang>[A-Z][a-z]+)\b")
# "make WhatsApp the lead channel", "lead with LinkedIn", "put Google Search first"
_LEAD = re.compile(
    r"\b(?:lead(?:ing)?|main|primary|first|top|biggest|largest|number one|no\.? ?1)\s+(?:channel|line|spend)\b"
    r"|\blead\s+with\b|\bput\b.*\bfirst\b|\bmake\b.*\b(?:lead|first|main|primary|top)\b",
    re.I,
)
# "give Google Search 30%", "30% to TikTok", "TikTok at 25%"
_SHARE = re.compile(r"(?<![\d.])(?P<pct>\d{1,2}(?:\.\d+)?)\s*(?:%|per ?cent\b)", re.I)
# "add a chartered-accountant partner line": a partner or affiliate programme added to the mix.
_PARTNER_LINE = re.compile(
    r"\b(?:add|include|start|open|build|launch)\b.*?\b(?P<who>[\w-]+(?:\s+[\w-]+){0,3}?)?\s*"
    r"(?:partner(?:s|ship)?|affiliate|referral partner)s?\s*(?:line|programme|program|channel|network|scheme)?\b",
    re.I,
)
PARTNER_CHANNEL = "Partnerships & affiliates"


@dataclass(frozen=True)
class Instruction:
    """One instruction from the feedback, read as a change to the plan."""

    # drop, drop_format, add, boost, reduce, lead, share, centre, against, basis, tone, language, budget, theme
    kind: str
    value: str  # the channel, format, event, tone, language, stage key or theme
    text: str  # the instruction as written (for the operator's notes; never printed in the report)
    names: tuple[str, ...] = ()
    event: BriefEvent | None = None
    budget: Budget | None = None
    share: Fraction | None = None  # for "share": the part of the whole budget asked for (0.3 for 30%)
    note: str = ""  # for "add": who the line is for, as written ("chartered-accountant")


@dataclass(frozen=True)
class Unapplied:
    text: str
    reason: str


@dataclass(frozen=True)
class Emphasis:
    """What the feedback asks the plan to change."""

    feedback: str = ""
    instructions: tuple[Instruction, ...] = ()
    unapplied: tuple[Unapplied, ...] = ()
    themes: tuple[str, ...] = ()

    def has(self, theme: str) -> bool:
        return theme in self.themes

    def of(self, kind: str) -> tuple[Instruction, ...]:
        return tuple(i for i in self.instructions if i.kind == kind)

    def values(self, kind: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i.value for i in self.of(kind)))

    @property
    def boost(self) -> tuple[str, ...]:
        return self.values("boost") + tuple(v for v in self.values("add") if v not in self.values("boost"))

    @property
    def reduce(self) -> tuple[str, ...]:
        return self.values("reduce")

    @property
    def drop(self) -> tuple[str, ...]:
        return self.values("drop")

    @property
    def tone(self) -> str:
        found = self.of("tone")
        return found[0].value if found else ""


def split_instructions(feedback: str) -> list[str]:
    return [p.strip(" ,.") for p in _SPLIT.split(feedback) if p and p.strip(" ,.")]


def read_feedback(
    feedback: str, facts: UnderstoodBrief, metric_words: dict[str, tuple[str, ...]], mix: tuple[str, ...]
) -> Emphasis:
    """The feedback as instructions for this brief (`metric_words` maps funnel stages to the words that name
    them; `mix` is the channel mix before the feedback)."""
    text = feedback.strip()
    if not text:
        return Emphasis()
    instructions: list[Instruction] = []
    unapplied: list[Unapplied] = []
    themes: list[str] = []
    year = first_year(text) or next((e.start.year for e in facts.events if e.start), None)
    for part in split_instructions(text):
        found = _read(part, facts, metric_words, mix, year)
        if isinstance(found, Unapplied):
            unapplied.append(found)
            continue
        part_themes = [name for name, pattern in _THEMES if pattern.search(part)]
        themes += part_themes
        instructions += found
        if not found and not part_themes:
            unapplied.append(
                Unapplied(
                    part,
                    "not a change the plan can make as written; name the channel, event, competitor, target, "
                    "tone, language or budget to change",
                )
            )
    if "shorter" in themes and "detail" in themes:
        themes = [t for t in themes if t != "detail"]  # "shorter but less vague": keep it short
    return Emphasis(text, tuple(instructions), tuple(unapplied), tuple(dict.fromkeys(themes)))


def _read(
    part: str,
    facts: UnderstoodBrief,
    metric_words: dict[str, tuple[str, ...]],
    mix: tuple[str, ...],
    year: int | None,
) -> list[Instruction] | Unapplied:
    out: list[Instruction] = []
    # An event to centre the plan on.
    for pattern in _CENTRE:
        m = pattern.search(part)
        if m:
            return _centre(part, m.group("name"), facts, year)
    # Competitors to position against.
    m = _AGAINST.search(part)
    if m:
        names = tuple(n for n, _note in _names(m.group("names")))
        if names:
            return [Instruction("against", ", ".join(names), part, names=names)]
    # What the targets are counted in.
    if _PER_PERIOD.search(part):
        return Unapplied(
            part,
            "targets follow the budget's period; state the budget per month (or week) to plan targets that way",
        )
    m = _BASIS.search(part)
    if m:
        what = (m.group("what") or m.group("what2") or "").lower()
        words = sorted(((w, k) for k, ws in metric_words.items() for w in ws), key=lambda wk: -len(wk[0]))
        stage = next(
            (k for w, k in words if re.search(r"(?<![\w-])" + re.escape(w) + r"(?![\w-])", what)), ""
        )
        if stage and stage not in ("units", "value"):
            return [Instruction("basis", stage, part)]
        return Unapplied(
            part,
            "the targets can be counted on a funnel stage this plan tracks; name one (for example leads, bookings or orders)",
        )
    # The creative's language.
    m = _LANGUAGE.search(part)
    if (
        m
        and m.group("lang").casefold() in vocabulary().language_by_name
        and re.search(
            r"\b(creative|copy|ads?|write|written|translate|language|lines|everything|headlines?|campaign)\b",
            part,
            re.I,
        )
    ):
        return [Instruction("language", vocabulary().language_by_name[m.group("lang").casefold()].name, part)]
    # Tone.
    tone = next((name for name, (pattern, _phrase) in TONES.items() if pattern.search(part)), "")
    if tone:
        out.append(Instruction("tone", tone, part))
    elif re.search(r"\b(tone|voice)\b", part, re.I):
        return Unapplied(part, "say which tone: more formal, warmer, bolder, more playful or more premium")
    # The budget.
    if _BUDGET.search(part) and not channel_mentions(part):
        budget = parse_budget(part, "", facts.budget.currency if facts.budget else None)
        if budget is not None and budget.amount >= 100:
            return [Instruction("budget", budget.total_text, part, budget=budget)]
        if _BUDGET_CHANGE.search(part):
            return Unapplied(
                part, "the budget is the client's figure; give the new total to re-plan against it"
            )
    # Channels and formats.
    mentions = [m for m in channel_mentions(part) if not m.is_format]
    partner = _PARTNER_LINE.search(part)
    if partner and not mentions:
        who = (partner.group("who") or "").strip()
        who = (
            ""
            if who.casefold() in {"a", "an", "the", "new", "one"}
            else re.sub(r"^(?:a|an|the|new)\s+", "", who, flags=re.I)
        )
        return [Instruction("boost" if PARTNER_CHANNEL in mix else "add", PARTNER_CHANNEL, part, note=who)]
    channels = [m for m in mentions if m.verdict != "drop"]
    share = _SHARE.search(part)
    if share and len(channels) == 1 and not _BUDGET_CHANGE.search(part):
        name = channels[0].name
        if name in facts.rules.excluded_channels:
            return Unapplied(part, f"the brief rules {name} out; change the brief's rules to use it")
        value = Fraction(share.group("pct"))
        if not 0 < value < 70:
            return Unapplied(part, "a channel's share must be between 1% and 69% of the budget")
        out = [Instruction("share", name, part, share=value / 100)]
        if _LEAD.search(part):
            out.append(Instruction("lead", name, part))
        return out
    if _LEAD.search(part) and len(channels) == 1:
        name = channels[0].name
        if name in facts.rules.excluded_channels:
            return Unapplied(part, f"the brief rules {name} out; change the brief's rules to use it")
        return [Instruction("lead", name, part)]
    for mention in channel_mentions(part):
        if mention.is_format:
            if mention.verdict == "drop":
                out.append(Instruction("drop_format", mention.name, part))
            continue
        if mention.verdict == "drop":
            out.append(Instruction("drop", mention.name, part))
        elif mention.verdict == "reduce":
            out.append(Instruction("reduce", mention.name, part))
        elif mention.name in facts.rules.excluded_channels:
            return Unapplied(part, f"the brief rules {mention.name} out; change the brief's rules to use it")
        else:
            out.append(Instruction("boost" if mention.name in mix else "add", mention.name, part))
    return out


def _centre(part: str, raw: str, facts: UnderstoodBrief, year: int | None) -> list[Instruction] | Unapplied:
    raw = re.sub(r"^(?:the|our)\s+", "", raw.strip(" .,"), flags=re.I)
    dates = find_dates(raw, year)
    name = raw[: dates[0].pos].strip(" ,(-") if dates else raw
    name = re.sub(r"\s*\($", "", name).strip()
    known = next(
        (
            e
            for e in facts.events
            if e.name.casefold() in name.casefold() or name.casefold() in e.name.casefold()
        ),
        None,
    )
    if known is not None:
        return [Instruction("centre", known.name, part, event=known)]
    if dates:
        d = dates[0]
        return [
            Instruction(
                "centre", name, part, event=BriefEvent(name=name, date_text=d.text, start=d.start, end=d.end)
            )
        ]
    return Unapplied(
        part, f"{name} has no date in the brief or the feedback; add its dates to centre the calendar on it"
    )


def apply_to_brief(facts: UnderstoodBrief, emphasis: Emphasis) -> UnderstoodBrief:
    """The understood brief with the feedback's changes: channels and formats ruled out join the rules (so
    they are never mentioned), competitors named come first, a new centrepiece event joins the events, and
    the tone, language or budget change."""
    if not emphasis.instructions:
        return facts
    rules = facts.rules
    dropped = tuple(dict.fromkeys([*rules.excluded_channels, *emphasis.values("drop")]))
    formats = tuple(dict.fromkeys([*rules.excluded_formats, *emphasis.values("drop_format")]))
    rules = replace(rules, excluded_channels=dropped, excluded_formats=formats)
    competitors = facts.competitors
    for inst in emphasis.of("against"):
        named = [
            Competitor(n, next((c.note for c in facts.competitors if c.name.casefold() == n.casefold()), ""))
            for n in inst.names
        ]
        rest = [c for c in competitors if c.name.casefold() not in {n.casefold() for n in inst.names}]
        competitors = tuple(named + rest)
    events = facts.events
    for inst in emphasis.of("centre"):
        if inst.event is not None and all(e.name != inst.event.name for e in events):
            events = (*events, inst.event)
    language, locale = facts.language, facts.locale
    for inst in emphasis.of("language"):
        language = inst.value
        code = vocabulary().language_by_name[language.casefold()].code
        country = next((c for c in facts.countries if market_language(c) == language), "")
        locale = f"{code}-{country or (facts.countries[0] if facts.countries else '')}".rstrip("-")
    tone = facts.tone
    for inst in emphasis.of("tone"):
        tone = TONES[inst.value][1]
    budget = facts.budget
    for inst in emphasis.of("budget"):
        budget = inst.budget
    channels = tuple(c for c in facts.channels if c not in dropped)
    return replace(
        facts,
        rules=rules,
        competitors=competitors,
        events=events,
        language=language,
        locale=locale,
        tone=tone,
        budget=budget,
        channels=channels,
    )


__all__ = [
    "PARTNER_CHANNEL",
    "TONES",
    "Emphasis",
    "Instruction",
    "Unapplied",
    "apply_to_brief",
    "read_feedback",
    "split_instructions",
]
