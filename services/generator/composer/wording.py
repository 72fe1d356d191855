"""The words of the plan pieces Python computes (phases, the day-by-day plan, KPI rows, milestones, the
rows of the other packages): Jinja lines in data/wording.yaml, rendered through the composer's one Jinja
environment. Python decides what a row holds; these lines word it.

`say("phases.launch.activities", plan=plan, ...)` renders one line with the names given; `words("…")` is the
raw value (a list or a mapping) for the code that walks it.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml

from services.generator.composer.render import compiled


@functools.cache
def _deck() -> dict[str, Any]:
    text = resources.files("services.generator.composer").joinpath("data/wording.yaml").read_text("utf-8")
    loaded = yaml.safe_load(text)
    assert isinstance(loaded, dict)
    return loaded


def words(path: str) -> Any:
    """The value at a dotted path of data/wording.yaml (KeyError for a path it does not have)."""
    node: Any = _deck()
    for part in path.split("."):
        node = node[part]
    return node


def say(path: str, /, **names: Any) -> str:
    """The line at a dotted path, rendered with `names`."""
    return render_line(str(words(path)), **names)


def render_line(line: str, /, **names: Any) -> str:
    return compiled(line).render(**names).strip()
