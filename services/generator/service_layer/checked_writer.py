"""A section writer whose sections must obey the brief before they are accepted.

Wraps the LLM writer. Learning's rules are applied first, as the offline composer applies them (lines
rated weak and sentences holding figures of earlier work are taken out); then a section that uses a forbidden word, mentions an excluded channel, changes an
objective or pastes the operator's feedback is refused with `BrokeBriefRule` (a `WriterFailed`), so the
report falls back to the offline composer for that section and says so in its warnings.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from services.generator.composer.decisions import NO_DECISIONS, Decisions
from services.generator.composer.llm_brief import check_written_section, repair_written_section
from services.generator.composer.models import Example, Refinement
from services.generator.domain.brief import Brief
from services.generator.domain.packages import Package, SectionSpec
from services.generator.service_layer.ports import SectionWriter, WriterFailed

log = logging.getLogger(__name__)


class BrokeBriefRule(WriterFailed):
    """The model's section breaks a rule of the brief."""


class RuleCheckedWriter:
    """A SectionWriter that checks every section against the brief's rules before returning it."""

    def __init__(self, inner: SectionWriter) -> None:
        self._inner = inner

    def write_section(
        self,
        section: SectionSpec,
        brief: Brief,
        package: Package,
        examples: Sequence[Example],
        refinement: Refinement,
        *,
        timeout: float,
        decisions: Decisions = NO_DECISIONS,
    ) -> str:
        body = self._inner.write_section(
            section, brief, package, examples, refinement, timeout=timeout, decisions=decisions
        )
        body, repaired = repair_written_section(brief, package, section, refinement, decisions, body)
        if repaired:
            log.info("model-written section %s repaired: %s", section.id, "; ".join(repaired))
        broken = check_written_section(brief, package, section, refinement, body, decisions)
        if broken:
            log.warning("model-written section %s refused: %s", section.id, "; ".join(map(str, broken)))
            raise BrokeBriefRule("it broke a brief rule (" + "; ".join(str(v) for v in broken[:3]) + ")")
        return body
