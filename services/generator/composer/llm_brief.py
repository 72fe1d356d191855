"""What the LLM path is told, and how its sections are checked: the same understood brief, rules and plan
the offline composer writes from.

`prompt_facts` is the part of the prompt that states the brief as understood, the objectives exactly as
stated, the rules, the plan's numbers and the operator's changes; `check_written_section` says how a
model-written section breaks a rule (a forbidden word, an excluded channel, an objective not as stated,
feedback pasted in), so the section can be refused and written by the offline composer instead.
"""

from __future__ import annotations

import re

from services.generator.composer.context import Ctx
from services.generator.composer.decisions import NO_DECISIONS, Decisions
from services.generator.composer.learning import drop_avoided, drop_stale
from services.generator.composer.models import Refinement
from services.generator.composer.offline import decided_context
from services.generator.composer.revisions import applied_lines, unapplied_lines
from services.generator.composer.rules import Violation, objective_violations, violations
from services.generator.composer.text import fmt_date, fmt_int, join_and
from services.generator.domain.brief import Brief
from services.generator.domain.packages import Package, SectionSpec

# Sections that restate the objectives: a model must write them exactly as the client did.
OBJECTIVE_SECTIONS = frozenset({"campaign_objective", "kpi_and_budget_plan", "kpi_plan_light"})
MUST_APPEAR = "## Must appear verbatim in this section"


def _plan(
    brief: Brief, package: Package, section: SectionSpec, refinement: Refinement, decisions: Decisions
) -> Ctx:
    return decided_context(section, brief, package, refinement, decisions)


def prompt_facts(
    brief: Brief,
    package: Package,
    section: SectionSpec,
    refinement: Refinement,
    decisions: Decisions = NO_DECISIONS,
) -> list[str]:
    """Prompt lines: the understood brief, objectives, rules, the plan's numbers (with the report's learned
    decisions applied), the client's standing decisions, the operator's changes."""
    plan = _plan(brief, package, section, refinement, decisions)
    f = plan.facts
    lines = ["## Brief (as understood)"]
    rows = [
        ("Client", plan.client),
        ("Brand", plan.brand),
        ("Product/service", f.product),
        ("Industry", f.industry),
        ("Business model", f"{plan.playbook.label}: sells {plan.playbook.sells}"),
        ("Markets", join_and(list(f.markets))),
        ("Audience", plan.audience),
        (
            "Segments",
            "; ".join(f"{s.name}: {s.description}" if s.description else s.name for s in f.segments),
        ),
        ("Budget", plan.budget_phrase),
        ("Timeline", f.timeline or plan.timeline.label),
        ("Launch date", fmt_date(plan.launch) if plan.launch else ""),
        ("Competitors", "; ".join(f"{c.name} ({c.note})" if c.note else c.name for c in f.competitors)),
        ("Events", "; ".join(f"{e.name} ({e.date_text})" if e.date_text else e.name for e in f.events)),
        ("Prices and values", "; ".join(f"{p.label}: {plan.price_text(p)}" for p in f.prices)),
        ("Retail partners", join_and(list(f.retail_partners))),
        ("Offers", "; ".join(f.offers)),
        ("Tone", plan.tone),
        ("Creative language", f"{plan.language} ({plan.locale})" if plan.language else ""),
    ]
    lines += [f"- {name}: {value}" for name, value in rows if value]
    if f.objectives:
        lines += ["", "## Objectives exactly as stated (never change a target, a metric or a deadline)"]
        lines += [f"- {o.text}" for o in f.objectives]
    rules = f.rules
    lines += ["", "## Rules (a section that breaks one is rejected)"]
    if rules.forbidden_words:
        lines.append("- Never use these words: " + ", ".join(f'"{w}"' for w in rules.forbidden_words))
    if rules.excluded_channels or rules.excluded_formats:
        lines.append(
            "- Never mention, budget or plan these channels or formats, not even as excluded: "
            + ", ".join([*rules.excluded_channels, *rules.excluded_formats])
        )
    if rules.mandated_terms:
        lines.append("- Use these terms exactly: " + ", ".join(f'"{t}"' for t in rules.mandated_terms))
    lines += [f"- {c}" for c in (*rules.claims_needing_review, *rules.other)]
    if plan.language:
        lines.append(
            f"- Write every line of creative (headlines, taglines, calls to action) in {plan.language}"
        )
    lines.append("- Never name where an example came from, or any score or rating")
    lines += ["", "## The plan (the section must agree with these numbers)"]
    lines.append(
        "- Budget split: "
        + "; ".join(f"{line.name} {line.pct}% ({plan.money(line.amount)})" for line in plan.lines)
    )
    funnel = plan.funnel
    lines.append(
        f"- At planning benchmarks: {fmt_int(funnel.impressions)} impressions, "
        + ", ".join(f"{fmt_int(s.count)} {s.name}" for s in funnel.stages)
        + f"{plan.period_word}; cost per {funnel.primary.one} {plan.money(funnel.cpa)}"
    )
    if plan.centrepiece is not None:
        lines.append(f"- Centrepiece: {plan.centrepiece.name} ({plan.centrepiece.date_text})")
    lines += playbook_lines(plan, decisions)
    applied = applied_lines(plan)
    if applied:
        lines += [
            "",
            "## Changes the operator asked for (already in the plan; reflect them, never quote them)",
        ]
        lines += [f"- {re.sub(r'[*]', '', line)}" for line in applied]
    unapplied = unapplied_lines(plan)
    if unapplied:
        lines += ["", "## Feedback that cannot be applied (do not act on it)"]
        lines += [f"- {line}" for line in unapplied]
    if section.id in OBJECTIVE_SECTIONS and f.objectives:
        lines += ["", MUST_APPEAR] + [f"- {o.text}" for o in f.objectives]
    return lines


