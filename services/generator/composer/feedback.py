"""Reading operator feedback (and brief constraints) for what should change.

Feedback such as "shorter, and more TikTok" or a constraint such as "no influencers" becomes an
`Emphasis`: themes to address, and channels to boost, reduce or drop. Pure keyword rules: deterministic
and explainable in the revision notes returned to the operator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.generator.composer.profiles import CHANNELS

_THEMES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "shorter",
        re.compile(
            r"\b(shorter|concise|too long|trim|tighten|condense|cut down|less text|too "
            r"wordy|wordy|simplify|simpler|briefer|succinct|summari[sz]e)\b",
            re.I,
        ),
    ),
    (
        "detail",
        re.compile(
            r"\b(more detail(?:s|ed)?|detailed|deeper|in depth|in-depth|expand|elaborate|more "
            r"specific|flesh out|too short|too thin|thin|generic|vague|more depth)\b",
            re.I,
        ),
    ),
    (
        "budget",
        re.compile(
            r"\b(budget|cost|costs|spend|spending|cheaper|expensive|price|pricing|roi|roas|money|affordable|cpa|cac)\b",
            re.I,
        ),
    ),
    (
        "numbers",
        re.compile(
            r"\b(kpis?|metrics?|numbers|targets?|measurable|measure|data|quantif\w*|benchmarks?)\b",
            re.I,
        ),
    ),
    (
        "timing",
        re.compile(
            r"\b(timeline|timing|faster|sooner|deadline|earlier|later|schedule|dates?|launch date)\b",
            re.I,
        ),
    ),
    (
        "audience",
        re.compile(
            r"\b(audience|segment|segments|persona|personas|demographic\w*|gen "
            r"?z|millennials?|younger|older|parents|students|customers)\b",
            re.I,
        ),
    ),
    (
        "creative",
        re.compile(
            r"\b(creative|visual|visuals|imagery|design|headline|headlines|copy|idea|ideas|concept|concepts)\b",
            re.I,
        ),
    ),
)
_TONES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("more formal", re.compile(r"\b(formal|professional|corporate|serious)\b", re.I)),
    ("more playful", re.compile(r"\b(playful|fun|funny|witty|humou?r\w*|cheeky|lighter)\b", re.I)),
    ("bolder", re.compile(r"\b(bold|bolder|punchy|punchier|edgy|edgier|provocative|stronger)\b", re.I)),
    (
        "warmer",
        re.compile(r"\b(warm|warmer|friendly|friendlier|human|empathetic|conversational|casual)\b", re.I),
    ),
    (
        "more premium",
        re.compile(r"\b(premium|luxury|luxurious|upmarket|high-end|elegant|sophisticated)\b", re.I),
    ),
)
_NEGATE = re.compile(
    r"\b(no|not|without|drop|remove|exclude|excluding|avoid|stop|never|skip|ban|banned|don'?t|do "
    r"not)\b(?:\W+\w+){0,2}\W*$",
    re.I,
)
_REDUCE = re.compile(
    r"\b(less|fewer|reduce|lower|cut|smaller|scale back|decrease)\b(?:\W+\w+){0,2}\W*$", re.I
)

_CHANNEL_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (c.name, re.compile(r"(?<![\w-])(" + "|".join(re.escape(k) for k in c.keywords) + r")(?![\w-])", re.I))
    for c in CHANNELS.values()
)


@dataclass(frozen=True)
class Emphasis:
    feedback: str = ""
    themes: tuple[str, ...] = ()
    tone: str = ""
    boost: tuple[str, ...] = ()
    reduce: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()

    def has(self, theme: str) -> bool:
        return theme in self.themes


def channel_mentions(text: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(mentioned positively, to reduce, to drop) channel names, in catalogue order."""
    boost: list[str] = []
    reduce: list[str] = []
    drop: list[str] = []
    for name, pattern in _CHANNEL_PATTERNS:
        verdicts: list[str] = []
        for m in pattern.finditer(text):
            before = text[max(0, m.start() - 40) : m.start()]
            # Only the clause the mention sits in counts ("more TikTok, no influencers").
            before = re.split(r"[,.;:!?\n]|\band\b|\bbut\b", before)[-1]
            if _NEGATE.search(before):
                verdicts.append("drop")
            elif _REDUCE.search(before):
                verdicts.append("reduce")
            else:
                verdicts.append("boost")
        if not verdicts:
            continue
        if "drop" in verdicts:
            drop.append(name)
        elif "reduce" in verdicts:
            reduce.append(name)
        else:
            boost.append(name)
    return tuple(boost), tuple(reduce), tuple(drop)


def analyse_feedback(feedback: str) -> Emphasis:
    text = feedback.strip()
    if not text:
        return Emphasis()
    themes = tuple(name for name, pattern in _THEMES if pattern.search(text))
    tone = next((name for name, pattern in _TONES if pattern.search(text)), "")
    if tone or re.search(r"\b(tone|voice)\b", text, re.I):
        themes = (*themes, "tone")
    boost, reduce, drop = channel_mentions(text)
    if "shorter" in themes and "detail" in themes:
        themes = tuple(t for t in themes if t != "detail")  # "shorter but less vague": keep it short
    return Emphasis(
        feedback=text,
        themes=themes,
        tone=tone or ("adjusted" if "tone" in themes else ""),
        boost=boost,
        reduce=reduce,
        drop=drop,
    )
