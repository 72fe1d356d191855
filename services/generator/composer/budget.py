"""Budget parsing and exact budget splits.

Operators type budgets as free text ("$50,000", "50k USD", "€20k/month", "INR 5 lakh", "USD 1.2m").
`parse_budget` turns that into an amount, a currency and a period; `allocate` splits an amount into
integer percentages that add up to exactly 100 and amounts that add up to exactly the total.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from services.generator.composer.text import fmt_int


@dataclass(frozen=True)
class Currency:
    code: str
    symbol: str  # "" when the code is written instead

    def format(self, amount: int) -> str:
        if self.symbol:
            return f"{self.symbol}{fmt_int(amount)}"
        return f"{self.code} {fmt_int(amount)}"


CURRENCIES: dict[str, Currency] = {
    c.code: c
    for c in (
        Currency("USD", "$"),
        Currency("EUR", "€"),
        Currency("GBP", "£"),
        Currency("INR", "₹"),
        Currency("JPY", "¥"),
        Currency("AUD", "A$"),
        Currency("CAD", "C$"),
        Currency("NZD", "NZ$"),
        Currency("SGD", "S$"),
        Currency("HKD", "HK$"),
        Currency("CHF", ""),
        Currency("AED", ""),
        Currency("SEK", ""),
        Currency("NOK", ""),
        Currency("DKK", ""),
        Currency("ZAR", ""),
        Currency("BRL", "R$"),
        Currency("MXN", ""),
        Currency("CNY", ""),
        Currency("PLN", ""),
    )
}

# Rough scale of local prices relative to USD, only so assumed budgets and media benchmarks are
# sensible in currencies with very different unit values.
_SCALE: dict[str, int] = {
    "INR": 80,
    "JPY": 150,
    "CNY": 7,
    "SEK": 10,
    "NOK": 10,
    "DKK": 7,
    "ZAR": 18,
    "BRL": 5,
    "MXN": 17,
    "PLN": 4,
    "AED": 4,
    "HKD": 8,
}

_SYMBOLS: tuple[tuple[str, str], ...] = (
    ("us$", "USD"),
    ("a$", "AUD"),
    ("au$", "AUD"),
    ("c$", "CAD"),
    ("ca$", "CAD"),
    ("nz$", "NZD"),
    ("s$", "SGD"),
    ("hk$", "HKD"),
    ("r$", "BRL"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("₹", "INR"),
    ("¥", "JPY"),
    ("$", "USD"),
)
_WORDS = re.compile(
    r"\b(usd|eur|gbp|inr|jpy|aud|cad|nzd|sgd|hkd|chf|aed|sek|nok|dkk|zar|brl|mxn|cny|rmb|pln|rs\.?|dollars?|euros?|pounds?|quid|rupees?|yen|dirhams?|francs?)(?![a-z])",
    re.IGNORECASE,
)
_WORD_CODES = {
    "dollar": "USD",
    "euro": "EUR",
    "pound": "GBP",
    "quid": "GBP",
    "rupee": "INR",
    "rs": "INR",
    "yen": "JPY",
    "dirham": "AED",
    "franc": "CHF",
    "rmb": "CNY",
}

_NUMBER = re.compile(
    r"(?<!\d)(?<!\d[.,])(\d{1,3}(?:[,.](?=\d{3}(?!\d))\d{3})+(?:\.\d+)?|\d{1,3}(?: "
    r"\d{3}(?!\d))+|\d+(?:[.,]\d+)?)\s*(k|thousand|grand|m|mn|mm|mio|million|b|bn|billion|lakhs?|lacs?|crores?|cr)?(?![a-z])",
    re.IGNORECASE,
)
_MULTIPLIERS = {
    "k": 1_000,
    "thousand": 1_000,
    "grand": 1_000,
    "m": 1_000_000,
    "mn": 1_000_000,
    "mm": 1_000_000,
    "mio": 1_000_000,
    "million": 1_000_000,
    "b": 1_000_000_000,
    "bn": 1_000_000_000,
    "billion": 1_000_000_000,
    "lakh": 100_000,
    "lakhs": 100_000,
    "lac": 100_000,
    "lacs": 100_000,
    "crore": 10_000_000,
    "crores": 10_000_000,
    "cr": 10_000_000,
}
_NOT_MONEY_AFTER = re.compile(
    r"\s*(?:%|x\b|days?|weeks?|wks?|months?|mos?\b|years?|yrs?|quarters?|hours?|people|staff|stores?|locations?|markets?|countries|posts?|st\b|nd\b|rd\b|th\b)",
    re.IGNORECASE,
)
_RANGE_GAP = re.compile(r"^\s*(?:-|\u2013|—|to)\s*[^\d\s]{0,4}\s*$", re.IGNORECASE)
_PERIODS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "month",
        re.compile(
            r"(?:/|\bper\b|\ba\b|\beach\b|\bevery\b)\s*(?:month|mo|mth)\b|\bmonthly\b|\bp\.?m\.?(?![a-z])|/\s*m\b",
            re.IGNORECASE,
        ),
    ),
    ("week", re.compile(r"(?:/|\bper\b|\ba\b|\beach\b|\bevery\b)\s*(?:week|wk)\b|\bweekly\b", re.IGNORECASE)),
    (
        "quarter",
        re.compile(
            r"(?:/|\bper\b|\ba\b|\beach\b|\bevery\b)\s*(?:quarter|qtr|q)\b|\bquarterly\b", re.IGNORECASE
        ),
    ),
    (
        "year",
        re.compile(
            r"(?:/|\bper\b|\ba\b|\beach\b|\bevery\b)\s*(?:year|yr|annum)\b|\bannual(?:ly)?\b|\byearly\b|\bp\.?a\.?(?![a-z])",
            re.IGNORECASE,
        ),
    ),
)
_PERIOD_LABELS = {
    "total": "in total",
    "month": "per month",
    "week": "per week",
    "quarter": "per quarter",
    "year": "per year",
}

_GEO_CURRENCY: tuple[tuple[str, str], ...] = (
    (r"\b(uk|u\.k\.|united kingdom|britain|england|scotland|wales|london|manchester)\b", "GBP"),
    (r"\b(india|mumbai|delhi|bangalore|bengaluru|chennai|hyderabad|pune|kolkata)\b", "INR"),
    (r"\b(japan|tokyo|osaka)\b", "JPY"),
    (r"\b(australia|sydney|melbourne|brisbane|perth)\b", "AUD"),
    (r"\b(canada|toronto|vancouver|montreal)\b", "CAD"),
    (r"\b(new zealand|auckland)\b", "NZD"),
    (r"\b(singapore)\b", "SGD"),
    (r"\b(uae|dubai|abu dhabi)\b", "AED"),
    (r"\b(switzerland|zurich|geneva)\b", "CHF"),
    (
        r"\b(europe|eu|eurozone|germany|france|spain|italy|netherlands|ireland|belgium|austria|portugal|finland|berlin|paris|madrid|rome|amsterdam|dublin|munich|milan|barcelona|lisbon|vienna)\b",
        "EUR",
    ),
    (r"\b(us|usa|u\.s\.|united states|america|new york|california|texas)\b", "USD"),
)


@dataclass(frozen=True)
class Budget:
    """A planning budget. `stated` is False when the brief gave none we could read and we assumed one."""

    amount: int
    currency: Currency
    period: str = "total"  # total | month | week | quarter | year
    stated: bool = True
    currency_assumed: bool = False
    note: str = ""  # e.g. how a range was read

    def money(self, amount: float) -> str:
        return self.currency.format(round(amount))

    @property
    def total_text(self) -> str:
        return self.money(self.amount)

    @property
    def period_label(self) -> str:
        return _PERIOD_LABELS[self.period]

    @property
    def scale(self) -> int:
        return _SCALE.get(self.currency.code, 1)


def currency_for_geography(geography: str) -> Currency | None:
    low = geography.lower()
    for pattern, code in _GEO_CURRENCY:
        if re.search(pattern, low):
            return CURRENCIES[code]
    return None


def _currency_in(text: str) -> Currency | None:
    low = text.lower()
    for symbol, code in _SYMBOLS:
        if symbol in low:
            return CURRENCIES[code]
    m = _WORDS.search(text)
    if m:
        word = m.group(1).lower().rstrip(".")
        code = _WORD_CODES.get(word.rstrip("s"), _WORD_CODES.get(word, word.upper()))
        return CURRENCIES.get(code)
    return None


def _to_number(digits: str) -> float:
    d = digits.replace(" ", "")
    if re.fullmatch(r"\d{1,3}(?:[,.]\d{3})+(?:\.\d+)?", d):
        last_sep = max(d.rfind(","), d.rfind("."))
        # "1.200.000" and "1,200,000.50": thousands separators; a trailing ".dd" is decimals.
        if d.count(".") == 1 and d.count(",") >= 1 and d.rfind(".") > d.rfind(","):
            return float(d.replace(",", ""))
        if last_sep >= 0 and len(d) - last_sep - 1 != 3:
            return float(d.replace(",", ""))
        return float(d.replace(",", "").replace(".", ""))
    return float(d.replace(",", "."))


def parse_budget(text: str, geography: str = "") -> Budget | None:
    """The budget in free text, or None when no amount can be read from it."""
    if not text or not text.strip():
        return None
    found: list[tuple[int, int, float, str]] = []  # start, end, value, suffix
    for m in _NUMBER.finditer(text):
        if _NOT_MONEY_AFTER.match(text, m.end(1) if not m.group(2) else m.end()):
            continue
        before = text[max(0, m.start() - 1) : m.start()]
        if before.lower() in ("q", "h"):
            continue  # Q3, H2
        found.append((m.start(), m.end(), _to_number(m.group(1)), (m.group(2) or "").lower()))
    if not found:
        return None
    low = text.lower()

    def rank(item: tuple[int, int, float, str]) -> int:
        start, end, value, suffix = item
        before = low[max(0, start - 4) : start]
        after = low[end : end + 12].lstrip()
        if _currency_in(before) is not None or after.startswith("€") or _WORDS.match(after):
            return 3  # "$40k", "USD 40k", "40k USD", "40.000 €"
        if suffix:
            return 2  # "40k"
        if value.is_integer() and 1900 <= value <= 2100 and not re.search(r"[,.\s]", text[start:end].strip()):
            return 0  # looks like a year
        return 1

    ranks = [rank(f) for f in found]
    if max(ranks) == 0:
        return None
    chosen = ranks.index(max(ranks))
    start, end, value, suffix = found[chosen]
    note = ""
    # "$40-50k" / "40 - 50k EUR": a range. The upper bound's suffix applies to the lower one, and we plan
    # against the lower bound.
    if chosen + 1 < len(found) and _RANGE_GAP.match(text[end : found[chosen + 1][0]]):
        if not suffix:
            suffix = found[chosen + 1][3]
        note = "the brief gives a range; we plan against its lower end"
    elif chosen > 0 and _RANGE_GAP.match(text[found[chosen - 1][1] : start]):
        lower = found[chosen - 1]
        value, suffix = lower[2], lower[3] or suffix
        note = "the brief gives a range; we plan against its lower end"
    amount = round(value * _MULTIPLIERS.get(suffix, 1))
    currency = _currency_in(text)
    assumed = currency is None
    if currency is None:
        if amount < 100:
            return None  # a bare small number is not a budget
        currency = currency_for_geography(geography) or CURRENCIES["USD"]
    if amount <= 0:
        return None
    period = "total"
    for name, pattern in _PERIODS:
        if pattern.search(text):
            period = name
            break
    return Budget(
        amount=amount, currency=currency, period=period, stated=True, currency_assumed=assumed, note=note
    )


def assumed_budget(usd_amount: int, geography: str) -> Budget:
    """A stated-as-assumption working budget in the geography's currency."""
    currency = currency_for_geography(geography) or CURRENCIES["USD"]
    amount = usd_amount * _SCALE.get(currency.code, 1)
    return Budget(
        amount=amount,
        currency=currency,
        period="total",
        stated=False,
        currency_assumed=currency.code == "USD",
    )