def playbook_lines(plan: Ctx, decisions: Decisions) -> list[str]:
    """The client's standing decisions and approved texts for this section, as the model's instructions."""
    sid = plan.section.id
    lines: list[str] = []
    if plan.learned_idea:
        lines.append(f"- The campaign's big idea (keep it, word for word): \u201c{plan.learned_idea}\u201d")
    if decisions.split is not None:
        lines.append("- The channel split above is the client's approved mix: keep its order")
    lines += [f"- Standing instruction: {text}" for text in decisions.standing]
    if decisions.tone:
        lines.append(f"- Tone of voice the client approved: {decisions.tone}")
    approved = decisions.approved_for(sid)
    avoid = decisions.avoid_for(sid)
    out: list[str] = []
    if lines:
        out += [
            "",
            "## The client's playbook (keep these decisions unless the brief above says otherwise)",
            *lines,
        ]
    if approved:
        out += [
            "",
            "## Approved by the client for this section (keep their ideas and wording; every number, date, "
            "budget, target, event and price must be this brief's, never these texts')",
        ]
        out += [text[:2500] for text in approved[:3]]
    if avoid:
        out += ["", "## Rated weak for this client (write none of these lines again)"]
        out += [text[:1500] for text in avoid[:2]]
    return out


def repair_written_section(
    brief: Brief,
    package: Package,
    section: SectionSpec,
    refinement: Refinement,
    decisions: Decisions,
    markdown: str,
) -> tuple[str, list[str]]:
    """A model-written section with learning's rules applied, as the offline composer applies them: lines
    of text rated weak are taken out, and a sentence holding a figure of a learned text that is not this
    brief's is dropped. Returns the section and what was taken out, in words for the operator."""
    plan = _plan(brief, package, section, refinement, decisions)
    body, weak = drop_avoided(markdown, decisions.avoid_for(section.id))
    body, stale = drop_stale(body, plan, decisions.learned_texts(section.id))
    notes = []
    if weak:
        notes.append(f"{weak} line(s) rated weak before were taken out of the model's section")
    if stale:
        notes.append(
            f"{stale} sentence(s) with figures of earlier work were taken out of the model's section"
        )
    return body, notes


def check_written_section(
    brief: Brief,
    package: Package,
    section: SectionSpec,
    refinement: Refinement,
    markdown: str,
    decisions: Decisions = NO_DECISIONS,
) -> list[Violation]:
    """How a model-written section breaks the brief's rules (empty when it is fine)."""
    plan = _plan(brief, package, section, refinement, decisions)
    found = violations(markdown, plan.facts.rules)
    if section.id in OBJECTIVE_SECTIONS:
        found += objective_violations(markdown, plan.facts.objectives)
    feedback = refinement.feedback.strip()
    if len(feedback) >= 20 and feedback.casefold() in markdown.casefold():
        found.append(Violation("feedback", "the operator's feedback is pasted into the section"))
    return found
