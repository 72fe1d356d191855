"""Report composition. `offline` is the deterministic, LLM-free composer."""

from services.generator.composer.offline import Example, Refinement, compose_section

__all__ = ["Example", "Refinement", "compose_section"]
