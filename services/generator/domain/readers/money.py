"""Money in a brief: every amount with its currency, the budget (a correction in the text wins) and prices.

Amounts are written in many ways: "€85,000", "PLN 300k", "₹40 lakh", "R$ 800 mil", "₩5,000,000", "3,000,000
won", "¥4.2M", "$300K", "AED 1.8M", "120.000 euro". A "$" with no country takes the market's dollar (a
Canadian brief's "$220,000" is CAD). The budget is the amount in a sentence about budget or spend; when the
text corrects itself ("Jonas just corrected me, it's €85,000", "no wait, make it ₦5,000,000"), the amount
after the correction wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from babel.numbers import list_currencies

from services.generator.domain.money import MULTIPLIERS, to_number
from services.generator.domain.readers.source import Grounded, Source

# Currency tokens written before or after a figure, and the ISO code each means. "$" is resolved later.
_TOKENS: dict[str, str] = {
    "us$": "USD", "usd": "USD", "a$": "AUD", "au$": "AUD", "aud": "AUD", "c$": "CAD", "ca$": "CAD", "cad": "CAD",
    "nz$": "NZD", "nzd": "NZD", "s$": "SGD", "sgd": "SGD", "hk$": "HKD", "hkd": "HKD", "r$": "BRL", "brl": "BRL",
    "mx$": "MXN", "mxn": "MXN", "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "£": "GBP", "gbp": "GBP",
    "₹": "INR", "inr": "INR", "rs": "INR", "rs.": "INR", "rupees": "INR", "¥": "JPY", "jpy": "JPY", "yen": "JPY",
    "円": "JPY", "万円": "JPY", "₩": "KRW", "krw": "KRW", "won": "KRW", "₦": "NGN", "ngn": "NGN", "naira": "NGN",
    "aed": "AED", "dirhams": "AED", "dirham": "AED", "dhs": "AED", "sar": "SAR", "riyals": "SAR", "pln": "PLN",
    "zł": "PLN", "zl": "PLN", "złotych": "PLN", "chf": "CHF", "sek": "SEK", "nok": "NOK", "dkk": "DKK", "zar": "ZAR",
    "cny": "CNY", "rmb": "CNY", "kes": "KES", "try": "TRY", "₺": "TRY", "idr": "IDR", "php": "PHP", "₱": "PHP",
    "$": "$", "dollars": "$", "pounds": "GBP", "reais": "BRL", "pesos": "$P",
}  # fmt: skip
_DOLLAR_OF = {"CA": "CAD", "AU": "AUD", "NZ": "NZD", "SG": "SGD", "HK": "HKD", "MX": "MXN"}
_PESO_OF = {"MX": "MXN", "AR": "ARS", "CL": "CLP", "CO": "COP", "PH": "PHP"}

# Every ISO 4217 code CLDR knows, written in capitals, except the ones that are also English words ("TOP 10").
_CODES = "|".join(
    [
        *sorted(
            set(list_currencies())
            - {"ALL", "TOP", "CUP", "MOP", "BOB", "PEN", "GEL", "MAD", "SOS", "BAM", "FUN"}
        ),
        "RMB",
    ]
)
_PRE = rf"(?P<pre>US\$|A\$|AU\$|C\$|CA\$|NZ\$|S\$|HK\$|R\$|MX\$|[€£₹¥₩₦₺₱$]|(?:{_CODES}|Rs\.?)(?=[\s\d]))\s?"
_NUM = r"(?P<num>\d{1,3}(?:[,.\u00a0 ]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
_SUF = r"(?:\s?(?P<mult>k|K|m|M|mn|mm|mio|mln|million|millones|milhões|milhão|bn|billion|lakhs?|lac|crores?|cr|thousand|tys\.?|mil|grand|万|억|만)(?![\w]))?"
_POST = rf"(?:\s?(?P<post>{_CODES}|euros?|dollars|pounds|yen|won|naira|dirhams?|riyals|reais|pesos|rupees|zł|złotych|円|€)(?![\w]))?"
_AMOUNT = re.compile(rf"(?<![\w.,])(?:{_PRE})?{_NUM}{_SUF}{_POST}")
_BUDGET = re.compile(
    r"\b(budget\w*|spend\w*|invest\w*|media|working|presupuesto|orçamento|verba|budżet|grant|fund(?:ing|s)?|"
    r"for you|fee|retainer|allocat\w*|total|ad money|marketing money)\b",
    re.IGNORECASE,
)
CORRECTION = re.compile(
    r"\b(actually|correct\w*|confirm\w*|sorry|no\s*[\u2013\u2014,-]|no wait|wait|make it|make that|revised|update[d]?|instead|approved|"
    r"honestly|scratch that|not \S+ but|change[ds]? to|now|final(?:ly)?|rather|in fact|afterwards|later|"
    r"but then|but|mas|pero|aber|maar|mais|ale|liberou|aprob\u00f3|aprovou|genehmigt)\b",
    re.IGNORECASE,
)
_PRICE = re.compile(
    r"\b(price[ds]?|costs?|priced|per month|a month|/month|/mo|per year|a year|/year|subscription|plan|"
    r"tickets?|fee|rrp|retail|sells? (?:at|for)|starts? at|bundle|pack|box|membership|tier|edition)\b|/",
    re.IGNORECASE,
)
# Words that make an amount a price only right beside it: "from €149", "at $12", "$5 each", "€6 per seat".
_PRICE_BEFORE = re.compile(r"\b(?:from|at|only|just|is|are|costs?)\s*$", re.IGNORECASE)
_PRICE_AFTER = re.compile(r"^\s*(?:each|per\b|/|a (?:month|year|night|week|seat|user))", re.IGNORECASE)
_NOT_OURS = re.compile(
    r"\b(competitor|rival|vs\.?|versus|compared?|cheaper than|undercut|charges?)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Money:
    value: float
    currency: str  # ISO code
    text: str  # as written
    start: int
    end: int
    explicit: bool  # a currency was written next to it


def find_money(source: Source, market: str = "", market_currency: str = "") -> list[Money]:
    """Every amount with a currency written next to it (a symbol, a code or a word), in order."""
    out: list[Money] = []
    for m in _AMOUNT.finditer(source.text):
        token = (m.group("pre") or m.group("post") or "").strip()
        if not token:
            continue
        code = _TOKENS.get(token.lower(), _TOKENS.get(token.lower().rstrip("s"), token.upper()))
        if code == "$":
            code = _DOLLAR_OF.get(market, "USD")
        elif code == "$P":
            code = _PESO_OF.get(market, market_currency or "MXN")
        value = to_number(m.group("num"))
        mult = m.group("mult") or ""
        if mult in ("m", "M") and m.group("post") is None and not m.group("pre"):
            continue  # "5 m" alone is a distance
        factor = MULTIPLIERS.get(mult, MULTIPLIERS.get(mult.lower(), 1))
        out.append(Money(value * factor, code, m.group(0).strip(), m.start(), m.end(), True))
    return out


def read_budget(source: Source, money: list[Money]) -> Grounded[Money] | None:
    """The budget: an amount in a sentence about budget or spend; after a correction, the corrected one."""
    candidates: list[tuple[Money, bool]] = []  # (amount, follows a correction in its sentence or after it)
    corrected_from = None
    last_budget = -10  # index of the last sentence about the budget
    for n, sentence in enumerate(source.sentences):
        in_sentence = [x for x in money if sentence.start <= x.start < sentence.end]
        # "We've got maybe $60k to spend. Actually let me correct that: $75k." The correction is about the
        # budget even though its own sentence does not say so.
        follows = (
            n - last_budget <= 2
            and CORRECTION.search(sentence.text) is not None
            and not _OTHER_FIGURE.search(sentence.text)
            and candidates
        )
        if follows and not in_sentence:
            # "Correction from Andrés: 3,8 millones": the corrected figure keeps the budget's currency.
            in_sentence = _bare_amounts(source, sentence.start, sentence.end, candidates[-1][0])
        if not in_sentence:
            continue
        budgetish = bool(_BUDGET.search(sentence.text)) or sentence.field == "budget"
        if not budgetish and not follows:
            continue
        last_budget = n
        if _NOT_OURS.search(sentence.text) and not re.search(r"\bbudget", sentence.text, re.I):
            continue
        for x in in_sentence:
            before = source.text[sentence.start : x.start]
            after_fix = (bool(CORRECTION.search(before)) or bool(follows)) and len(
                candidates
            ) + in_sentence.index(x) > 0
            candidates.append((x, after_fix))
            if after_fix and corrected_from is None:
                corrected_from = len(candidates) - 1
    if not candidates:
        return None
    # "£48,000 for the panto + £12,000 for Friends = £60,000 total": the sum is the budget.
    summed = [c for c, _ in candidates if re.match(r"\s*(?:total|in total|overall|all in)\b", source.text[c.end : c.end + 12], re.I)
              or re.search(r"=\s*$", source.text[max(0, c.start - 3) : c.start])]  # fmt: skip
    if summed and corrected_from is None:
        return Grounded(summed[-1], source.span(summed[-1].start, summed[-1].end))
    if corrected_from is not None:
        chosen = candidates[corrected_from][0]
        # The last correction wins ("€70k ... no, €85k ... final: €90k").
        fixes = [c for c, fix in candidates if fix]
        chosen = fixes[-1] if fixes else chosen
    else:
        budget_field = [c for c, _ in candidates if any(
            s.field == "budget" and s.start <= c.start < s.end for s in source.sentences)]  # fmt: skip
        chosen = budget_field[0] if budget_field else max(
            (c for c, _ in candidates[:3]), key=lambda c: c.value if _near_budget_word(source, c) else 0)  # fmt: skip
    return Grounded(chosen, source.span(chosen.start, chosen.end))


def _bare_amounts(source: Source, start: int, end: int, like: Money) -> list[Money]:
    """Amounts written without a currency between `start` and `end` that could restate the budget `like`
    (at least a tenth of it), in its currency."""
    out = []
    for m in _AMOUNT.finditer(source.text, start, end):
        if m.group("pre") or m.group("post") or source.text[m.end() : m.end() + 1] in ("%", "x"):
            continue
        mult = m.group("mult") or ""
        value = to_number(m.group("num")) * MULTIPLIERS.get(mult, MULTIPLIERS.get(mult.lower(), 1))
        if value >= like.value / 10:
            out.append(Money(value, like.currency, m.group(0).strip(), m.start(), m.end(), False))
    return out


def _near_budget_word(source: Source, x: Money) -> bool:
    window = source.text[max(0, x.start - 60) : x.end + 40]
    return bool(re.search(r"\bbudget|\bspend|\bmedia\b|presupuesto|orçamento|budżet", window, re.I))


# A list labelled as prices ("Tickets: Early Bird 899 zł, Regular 1,299 zł"): every amount in it is one.
_PRICE_LIST = re.compile(
    r"^\s*(?:tickets?|passes|pass|packages?|bundles?|memberships?|prices?|pricing|plans?|tariffs?|rates?|fees?|tarifs?|preise|precios?|pre\u00e7os?|ceny|"
    r"prijzen|\u6599\u91d1)\s*[:\u2013\u2014-]",
    re.IGNORECASE,
)
# What a typical sale is worth ("Avg job ~$480", "MRP ₹599", "$28 el kilo"): a price the plan can use.
_TYPICAL = re.compile(
    r"\b(?:avg|average)\s+(?:job|order|ticket|sale|booking|stay|deal|visit)\b|\bmrp\b|"
    r"(?:per|por|el|a|/)\s?(?:kilo|kg|hour|hora|night|noche|person|persona|head|session|class|lesson)\b|"
    r"\b(?:installed|fitted|all-in|inc(?:l\.?|luding)? (?:vat|gst)|ex(?:cl\.?)? (?:vat|gst)|plus (?:vat|gst))\b",
    re.IGNORECASE,
)
# A figure the client wants to move ("lift the average basket from $41 to $48") is a goal, not a price.
GOAL_MOVE = re.compile(
    r"\b(?:lift|grow|raise|increase|boost|double|improve|take|get|push|drive)\b[^.;]{0,40}\bfrom\b|\bfrom\s+\S+\s+to\b",
    re.IGNORECASE,
)
# "The energiecoach visit is free", "Trial class is free": a price of nothing, stated.
_FREE = re.compile(
    r"\b(?P<what>(?:(?:trial|first|intro\w*|taster|home|initial)\s+)?[\w'-]+(?:\s+[\w'-]+)?)\s+(?:is|are)\s+"
    r"(?:(?:always|completely|totally)\s+)?(?:free|gratis|kostenlos|gratuit[eo]?s?|gratuito)\b",
    re.IGNORECASE,
)


def read_prices(source: Source, money: list[Money], skip: set[int]) -> list[Grounded[Money]]:
    """What the client's own products cost: amounts in price sentences, never a rival's price."""
    out: list[Grounded[Money]] = []
    for sentence in source.sentences:
        if _BUDGET.search(sentence.text) and re.search(r"\bbudget|\bspend", sentence.text, re.I):
            continue
        listed = bool(_PRICE_LIST.match(sentence.text)) or _names_its_prices(
            source, sentence.start, sentence.end, money
        )
        for x in money:
            if not (sentence.start <= x.start < sentence.end) or x.start in skip:
                continue
            local = source.text[max(sentence.start, x.start - 50) : min(sentence.end, x.end + 30)]
            if _NOT_OURS.search(local):
                continue
            near = source.text[max(sentence.start, x.start - 30) : min(sentence.end, x.end + 20)]
            typical = bool(_TYPICAL.search(near)) and not GOAL_MOVE.search(local)
            # An amount in brackets after what it buys ("zinc lotion (100ml, $34.95)", "(MRP ₹599)").
            plain = not re.search(r"\d\s?[^\W\d_]+$", x.text) and not source.text[x.end : x.end + 1].isalpha()
            bracketed = plain and bool(
                re.search(r"\([^()]{0,30}$", source.text[max(sentence.start, x.start - 30) : x.start])
            )
            if not (listed or typical or bracketed) and re.search(
                r"\b(revenue|turnover|gmv|sales of|raised|funding|valuation|target|goal|cac|cpa|"
                r"cost per|ltv|aov|basket|average|minimum|at least|over|under|below|above|"
                r"projects?|deals?|contracts?|to run|running costs?|operat\w+|income|overheads?)\b", local, re.I):  # fmt: skip
                continue
            if GOAL_MOVE.search(local) and not listed:
                continue
            beside = bool(
                _PRICE_BEFORE.search(source.text[max(sentence.start, x.start - 12) : x.start])
                or _PRICE_AFTER.match(source.text[x.end : min(sentence.end, x.end + 16)])
            )
            # After one price, the sentence lists more ("from ¥880,000, initial consultation ¥3,300").
            after_a_price = bool(out) and out[-1].value.start >= sentence.start
            if listed or typical or bracketed or beside or after_a_price or _PRICE.search(local):
                out.append(Grounded(x, source.span(x.start, x.end)))
    return out + _free_prices(source, money)


# A sentence about another figure ("CAC now ₩15,000, we want under ₩12,000") corrects no budget.
_OTHER_FIGURE = re.compile(
    r"\b(cac|cpa|cpl|cpc|cpm|cost per|revenue|turnover|ltv|aov|roas|price[sd]?|target|goal)\b", re.IGNORECASE
)
# Sentences of goals, costs of acquisition and budgets list figures that are no prices.
_NOT_A_LIST = re.compile(
    r"\b(revenue|turnover|cac|cpa|cpl|cost per|target|goal|want|queremos|budget|spend|ltv|aov|roas|from|to reach)\b",
    re.IGNORECASE,
)


def _names_its_prices(source: Source, start: int, end: int, money: list[Money]) -> bool:
    """A sentence that lists things with what each costs ("toner ₩32,000, essence ₩45,000, cream ₩52,000"):
    two or more amounts, each right after a word and before a comma, "and" or the sentence's end."""
    if _NOT_A_LIST.search(source.text[start:end]):
        return False
    named = [
        x
        for x in money
        if start <= x.start < end
        and re.search(r"[^\W\d_]\s$", source.text[max(start, x.start - 2) : x.start])
        and re.match(r"\s*(?:[,;.)]|and\b|$)", source.text[x.end : min(end, x.end + 5)])
    ]
    return len(named) >= 2


def _free_prices(source: Source, money: list[Money]) -> list[Grounded[Money]]:
    """Things the brief says are free, as prices of nothing in the brief's currency."""
    currency = money[0].currency if money else ""
    out: list[Grounded[Money]] = []
    for sentence in source.sentences:
        for m in _FREE.finditer(sentence.text):
            if re.match(
                r"(?:it|this|that|which|everything|shipping|delivery|the app)\b", m.group("what"), re.I
            ):
                continue
            start = sentence.start + m.start()
            out.append(Grounded(Money(0.0, currency, m.group(0), start, start + len(m.group(0)), False),
                                source.span(start, start + len(m.group(0)))))  # fmt: skip
    return out
