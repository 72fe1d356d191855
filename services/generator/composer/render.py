"""Rendering sections from Jinja2 templates (composer/templates/sections/<section id>.md.j2) and the
sub-parts any section may carry (composer/templates/blocks/<name>.md.j2).

The environment is strict (an undefined name is an error, never an empty string), never autoescapes (the
output is markdown) and offers the small set of helpers every template uses: markdown tables and lists that
make operator text safe, money and dates in the report's style, and `fill`, which renders a line of copy
from a data file with the same names the template sees.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from importlib import resources
from typing import Any

import jinja2

from services.generator.composer.context import short_phrase
from services.generator.composer.text import (
    bare,
    bullets,
    cap,
    fmt_date,
    fmt_date_short,
    fmt_int,
    hashtag,
    join_and,
    lower_first,
    no_parens,
    numbered,
    pct1,
    pick,
    sentence,
    slug,
    table,
    trim,
)
from services.generator.domain.packages import SECTION_TITLES, UnknownSectionError

_TEMPLATE_DIR = "templates"


def _join_and(items: Sequence[str]) -> str:
    return join_and(list(items))


def _short(text: str, limit: int = 60) -> str:
    return short_phrase(text, limit)


@functools.cache
def environment() -> jinja2.Environment:
    root = resources.files("services.generator.composer").joinpath(_TEMPLATE_DIR)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(
        {
            "n": fmt_int,
            "pct": pct1,
            "date": fmt_date,
            "date_short": fmt_date_short,
            "cap": cap,
            "lower_first": lower_first,
            "sentence": sentence,
            "bare": bare,
            "no_parens": no_parens,
            "hashtag": hashtag,
            "slug": slug,
            "trim": trim,
            "short": _short,
            "join_and": _join_and,
        }
    )
    env.globals.update({"table": table, "bullets": bullets, "numbered": numbered, "pick": pick})
    env.filters["fill"] = _fill
    env.globals["fill"] = _fill
    return env


@functools.lru_cache(maxsize=2048)
def compiled(text: str) -> jinja2.Template:
    """A line of copy from a data file as a template, compiled once."""
    return environment().from_string(text)


@jinja2.pass_context
def _fill(context: jinja2.runtime.Context, text: str) -> str:
    """A line of copy from a data file, rendered with the names the template sees."""
    return compiled(text).render(context.get_all()).strip()


def template_ids() -> set[str]:
    """Section ids that have a template."""
    root = resources.files("services.generator.composer").joinpath(_TEMPLATE_DIR, "sections")
    return {p.name.removesuffix(".md.j2") for p in root.iterdir() if p.name.endswith(".md.j2")}


def check_registry() -> None:
    """Every registered section has a template and every template a registered section."""
    missing = set(SECTION_TITLES) - template_ids()
    orphans = template_ids() - set(SECTION_TITLES)
    if missing or orphans:
        raise RuntimeError(
            f"section templates out of step with the registry: missing {sorted(missing)}, orphans {sorted(orphans)}"
        )


def _tidy(markdown: str) -> str:
    lines = [line.rstrip() for line in markdown.strip().splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def render_block(name: str, **names: Any) -> str:
    """A sub-part any section may carry (composer/templates/blocks/<name>.md.j2): feedback's extra detail,
    the sign-off, what learning carries. `plan` is the section's context."""
    return _tidy(environment().get_template(f"blocks/{name}.md.j2").render(**names))


def render_section(section_id: str, names: dict[str, Any]) -> str:
    """The section's markdown body. Raises UnknownSectionError for an id the registry does not know."""
    if section_id not in SECTION_TITLES:
        raise UnknownSectionError(section_id)
    template = environment().get_template(f"sections/{section_id}.md.j2")
    return _tidy(template.render(**names))
