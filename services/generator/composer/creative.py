"""Creative lines (taglines, headlines, calls to action, subject lines) in the brief's creative language.

English lines come from the playbook copy; other languages from the banks in data/languages.yaml, each with
its English gloss so the client can review them. A language with no bank keeps English working lines and
says that native copywriters write the final ones.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict

from services.generator.composer.render import compiled
from services.generator.domain.understanding import BusinessModel

Line = tuple[str, str]  # (line, English gloss)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LanguageBank(_Strict):
    taglines: tuple[Line, Line, Line]
    term_tagline: Line
    retail_line: Line
    headlines: dict[str, Line]
    ctas: dict[str, Line]
    subject_lines: tuple[Line, Line, Line]


class Banks(_Strict):
    languages: dict[str, LanguageBank]


@functools.cache
def banks() -> Banks:
    text = (
        resources.files("services.generator.composer").joinpath("data", "languages.yaml").read_text("utf-8")
    )
    loaded = Banks.model_validate(yaml.safe_load(text))
    models = {m.value for m in BusinessModel}
    for name, bank in loaded.languages.items():
        if set(bank.ctas) != models:
            raise ValueError(f"languages.yaml: {name} needs a call to action for every business model")
        if not {"tension", "proof", "offer", "event", "switch"} <= set(bank.headlines):
            raise ValueError(
                f"languages.yaml: {name} needs headlines for tension, proof, offer, event and switch"
            )
    return loaded


@dataclass(frozen=True)
class Creative:
    """The creative lines of one report, ready to print (with glosses when not in English)."""

    language: str
    locale: str
    taglines: tuple[str, ...]
    subject_lines: tuple[str, ...]
    cta: str
    headlines: dict[str, str]  # by angle key
    note: str  # e.g. that final lines are written by native copywriters
    localised: bool  # lines come from a language bank

    def headline(self, key: str, english: str) -> str:
        return self.headlines.get(key, english) if self.localised else english


def _fmt(line: Line, names: dict[str, str], gloss: bool) -> str:
    text, english = (compiled(part).render(**names) for part in line)
    return f"{text} *({english})*" if gloss else text


def creative_lines(
    *,
    language: str,
    locale: str,
    model: BusinessModel,
    names: dict[str, str],
    english_taglines: tuple[str, ...],
    english_subjects: tuple[str, ...],
    english_cta: str,
) -> Creative:
    """The report's creative lines. `names` fills {{ brand }}, {{ event }}, {{ term }}, {{ retailer }}."""
    bank = banks().languages.get(language) if language and language != "English" else None
    if bank is None:
        note = ""
        if language and language != "English":
            note = (
                f"Working lines in English; the final {language} lines are written by native copywriters and "
                "approved with the client before production."
            )
        return Creative(
            language=language or "English",
            locale=locale,
            taglines=english_taglines,
            subject_lines=english_subjects,
            cta=english_cta,
            headlines={},
            note=note,
            localised=False,
        )
    taglines = [_fmt(t, names, True) for t in bank.taglines]
    if names.get("term"):
        taglines[2] = _fmt(bank.term_tagline, names, True)
    if names.get("retailer"):
        taglines.append(_fmt(bank.retail_line, names, True))
    return Creative(
        language=language,
        locale=locale,
        taglines=tuple(taglines),
        subject_lines=tuple(_fmt(s, names, True) for s in bank.subject_lines),
        cta=_fmt(bank.ctas[model.value], names, True),
        headlines={
            **{k: _fmt(v, names, True) for k, v in bank.headlines.items()},
            "retail": _fmt(
                bank.retail_line if names.get("retailer") else bank.headlines["offer"], names, True
            ),
        },
        note=f"All lines in {language} ({locale}); the English in brackets is a gloss for review, not copy.",
        localised=True,
    )
