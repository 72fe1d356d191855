"""One template syntax, and no English copy in the modules that compute the plan (issue 24)."""

from __future__ import annotations

import ast
import re
from importlib import resources
from typing import Any

import yaml

from services.generator.composer import plans, revisions, views
from services.generator.composer.render import environment
from services.generator.composer.wording import say, words

_COMPOSER = resources.files("services.generator.composer")


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def test_every_line_of_the_wording_deck_is_a_jinja_line_that_compiles() -> None:
    deck = yaml.safe_load(_COMPOSER.joinpath("data/wording.yaml").read_text("utf-8"))
    lines = _strings(deck)
    assert len(lines) > 100
    for line in lines:
        environment().from_string(line)  # a syntax error raises


def test_no_data_file_uses_str_format_placeholders() -> None:
    """`{brand}` was str.format; every data file now says `{{ brand }}`, rendered by the one environment."""
    single = re.compile(r"(?<!\{)\{[a-z_]+\}(?!\})")
    for path in ("channels.yaml", "playbooks.yaml", "languages.yaml", "wording.yaml", "copy/general.yaml"):
        text = _COMPOSER.joinpath("data", path).read_text("utf-8")
        assert not single.findall(text), path


def test_the_modules_that_compute_the_plan_hold_no_english_sentences() -> None:
    """Python decides, data/wording.yaml and the templates word it: no string of four or more words in
    views, plans or revisions outside docstrings."""
    prose = re.compile(r"[A-Za-z]+(?:[ ,;:]+[a-z]+){3,}")
    for module in (views, plans, revisions):
        source = resources.files("services.generator.composer").joinpath(
            f"{module.__name__.rsplit('.', 1)[1]}.py"
        )
        tree = ast.parse(source.read_text("utf-8"))
        docstrings = {
            id(n.body[0].value)
            for n in ast.walk(tree)
            if isinstance(n, ast.Module | ast.FunctionDef | ast.ClassDef)
            and n.body
            and isinstance(n.body[0], ast.Expr)
            and isinstance(n.body[0].value, ast.Constant)
        }
        found = [
            n.value
            for n in ast.walk(tree)
            if isinstance(n, ast.Constant)
            and isinstance(n.value, str)
            and id(n) not in docstrings
            and prose.search(n.value)
        ]
        assert found == [], (module.__name__, found)


def test_say_renders_a_line_with_the_names_given() -> None:
    assert say("weeks.span", first=3, last=10) == "Weeks 3-10"
    assert say("weeks.before", n=2) == "2 weeks before go-live"
    assert words("calendar.goals")["awareness"] == "Reach and saves"
