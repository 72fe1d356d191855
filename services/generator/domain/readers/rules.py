"""What a brief rules out, wherever it says so: "no celebrities or influencers", "NO retargeting and no Meta
pixel", "Please no YouTube ads", "no 'No.1' claims", "any guarantee of results".

Each negated phrase is split into its items; an item that names a channel rules the channel out, any other
short noun phrase becomes a forbidden term. Words that describe the product ("no card needed") may be read as
rules too: a report that avoids them loses nothing, one that uses a banned claim breaks the law.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.generator.domain.readers.source import Source

_NEGATED = re.compile(
    r"(?:(?<![\w'\u2019])no|never|don['\u2019]?t|do not|must not|mustn['\u2019]?t|not allowed|without|avoid|ban(?:ned)?|forbidden|"
    r"prohibited|nothing that)\s+(?:(?:say|use|write|show|mention|call|claim|promise|run|do|put|include|show|"
    r"feature|post|say it|use any|any|the|a|an|more|real|kind of)\s+)*(?P<rest>[^.;:!?()\n]{2,120})",
    re.IGNORECASE,
)
_STOP = re.compile(
    r"\s*(?:,\s*(?!or\b|and\b|no\b)|\b(?:unless|if|but|because|since|so|as|that|which|where|when|until|for|on|in|at|"
    r"to|with|from|by|about|behind|near|without|than|anywhere|anymore|please|pls|at all|yet|we|they|it's|is|are|"
    r"was|were|will|would|can|could|should|could|has|have|had|framed|type|like)\b|[\u2013\u2014\"\u201c\u201d])",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"(?<![\w])[\"\u201c'\u2018]([^\"\u201d'\u2019]{2,40})[\"\u201d'\u2019](?![\w])")
# A slash between two words is one term ("before/after", "24/7"); a spaced one separates items.
_SPLIT = re.compile(
    r"\s*(?:,|\s/\s|(?<=[^\w\s])/|/(?=[^\w\s])|\bor\b|\band\b|\bnor\b|&|\bno\b)\s*", re.IGNORECASE
)
_COMPOUND = re.compile(r"(?<![\w/])[^\W\d_]+/[^\W\d_]+(?![\w/])")
# A quoted term is ruled out when its clause says so ("legal killed 'sin culpa'"), not when it is required
# ("every piece needs the 'Evite el exceso' legend").
_RULES_OUT = re.compile(
    r"\b(no|not|never|don['\u2019]?t|do not|must not|avoid|ban(?:ned)?|forbidden|prohibited|killed|dropped|"
    r"instead of|rather than|without|nothing)\b",
    re.IGNORECASE,
)
# Items that are no rule on their own.
_GENERIC = {
    "idea", "ideas", "result", "results", "problem", "problems", "one", "way", "time", "need", "needed", "thing",
    "things", "matter", "doubt", "worries", "longer", "more", "less", "other", "others", "contract", "plan",
    "budget", "ads", "ad", "content", "posts", "campaign", "campaigns", "money", "deposits", "card", "deal",
    "deals", "change", "changes", "rush", "surprise", "surprises", "fee", "fees", "experience", "clue", "sense",
    "data", "website", "site", "app", "phone", "stock", "access", "account", "accounts", "cap", "limit", "minimum",
    "claims", "claim", "wording", "language", "words", "word", "term", "terms", "phrase", "expression", "photos",
    "images",
}  # fmt: skip
# Nouns for the people a business serves: "no real patients in ads" rules out showing them, not the word.
_PEOPLE = {
    "patients", "patient", "customers", "customer", "students", "student", "dealers", "users", "people", "members",
    "families", "parents", "kids", "children", "staff", "clients", "guests", "residents", "donors", "metros",
}  # fmt: skip
_VERBISH = re.compile(
    r"^(?:ignore|know|wait|answer|going|leave|want|scare|double|longer|idea|it|t|ts|and|or|but|need|get|have|"
    r"one|goals?|anything|something|matter|worry|rush|clue|way)\b",
    re.IGNORECASE,
)
_CLAIMISH = re.compile(
    r"guarant|free|best|cheap|proven|approv|recommend|endors|safe|cure|heal|treat|medical|clinical|official|"
    r"number one|no\.?\s?1|testimonial|before|after|celebrit|influencer|claim|bio|organic|natural|tax|return|"
    r"yield|cash|money|bet|jackpot|win|urgen|sold out|discount|% off|fine|risk",
    re.IGNORECASE,
)
_STRONG = re.compile(
    r"\b(never|must not|mustn't|do not|don't|not allowed|banned|forbidden|prohibited|law|legal|lawyers?|rules?|"
    r"guidelines?|regulat\w*|strict|important|compliance|act)\b",
    re.IGNORECASE,
)
_LEAD_WORDS = re.compile(
    r"^(?:(?:any|the|a|an|our|your|their|real|such|other|of|these|those|more|paid|kind of|them|us|it|him|her)\s+)+",
    re.I,
)


@dataclass(frozen=True)
class RuledOut:
    phrases: tuple[str, ...]  # every item the brief negates, as written (channels included)
    sentences: tuple[str, ...]  # the sentences they were read from


def read_ruled_out(source: Source) -> RuledOut:
    phrases: list[str] = []
    sentences: list[str] = []
    for sentence in source.sentences:
        found = False
        strong = _STRONG.search(sentence.text) is not None
        # Quoted words are terms, read below; a negation inside a quote ("no pain, no gain") is not a rule.
        unquoted = _QUOTED.sub(lambda q: " " * len(q.group(0)), sentence.text)
        pos = 0
        while True:
            m = _NEGATED.search(unquoted, pos)
            if m is None:
                break
            rest = m.group("rest")
            if re.match(
                r"(?:call|describe|refer to|name)\b",
                m.group(0).split()[1] if len(m.group(0).split()) > 1 else "",
                re.I,
            ):
                pos = m.end()
                continue  # "never call the coffee 'addictive'": the quoted word is the term, not the coffee
            stop = _STOP.search(rest)
            chunk = rest[: stop.start()] if stop else rest
            pos = m.start("rest") + max(1, len(chunk))
            for item in _items(chunk):
                if _CLAIMISH.search(item) or strong:
                    phrases.append(item)
                    found = True
        if found:
            sentences.append(sentence.text)
    # A quoted term in a rule sentence is ruled out too ("no 'No.1' or '日本一' claims"), when its clause rules
    # it out.
    for sentence in source.sentences:
        text = sentence.text
        for q in _QUOTED.finditer(text):
            clause_start = max(text.rfind(c, 0, q.start()) for c in ",;\u2013\u2014") + 1
            if _RULES_OUT.search(text[clause_start : q.start()]):
                phrases.append(q.group(1).strip())
                if text not in sentences:
                    sentences.append(text)
    return RuledOut(tuple(dict.fromkeys(phrases)), tuple(sentences))


def _items(chunk: str) -> list[str]:
    out = []
    for raw in _SPLIT.split(chunk):
        item = _LEAD_WORDS.sub("", raw.strip(" '\u2018\u2019\"-")).strip(" '\u2018\u2019\"-")
        words = item.split()
        # "deals blasted": the participle says how, the noun is what is ruled out.
        while len(words) > 1 and re.fullmatch(r"[a-z]+ed", words[-1]):
            words.pop()
        item = " ".join(words)
        if not words or len(words) > 4 or not re.search(r"[A-Za-z\u00c0-\uffff]", item):
            continue
        if item.casefold() in _GENERIC or item.casefold() in _PEOPLE or _VERBISH.match(item):
            continue
        if len(words) == 1 and len(item) < 3:
            continue
        out.append(item)
        # "before/after body images": the compound is the claim, whatever it is shown on.
        out += [
            c.group(0) for c in _COMPOUND.finditer(item) if len(words) > 1 and _CLAIMISH.search(c.group(0))
        ]
    return out
