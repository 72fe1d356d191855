"""The audience: who the client wants to reach, in the client's words.

From a labelled line ("Audience: Hispanic families, …", "Target: working women 25-45 in Kita-ku", "Users:
office workers 25-39") or prose that names people ("Most buyers are mums 28-38 in cities", "Parents decide,
mostly mothers in their 40s"). Nothing is read when the brief does not say: the report then asks.
"""

from __future__ import annotations

import re

from services.generator.domain.readers.source import Grounded, Source

# Who speaks, in a pasted chat or transcript: "[09:20] Rafael: ", "Sophie: ".
_SPEAKER = r"(?:\[[^\]]{1,20}\]\s*[\w' -]{1,30}:\s*)?"
_LABEL = re.compile(
    rf"^\s*{_SPEAKER}(?:(?:target|main|core|key|typical|our|[A-Z]{{2,3}})\s+)?(?:audiences?(?:\s+(?:thoughts|notes|ideas))?|tg|ta|icp|target(?:\s+groups?|\s+customers|\s+market)?|"
    r"users|customers|buyers|shoppers|fans|clients|visitors|donors|buying committee|decision[- ]makers|"
    r"(?P<who>who)(?: we(?:'re| are) (?:after|targeting))?|who (?:applies|buys|books|signs up|enrols|comes|uses it)|"
    r"who we (?:want|need|serve|target)(?: to reach)?|"
    r"segments?|personas?|readers|members|guests|attendees|"
    r"audience\s*/\s*\w+|"
    # the same labels in other languages
    r"p\u00fablico(?:[- ]alvo| objetivo)?|publico(?:[- ]alvo| objetivo)?|zielgruppen?|doelgroep(?:en)?|cible|"
    r"grupa docelowa|grupy docelowe|pubblico|destinatari)\s*[:=\u2013\u2014-]\s*(?P<rest>\D.+)$",
    re.IGNORECASE,
)
_PEOPLE = (
    r"(?:mums|moms|mothers|fathers|dads|parents|women|men|guys|girls|boys|families|households|students|pupils|"
    r"learners|seniors|retirees|pensioners|owners|founders|managers|directors|executives|leaders|professionals|"
    r"workers|employees|staff|commuters|travell?ers|tourists|guests|patients|donors|supporters|givers|volunteers|"
    r"residents|citizens|developers|engineers|teachers|nurses|doctors|drivers|riders|gamers|fans|readers|"
    r"subscribers|users|customers|buyers|shoppers|consumers|people|adults|teens|teenagers|millennials|"
    r"gen z|grandparents|couples|singles|expats|migrants|newcomers|renters|homeowners|landlords|investors|"
    r"brokers|agents|operators|specifiers|installers|contractors|tradespeople|freelancers|traders|merchants|"
    r"sellers|artisans|entrepreneurs|smes?|smbs?|businesses|firms|companies|clinics|practices|schools|"
    r"tenants|occupiers|owner-occupiers|intenders|households|travellers|visitors|attendees|delegates|sponsors|"
    r"technicians|electricians|plumbers|traders|"
    r"hospitals|councils|municipalities|utilities|accountants|lawyers|dentists|pharmacists|vets|athletes|"
    r"heads?|officers|c-suite|ceos?|cfos?|ctos?|cios?|chros?|cmos?|cisos?|coos?)"
)
_PROSE = re.compile(
    rf"\b(?:(?:our|the|most|main|typical|core|key)\s+(?:target\s+)?(?:audience|customers?|buyers?|users?|clients?|"
    rf"readers?|guests?|members?|patients?)\s+(?:is|are|=)|audience\s+(?:is|are)|we\s+(?:target|serve|want to reach|"
    rf"sell to|are for)|aimed\s+at|(?:mostly|mainly|primarily|largely)\s+(?=[\w\s]*\b{_PEOPLE}\b)|"
    rf"{_PEOPLE}\s+(?:decide|buy|book|use|pay|choose)\b(?!\w*\s+(?:online|by|before))|"
    # "Patients are mostly 35-60", "It is for parents of children in 0.-6. klasse"
    rf"{_PEOPLE}\s+are\s+(?:mostly|mainly|primarily|largely|typically|usually|often)\b|"
    # "Fans are 18-30, indie and Latin pop lovers", "Customers are busy professionals and families"
    rf"^\W*(?:our\s+|most\s+(?:of\s+our\s+)?)?{_PEOPLE}\s+are\s+(?=[^.]{{0,80}}(?:\b\d{{2}}\s?[-\u2013]\s?\d{{2}}\b|\b{_PEOPLE}\b))|"
    rf"\b(?:it|this|the (?:campaign|scheme|programme|program|service))\s+(?:is|'s)\s+(?:for|aimed at)\s+(?=[\w\s]{{0,30}}\b{_PEOPLE}\b)|"
    # "Most tickets are bought by team leads", "the buying committee is CRO, CISO and Procurement"
    rf"\b(?:bought|booked|used|chosen|paid for)\s+by\s+(?!us\b|the client\b)\w+|"
    # "signed off by the CFO" names a buyer; "approved by legal before use" is a rule, not an audience.
    rf"\b(?:signed off|approved)\s+by\s+(?=(?:[\w'-]+\s+){{0,3}}?{_PEOPLE}\b)|"
    rf"\b(?:buying committee|decision[- ]makers?|buyers?)\s+(?:is|are|=|includes?)\b)",
    re.IGNORECASE,
)
# "an app for small HVAC and plumbing contractors (2-20 techs)": who the product is for.
_FOR = re.compile(
    rf"\b(?:for|connects|serves|helps)\s+((?:(?:[\w'+&/-]+|\([^)]{{1,30}}\))\s+){{0,7}}?{_PEOPLE}\b(?:\s*\([^)]{{1,40}}\))?)",
    re.IGNORECASE,
)
_PEOPLE_RE = re.compile(rf"\b{_PEOPLE}\b", re.IGNORECASE)
_AGES = re.compile(
    r"\b\d{2}\s?[-\u2013]\s?\d{2}\b|\b\d{2}\+|\bin their \d0s\b|\baged\b|"
    r"\b\d{2}\s(?:a|to|bis|tot|\u00e0|do)\s\d{2}\s(?:anos|a\u00f1os|years|jahre|jaar|ans|lat)\b",
    re.IGNORECASE,
)


