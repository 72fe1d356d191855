"""The words a kind of business uses for its people, its result and its moments (data/copy/words.yaml).

A playbook's copy is shared by several kinds of business (a school, a hotel and a car dealer all sell a
considered purchase); the copy says `{{ w.conversions }}` where a school means enrolments and a dealer test
drives, so each kind reads in its own words. The playbook's words are the default; a kind's words override them.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import TYPE_CHECKING

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

from services.generator.composer.render import compiled
from services.generator.domain.readers.business_type import type_by_key

if TYPE_CHECKING:
    from services.generator.composer.context import Ctx


class KindWords(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    plans: dict[str, dict[str, str]]
    types: dict[str, dict[str, str]]

    @model_validator(mode="after")
    def _known_words(self) -> KindWords:
        for key, words in self.types.items():
            kind = type_by_key(key)
            if kind is None:
                raise ValueError(f"words for an unknown kind of business {key!r}")
            base = self.plans.get(kind.plan, {})
            unknown = set(words) - set(base)
            if unknown:
                raise ValueError(f"{key}: words its playbook {kind.plan!r} never uses: {sorted(unknown)}")
        return self


@functools.cache
def kind_words() -> KindWords:
    text = resources.files("services.generator.composer").joinpath("data/copy/words.yaml").read_text("utf-8")
    return KindWords.model_validate(yaml.safe_load(text))


def words_for(plan_key: str, business_type: str) -> dict[str, str]:
    """The playbook's words, with the kind of business's own where it has them."""
    data = kind_words()
    words = dict(data.plans.get(plan_key, {}))
    kind = type_by_key(business_type) if business_type else None
    if kind is not None and kind.plan == plan_key:
        words.update(data.types.get(business_type, {}))
    return words


def in_kind_words(plan: Ctx, text: str) -> str:
    """A playbook's line (a table cell, a source) in the words of the kind of business read from the brief."""
    if "{{" not in text:
        return text
    return compiled(text).render(w=words_for(plan.playbook.key, plan.facts.business_type), plan=plan).strip()
