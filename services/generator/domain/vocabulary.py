"""The brief parser's vocabulary (vocabulary.yaml), checked by a schema when first loaded.

Channels, places, languages, retailers, business-model signals and the headings a brief names each fact
with are data: adding a city, a retailer or a heading is an edit to the YAML file, never to the parser. The channel names here are the catalogue every plan, budget
and data file of the composer keys on.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

ChannelKind = Literal[
    "social", "search", "content", "owned", "creator", "pr", "event", "media", "partner", "local", "retail"
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChannelWords(_Strict):
    name: str
    kind: ChannelKind
    aliases: tuple[str, ...]
    formats: tuple[str, ...] = ()


class Country(_Strict):
    name: str
    code: str = Field(pattern=r"^[A-Z]{2}$")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    language: str
    aliases: tuple[str, ...] = ()


class Language(_Strict):
    name: str
    code: str = Field(pattern=r"^[a-z]{2}$")


class BusinessModelWords(_Strict):
    label: str
    signals: dict[str, int]


class Vocabulary(_Strict):
    channels: tuple[ChannelWords, ...]
    channel_groups: dict[str, tuple[str, ...]]
    countries: tuple[Country, ...]
    cities: dict[str, tuple[str, ...]]
    regions: tuple[str, ...]
    languages: tuple[Language, ...]
    retailers: tuple[str, ...]
    business_models: dict[str, BusinessModelWords]
    # business model (its value) -> what a brief calls it when it names it outright
    business_model_names: dict[str, tuple[str, ...]]
    # the verbs an objective starts with, in the order they are tried; verb -> its result ("sell" -> "sold")
    objective_verbs: tuple[str, ...]
    objective_verb_results: dict[str, str]
    # fact -> the headings and metadata keys that name it (see brief_parser's labelled parts)
    labels: dict[str, tuple[str, ...]]
    # how a sentence speaks of channels: asks_for, asks_outright, tried, states_a_rule -> words or short patterns
    channel_asks: dict[str, tuple[str, ...]]

    @model_validator(mode="after")
    def _consistent(self) -> Vocabulary:
        names = [c.name for c in self.channels]
        if len(set(names)) != len(names):
            raise ValueError("channel names must be unique")
        for group, members in self.channel_groups.items():
            unknown = set(members) - set(names)
            if unknown:
                raise ValueError(f"channel group {group!r} names unknown channels {sorted(unknown)}")
        codes = {c.code for c in self.countries}
        if set(self.cities) - codes:
            raise ValueError(f"cities listed for unknown countries {sorted(set(self.cities) - codes)}")
        languages = {lang.name for lang in self.languages}
        for country in self.countries:
            if country.language not in languages:
                raise ValueError(f"{country.name}: unknown language {country.language}")
        return self

    # ----- lookups ---------------------------------------------------------------------------------------

    @functools.cached_property
    def channel_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.channels)

    def channel(self, name: str) -> ChannelWords:
        return next(c for c in self.channels if c.name == name)

    def channel_ask_pattern(self, kind: str) -> re.Pattern[str]:
        """One of `channel_asks`' lists as a whole-word pattern, case-insensitive."""
        return re.compile(r"\b(" + "|".join(self.channel_asks[kind]) + r")\b", re.IGNORECASE)

    @functools.cached_property
    def country_by_code(self) -> dict[str, Country]:
        return {c.code: c for c in self.countries}

    @functools.cached_property
    def language_by_name(self) -> dict[str, Language]:
        return {lang.name.casefold(): lang for lang in self.languages}

    @functools.cached_property
    def places(self) -> tuple[tuple[str, str, re.Pattern[str]], ...]:
        """(place as written here, country code or "", pattern), longest names first so "New York" wins."""
        out: list[tuple[str, str]] = []
        for country in self.countries:
            out.append((country.name, country.code))
            out += [(alias, country.code) for alias in country.aliases]
        for code, cities in self.cities.items():
            out += [(city, code) for city in cities]
        out += [(region, "") for region in self.regions]
        out.sort(key=lambda p: -len(p[0]))
        return tuple((name, code, word_pattern(name)) for name, code in out)


def word_pattern(text: str) -> re.Pattern[str]:
    """A whole-word pattern for a phrase. Words of three letters or fewer ("us", "uk", "uae") only match
    in capitals ("US"), so the pronoun "us" is never read as a country."""
    if len(text) <= 3:
        return re.compile(r"(?<![\w-])" + re.escape(text.upper()) + r"(?![\w-])")
    return re.compile(r"(?<![\w-])" + re.escape(text) + r"(?![\w-])", re.IGNORECASE)


@functools.cache
def vocabulary() -> Vocabulary:
    """The vocabulary, loaded and validated once."""
    text = resources.files("services.generator.domain").joinpath("vocabulary.yaml").read_text("utf-8")
    return Vocabulary.model_validate(yaml.safe_load(text))
