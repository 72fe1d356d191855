"""Which kind of business a brief describes: by meaning, against the described kinds in business_types.yaml.

Each sentence of the brief and each description are embedded with the product's own sentence model (the
port in domain/sentence_model.py, the offline MiniLM the memory service uses); a kind's score is the mean of
its descriptions' best matches among the brief's sentences. Without the model (it cannot load), no kind is
guessed: the brief gets `general`.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from services.generator.domain.readers.source import Source
from services.generator.domain.sentence_model import Embed, sentence_model

log = logging.getLogger(__name__)
_DATA = Path(__file__).resolve().parent.parent / "business_types.yaml"


@dataclass(frozen=True)
class BusinessType:
    key: str
    label: str
    plan: str  # the playbook family the composer writes from
    describes: tuple[str, ...]
    profile: str = ""  # the industry profile for briefs of this kind that name no industry
    commercial: bool = True  # False: it sells nothing, so there is no revenue to return on spend
    # False: no industry profile covers this kind (a charity, a marketplace), so its own plan leads even when
    # the brief names an industry.
    industry_leads: bool = True


@dataclass(frozen=True)
class TypeReading:
    type: BusinessType | None
    score: float
    evidence: str  # the brief's sentence closest to the chosen kind


@functools.cache
def business_types() -> tuple[BusinessType, ...]:
    raw = yaml.safe_load(_DATA.read_text(encoding="utf-8"))
    return tuple(
        BusinessType(
            t["key"],
            t["label"],
            t["plan"],
            tuple(t["describes"]),
            str(t.get("profile") or ""),
            bool(t.get("commercial", True)),
            bool(t.get("industry_leads", True)),
        )
        for t in raw["types"]
    )


def type_by_key(key: str) -> BusinessType | None:
    return next((t for t in business_types() if t.key == key), None)


@functools.cache
def _description_vectors(embed: Embed) -> tuple[np.ndarray, tuple[int, ...]]:
    owners: list[int] = []
    texts: list[str] = []
    for i, t in enumerate(business_types()):
        for d in t.describes:
            texts.append(d)
            owners.append(i)
    # One at a time: the int8 model quantises a batch's activations together, so a description embedded in a
    # batch would move whenever another description is added or edited.
    return np.vstack([embed([t]) for t in texts]), tuple(owners)


# Below this, no description is close enough to say what the business is.
MIN_SCORE = 0.25


def read_business_type(source: Source, embed: Embed | None = None) -> TypeReading:
    embed = embed or sentence_model()
    # Budget, timing and place say nothing about the kind of business.
    sentences = [
        s.text for s in source.sentences
        if len(s.text.split()) >= 4 and s.field not in ("budget", "timeline", "geography")
    ][:60]  # fmt: skip
    if embed is None or not sentences:
        return TypeReading(None, 0.0, "")
    vectors = embed(sentences)
    desc, owners = _description_vectors(embed)
    sims = desc @ vectors.T  # descriptions x sentences
    types = business_types()
    best_per_desc = sims.max(axis=1)
    # Each kind: the mean of its descriptions' best sentence matches, plus the mean of its top-3 matches
    # over all sentences (a brief mentions its business in more than one place).
    scores = np.zeros(len(types), dtype=np.float32)
    for i in range(len(types)):
        rows = [j for j, o in enumerate(owners) if o == i]
        top = np.sort(sims[rows].max(axis=0))[-3:]
        scores[i] = 0.5 * float(best_per_desc[rows].mean()) + 0.5 * float(top.mean())
    chosen = int(scores.argmax())
    if scores[chosen] < MIN_SCORE:
        return TypeReading(None, float(scores[chosen]), "")
    rows = [j for j, o in enumerate(owners) if o == chosen]
    evidence = sentences[int(sims[rows].max(axis=0).argmax())]
    return TypeReading(types[chosen], float(scores[chosen]), evidence)
