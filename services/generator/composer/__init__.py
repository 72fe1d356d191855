"""Report composition. `offline` is the deterministic, LLM-free composer: planning maths in Python
(`context`, `plans`, `views`), copy in data files (`data/`, checked by `catalogue`) and Jinja2 templates
(`templates/sections/`, rendered by `render`), the brief's rules enforced by `rules`."""

from services.generator.composer.offline import Example, Refinement, compose_section

__all__ = ["Example", "Refinement", "compose_section"]