# A line about another part of the brief ("Goal: 1,200 new patients booked online") is not the audience.
_OTHER_LABEL = re.compile(
    rf"^\s*{_SPEAKER}(?:goals?|objectives?|kpis?|budget|timeline|deadline|kpi)\s*[:=\u2013\u2014-]", re.I
)
# The question of an interview ("Us: Audience?", "Who is it for?"): the answer is the next sentence.
_ASKED = re.compile(
    rf"^\s*{_SPEAKER}(?:[\w' -]{{1,20}}:\s*)?(?:(?:target\s+)?audience|who(?:'s| is) (?:it|this) for|who (?:are|is) "
    r"(?:the|your) (?:customers?|audience|buyers?|users?)|target group)\s*\?\s*$",
    re.IGNORECASE,
)
_ANSWER = re.compile(r"^\s*(?:\[[^\]]{1,20}\]\s*)?(?:[\w' -]{1,30}:\s*)?(?P<rest>.+)$")


def read_audience(source: Source) -> list[Grounded[str]]:
    out: list[Grounded[str]] = []
    asked = False
    bare_who: list[Grounded[str]] = []  # "Who: ..." often describes the product: kept only as a last resort
    for sentence in source.sentences:
        answer_to_question, asked = asked, bool(_ASKED.match(sentence.text))
        if sentence.field not in ("", "audience") and not sentence.field.startswith("metadata"):
            continue
        if asked or _OTHER_LABEL.match(sentence.text):
            continue
        if answer_to_question:
            a = _ANSWER.match(sentence.text)
            if a and _PEOPLE_RE.search(a.group("rest")):
                rest = a.group("rest").strip()
                start = sentence.start + a.start("rest")
                out.append(Grounded(rest.rstrip("."), source.span(start, start + len(rest))))
                continue
        m = _LABEL.match(sentence.text)
        if m and (_PEOPLE_RE.search(m.group("rest")) or _AGES.search(m.group("rest"))):
            rest = m.group("rest").strip()
            start = sentence.start + m.start("rest")
            found = Grounded(rest.rstrip("."), source.span(start, start + len(rest)))
            (bare_who if m.group("who") else out).append(found)
            continue
        p = _PROSE.search(sentence.text)
        named_by_role = p is not None and re.match(
            r"(?:bought|booked|used|chosen|paid|signed|approved|buying|decision|buyer)", p.group(0), re.I
        )
        if p and (
            named_by_role
            or (_PEOPLE_RE.search(sentence.text) and (_AGES.search(sentence.text) or p.group(0).strip()))
        ):
            text = sentence.text.strip().rstrip(".")
            out.append(Grounded(text, source.sentence_span(sentence)))
            continue
        f = _FOR.search(sentence.text)
        product_line = re.search(
            r"\b(app|platform|software|tool|service|product|made|built|designed|offers?|subsidy|scheme|programme|"
            r"manufactur\w*|makes?|sells?|suppl(?:y|ies)|installs?|"
            r"program|conference|course|connects|bookkeeping|invoicing)\b|=",
            sentence.text,
            re.I,
        )
        if f and not out and product_line:
            start = sentence.start + f.start(1)
            out.append(Grounded(f.group(1), source.span(start, start + len(f.group(1)))))
    # Keep the first few, the way a strategist would summarise who the brief is for.
    return (out or bare_who)[:3]
