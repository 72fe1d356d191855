"""Money in briefs: currencies, and budgets typed as free text.

Operators type budgets as free text ("$50,000", "50k USD", "€20k/month", "INR 5 lakh", "USD 1.2m").
`parse_budget` turns that into an amount, a currency and a period; `find_amounts` finds every amount with
an explicit currency in a text (prices, deal values). Plain Python, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.generator.domain.text import fmt_int
from services.generator.domain.vocabulary import vocabulary


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


def currency_of(code: str) -> Currency:
    """The currency for an ISO code: a known one with its symbol, else one written with its code."""
    return CURRENCIES.get(code) or Currency(code, "")


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
    "KRW": 1300,
    "NGN": 1500,
    "IDR": 15000,
    "PHP": 55,
    "TRY": 30,
    "SAR": 4,
    "KES": 130,
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
    r"\d{3}(?!\d))+|\d+(?:[.,]\d+)?)\s*(k|thousand|grand|millones|millón|milhões|milhão|million|mln|mil|m|mn|mm|mio|b|bn|"
    r"billion|lakhs?|lacs?|crores?|cr|tys\.?)?(?![a-z\u00e0-\u00ff])",
    re.IGNORECASE,
)
MULTIPLIERS = {
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
    # Words the brief readers also meet: "PLN 350 tys.", "R$ 800 mil", "2 milhões", "₩5만".
    "mln": 1_000_000,
    "millones": 1_000_000,
    "milhões": 1_000_000,
    "milhão": 1_000_000,
    "millón": 1_000_000,
    "tys": 1_000,
    "tys.": 1_000,
    "mil": 1_000,
    "万": 10_000,
    "억": 100_000_000,
    "만": 10_000,
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

# Regions that name no single country but one currency.
_REGION_CURRENCY = {
    "europe": "EUR", "eu": "EUR", "eurozone": "EUR", "dach": "EUR", "benelux": "EUR", "western europe": "EUR",
    "north america": "USD", "uk & ireland": "GBP", "uk and ireland": "GBP", "pacific northwest": "USD",
    "midwest": "USD", "east coast": "USD", "west coast": "USD", "bay area": "USD", "new england": "USD",
    "southern california": "USD", "northern england": "GBP", "the midlands": "GBP", "yorkshire": "GBP",
    "greater london": "GBP", "the north west": "GBP",
}  # fmt: skip


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
    """The currency of the first place in the geography that has one (a city, a country or a region)."""
    hits: list[tuple[int, str]] = []
    for name, code, pattern in vocabulary().places:
        m = pattern.search(geography)
        if m is None:
            continue
        currency = (
            vocabulary().country_by_code[code].currency if code else _REGION_CURRENCY.get(name.casefold(), "")
        )
        if currency in CURRENCIES:
            hits.append((m.start(), currency))
    return CURRENCIES[min(hits)[1]] if hits else None


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


def to_number(digits: str) -> float:
    """A figure as written, in any of the usual notations: "1,200,000", "1.200.000", "12 000", "0,99",
    "120.000,50", "4.2"."""
    d = digits.replace(" ", "").replace("\u00a0", "")
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+,\d+", d):  # 120.000,50: dots for thousands, a decimal comma
        return float(d.replace(".", "").replace(",", "."))
    if re.fullmatch(r"\d{1,3}(?:[,.]\d{3})+(?:\.\d+)?", d):
        last_sep = max(d.rfind(","), d.rfind("."))
        # "1.200.000" and "1,200,000.50": thousands separators; a trailing ".dd" is decimals.
        if d.count(".") == 1 and d.count(",") >= 1 and d.rfind(".") > d.rfind(","):
            return float(d.replace(",", ""))
        if last_sep >= 0 and len(d) - last_sep - 1 != 3:
            return float(d.replace(",", ""))
        return float(d.replace(",", "").replace(".", ""))
    return float(d.replace(",", "."))


def parse_budget(text: str, geography: str = "", default_currency: Currency | None = None) -> Budget | None:
    """The budget in free text, or None when no amount can be read from it. Without a currency in the text,
    `default_currency` (the markets' currency, when the caller knows it) or the geography's is assumed."""
    if not text or not text.strip():
        return None
    found: list[tuple[int, int, float, str]] = []  # start, end, value, suffix
    for m in _NUMBER.finditer(text):
        if _NOT_MONEY_AFTER.match(text, m.end(1) if not m.group(2) else m.end()):
            continue
        before = text[max(0, m.start() - 1) : m.start()]
        if before.lower() in ("q", "h"):
            continue  # Q3, H2
        found.append((m.start(), m.end(), to_number(m.group(1)), (m.group(2) or "").lower()))
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
    amount = round(value * MULTIPLIERS.get(suffix, 1))
    currency = _currency_in(text)
    assumed = currency is None
    if currency is None:
        if amount < 100:
            return None  # a bare small number is not a budget
        currency = default_currency or currency_for_geography(geography) or CURRENCIES["USD"]
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


@dataclass(frozen=True)
class Amount:
    """An amount of money found in text, with the currency written next to it."""

    value: float
    currency: Currency
    start: int
    end: int
    text: str  # as written, e.g. "$42k" or "€1.89"


_PREFIX = r"(?P<cur>us\$|a\$|au\$|c\$|ca\$|nz\$|s\$|hk\$|r\$|€|£|₹|¥|\$|(?:usd|eur|gbp|inr|jpy|aud|cad|nzd|sgd|hkd|chf|aed|sek|nok|dkk|zar|brl|mxn|cny|pln)\s?)"
_FIGURE = r"(?P<num>\d{1,3}(?:[,.]\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?)\s?(?P<suf>k|m|mn|bn|million|thousand)?(?![a-z])"
_POSTFIX = r"\s?(?P<cur>€|£|usd|eur|gbp|inr|jpy|aud|cad|nzd|sgd|hkd|chf|aed|sek|nok|dkk|kr\.?|zar|brl|mxn|cny|pln|dollars?|euros?|pounds?)(?![a-z])"
_AMOUNT_PATTERNS = (
    re.compile(rf"(?<![\w$€£]){_PREFIX}{_FIGURE}", re.IGNORECASE),
    re.compile(rf"(?<![\w.,$€£]){_FIGURE}{_POSTFIX}", re.IGNORECASE),
)
_POST_CODES = {"kr": "DKK", "kr.": "DKK", "dollar": "USD", "euro": "EUR", "pound": "GBP"}


def _currency_of(token: str) -> Currency | None:
    low = token.strip().lower()
    for symbol, code in _SYMBOLS:
        if low == symbol:
            return CURRENCIES[code]
    code = _POST_CODES.get(low, _POST_CODES.get(low.rstrip("s"), low.upper()))
    return CURRENCIES.get(code)


def find_amounts(text: str) -> list[Amount]:
    """Every amount written with its currency ("$42k", "€1.89", "£380", "45,000 EUR"), in order."""
    found: list[Amount] = []
    taken: list[tuple[int, int]] = []
    for pattern in _AMOUNT_PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            currency = _currency_of(m.group("cur"))
            if currency is None:
                continue
            value = to_number(m.group("num")) * MULTIPLIERS.get((m.group("suf") or "").lower(), 1)
            taken.append((m.start(), m.end()))
            found.append(Amount(value, currency, m.start(), m.end(), m.group(0).strip()))
    return sorted(found, key=lambda a: a.start)


def format_amount(value: float, currency: Currency) -> str:
    """'€1.89', '$42,000', 'DKK 1,200': cents kept only when the amount has them."""
    if abs(value - round(value)) < 1e-9:
        return currency.format(round(value))
    text = f"{value:,.2f}"
    return f"{currency.symbol}{text}" if currency.symbol else f"{currency.code} {text}"
