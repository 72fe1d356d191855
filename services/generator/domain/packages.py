"""The report packages: ordered lists of sections, under one consistent set of keys.

The old system had two mismatched key sets; keys, labels and section ids are defined in one place, the
data file packages.yaml beside this module, read and checked here. The flagship
(`strategy_campaign_standard`) and `quick_social_basic` follow the product brief exactly; the other five are
designed there with the section counts the brief fixes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

import yaml
from pydantic import BaseModel, ConfigDict, model_validator


@dataclass(frozen=True)
class SectionSpec:
    """One section of a report: a stable id and the heading shown to the reader."""

    id: str
    title: str


@dataclass(frozen=True)
class Package:
    """A report package: its key, its label as operators see it, and its ordered sections."""

    key: str
    label: str
    sections: tuple[SectionSpec, ...]

    @property
    def section_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.sections)


class UnknownPackageError(KeyError):
    """Raised for a package key or label that does not exist; `valid_keys` lists the ones that do."""

    def __init__(self, key: str, valid_keys: tuple[str, ...] | None = None) -> None:
        super().__init__(key)
        self.key = key
        self.valid_keys: tuple[str, ...] = valid_keys if valid_keys is not None else tuple(PACKAGES)

    def __str__(self) -> str:
        return f"unknown package {self.key!r}; valid keys: {', '.join(self.valid_keys)}"


class UnknownSectionError(KeyError):
    """A section id the registry (packages.yaml) does not know (there is no fallback section)."""

    def __init__(self, section_id: str) -> None:
        super().__init__(section_id)
        self.section_id = section_id

    def __str__(self) -> str:
        return f"unknown section {self.section_id!r}; sections are registered in services/generator/domain/packages.yaml"


class _PackageRow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    label: str
    sections: tuple[str, ...]


class _Catalogue(BaseModel):
    """packages.yaml: the one registry of sections (id -> title) and the packages made of them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    titles: dict[str, str]
    packages: tuple[_PackageRow, ...]

    @model_validator(mode="after")
    def _every_section_has_a_title(self) -> _Catalogue:
        untitled = {i for p in self.packages for i in p.sections} - set(self.titles)
        if untitled:
            raise ValueError(f"sections without a title: {sorted(untitled)}")
        if len({p.key for p in self.packages}) != len(self.packages):
            raise ValueError("package keys repeat")
        return self


# The catalogue is data (packages.yaml beside this module), read once when the module is first imported.
_CATALOGUE = _Catalogue.model_validate(
    yaml.safe_load(resources.files("services.generator.domain").joinpath("packages.yaml").read_text("utf-8"))
)

SECTION_TITLES: Mapping[str, str] = MappingProxyType(dict(_CATALOGUE.titles))


# Titles that name a channel, and what the section is called when the brief rules that channel out (an
# excluded channel is never mentioned, not even in a heading).
ALTERNATE_TITLES: Mapping[str, str] = MappingProxyType(
    {
        "influencer_strategy": "Advocacy Strategy",
        "email_and_crm_flows": "Lifecycle Flows",
        "pr_and_media_plan": "Reputation & Coverage Plan",
    }
)


def _build() -> Mapping[str, Package]:
    packages: dict[str, Package] = {}
    for row in _CATALOGUE.packages:
        sections = tuple(SectionSpec(i, SECTION_TITLES[i]) for i in row.sections)
        packages[row.key] = Package(key=row.key, label=row.label, sections=sections)
    return MappingProxyType(packages)


PACKAGES: Mapping[str, Package] = _build()
"""All packages by key, in the order operators see them (the flagship first)."""

DEFAULT_PACKAGE_KEY = "strategy_campaign_standard"

_BY_NAME: Mapping[str, str] = MappingProxyType(
    {name.casefold(): p.key for p in PACKAGES.values() for name in (p.key, p.label)}
)


def get_package(key: str) -> Package:
    """The package with this exact key; raises `UnknownPackageError` (a `KeyError`) otherwise."""
    try:
        return PACKAGES[key]
    except KeyError:
        raise UnknownPackageError(key, tuple(PACKAGES)) from None


def key_for_label(label_or_key: str) -> str:
    """The key for a package key or label, case-insensitive and ignoring surrounding whitespace."""
    found = _BY_NAME.get(" ".join(label_or_key.split()).casefold())
    if found is None:
        raise UnknownPackageError(label_or_key, tuple(PACKAGES))
    return found
