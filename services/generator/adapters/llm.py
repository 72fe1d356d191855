"""The LLM path: sections written by an OpenAI (or OpenAI-compatible) chat model through the official SDK.

Each prompt carries the brief, the package, the section to write, the report's learned decisions (the
client's playbook: big idea, approved mix, standing instructions, approved and weak texts) and the
learned examples retrieved for that section (the client's unrated drafts are left out). Calls have a per-section timeout and no SDK retries (the generator falls back to the
offline composer instead of waiting).
"""

from __future__ import annotations

from collections.abc import Sequence

import openai

from services.common.observability import metrics
from services.generator.composer.decisions import NO_DECISIONS, Decisions
from services.generator.composer.llm_brief import prompt_facts
from services.generator.composer.models import SAME_CLIENT
from services.generator.composer.offline import Example, Refinement
from services.generator.domain.brief import Brief
from services.generator.domain.packages import Package, SectionSpec
from services.generator.service_layer.ports import WriterFailed

SYSTEM_PROMPT = (
    "You are AICMO, the chief marketing officer of a top agency. Write one section of a client report in "
    "polished markdown: specific to the brief (names, numbers, channels, dates), actionable, no "
    "placeholders, no preamble. Start directly with the content; do not repeat the section title as a "
    "heading. Obey every rule listed in the prompt: a section that uses a forbidden word, mentions an "
    "excluded channel or changes an objective is rejected. State objectives exactly as the client wrote them. "
    "When past examples are given, reuse what worked in them, adapted to this client; never name an "
    "example's source, title, score or rating in the section, and never copy another brand's name, figures "
    "or hashtags from the agency library into this client's report."
)


class LlmError(WriterFailed):
    """The model did not produce a usable section (error, timeout, or empty answer)."""


class LlmWriter:
    def __init__(self, *, api_key: str, model: str, base_url: str | None = None) -> None:
        self.model = model
        self._client = openai.OpenAI(api_key=api_key, base_url=base_url, max_retries=0)

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
        try:
            response = self._client.with_options(timeout=timeout).chat.completions.create(
                model=self.model,
                messages=[
                    {"role": "system", "content": SYSTEM_PROMPT},
                    {
                        "role": "user",
                        "content": build_prompt(section, brief, package, examples, refinement, decisions),
                    },
                ],
                temperature=0.4,
            )
        except openai.APIError as exc:
            metrics.LLM_CALLS.labels("failed").inc()
            raise LlmError(f"{type(exc).__name__}") from exc
        if response.usage is not None:
            metrics.LLM_TOKENS.labels("prompt").inc(response.usage.prompt_tokens)
            metrics.LLM_TOKENS.labels("completion").inc(response.usage.completion_tokens)
        content = (response.choices[0].message.content or "").strip() if response.choices else ""
        if not content:
            metrics.LLM_CALLS.labels("failed").inc()
            raise LlmError("empty answer")
        metrics.LLM_CALLS.labels("ok").inc()
        return content


def build_prompt(
    section: SectionSpec,
    brief: Brief,
    package: Package,
    examples: Sequence[Example],
    refinement: Refinement,
    decisions: Decisions = NO_DECISIONS,
) -> str:
    """The user prompt for one section (public so tests and operators can see exactly what is sent): the
    brief as understood, the objectives as stated, the rules, the plan's numbers, the operator's changes and
    the learned examples."""
    lines = [f"Package: {package.label}", f"Section to write: {section.title} ({section.id})", ""]
    lines += prompt_facts(brief, package, section, refinement, decisions)
    if brief.raw_brief_text:
        lines += ["", "## The brief as the client wrote it", brief.raw_brief_text[:4000]]
    # The client's unrated drafts are weak evidence: never shown to the model (it would copy them).
    examples = [ex for ex in examples if ex.source != SAME_CLIENT or ex.rating in ("gold", "weak")]
    groups = (
        (
            "## This client's own past work, rated gold (keep what worked, with this brief's facts)",
            SAME_CLIENT,
            False,
        ),
        ("## Agency library examples (adapt the approach; use none of their names or figures)", "", False),
        ("## Rated weak by the team (avoid what these did)", "", True),
    )
    for heading, source, weak in groups:
        chosen = [
            ex
            for ex in examples
            if (ex.rating == "weak") == weak and (weak or (ex.source == SAME_CLIENT) == bool(source))
        ]
        if not chosen:
            continue
        lines += ["", heading]
        for i, ex in enumerate(chosen, 1):
            rating = f", rated {ex.rating}" if ex.rating else ""
            lines += [
                f"### Example {i}: {ex.title or ex.section_id or 'untitled'} (score {ex.score:.2f}{rating})"
            ]
            lines.append(ex.text[:2500])
    if refinement.stage == "refine" and refinement.feedback:
        lines += [
            "",
            "## Operator feedback to address in this revision (act on it; never quote it)",
            refinement.feedback,
        ]
        if refinement.previous_draft:
            lines += ["", "## Previous draft of this section", refinement.previous_draft[:4000]]
    if refinement.stage == "final":
        lines += ["", "This is the final, client-ready version."]
    return "\n".join(lines)