def _largest_remainder(total: int, numerators: Sequence[int], denominator: int) -> list[int]:
    """Integers close to numerators[i] / denominator (which add up to `total`), adding up to it exactly."""
    floors = [n // denominator for n in numerators]
    remainders = [n % denominator for n in numerators]
    order = sorted(range(len(numerators)), key=lambda i: (-remainders[i], i))
    for i in order[: total - sum(floors)]:
        floors[i] += 1
    return floors


def _as_ints(weights: Sequence[int | Fraction]) -> list[int]:
    if all(isinstance(w, int) for w in weights):
        return [int(w) for w in weights]
    fractions = [Fraction(w) for w in weights]
    denominator = math.lcm(*(f.denominator for f in fractions))
    return [f.numerator * (denominator // f.denominator) for f in fractions]


def split_percentages(weights: Sequence[int | Fraction]) -> list[int]:
    """Integer percentages proportional to weights, adding up to exactly 100."""
    if not weights:
        return []
    ints = _as_ints(weights)
    total = sum(ints)
    if total <= 0 or any(w < 0 for w in ints):
        ints, total = [1] * len(ints), len(ints)
    return _largest_remainder(100, [w * 100 for w in ints], total)


def split_amount(total: int, percentages: Sequence[int]) -> list[int]:
    """Amounts for integer percentages (adding up to 100) of `total`, adding up to exactly `total`."""
    if not percentages:
        return []
    return _largest_remainder(total, [total * p for p in percentages], 100)


def allocate(total: int, weights: Sequence[int | Fraction]) -> list[tuple[int, int]]:
    """(percentage, amount) per weight; percentages add to 100 and amounts to `total` exactly."""
    pcts = split_percentages(weights)
    return list(zip(pcts, split_amount(total, pcts), strict=True))
