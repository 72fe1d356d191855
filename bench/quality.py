"""`make eval`: report quality figures for the offline composer (not a timed test; prints figures).

1. Boilerplate: the share of sentences and table rows of a flagship report that also appear in another,
   unrelated client's report once the brief's own words are masked (target <= 15%).
2. Brief facts used, on the labelled briefs in tests/data/briefs.yaml (target >= 90%), and rule
   violations in those reports (target 0).
3. A brief given as free text only yields the same facts (and the same report) as the form.
4. Refinement: instructions in operator feedback applied (100% of those reported as applied), excluded
   channels never mentioned, feedback never pasted into the report.

Run: `make eval` (or `python -m bench.quality`).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.generator.composer.context import Ctx, build_context
from services.generator.composer.feedback import Instruction, split_instructions
from services.generator.composer.offline import Refinement, compose_section_with_notes, shown_section
from services.generator.composer.rules import violations
from services.generator.composer.text import fmt_date
from services.generator.domain.brief import Brief
from services.generator.domain.brief_parser import understand
from services.generator.domain.money import CURRENCIES, format_amount
from services.generator.domain.packages import Package, get_package
from services.generator.domain.understanding import Rules, UnderstoodBrief
from tests.labelled_briefs import LabelledBrief, by_id, labelled_briefs

FLAGSHIP = get_package("strategy_campaign_standard")
UNRELATED = ("identity-saas", "dental-chain", "oat-drink-germany")  # the three clients


@dataclass
class Report:
    markdown: str
    notes: list[str]
    plan: Ctx


def write_report(brief: Brief, package: Package = FLAGSHIP, refinement: Refinement | None = None) -> Report:
    refinement = refinement or Refinement()
    parts: list[str] = []
    notes: list[str] = []
    for spec in package.sections:
        body, section_notes = compose_section_with_notes(spec, brief, package, (), refinement)
        parts.append(f"## {shown_section(spec, brief, package).title}\n\n{body}")
        notes += section_notes
    return Report("\n\n".join(parts), notes, build_context(brief, package, package.sections[0], refinement))


# ----- 1. boilerplate -------------------------------------------------------------------------------------


def brief_strings(u: UnderstoodBrief, plan: Ctx) -> list[str]:
    """Every string the report takes from the brief, to mask before comparing reports."""
    out = [u.client, u.brand, u.product, u.industry, u.geography, u.audience, u.budget_text, u.timeline, u.language,
           u.locale, u.tone, plan.geo, plan.industry, plan.product, plan.audience, plan.audience_short]  # fmt: skip
    out += list(u.markets) + [s.name for s in u.segments] + [s.description for s in u.segments]
    out += [c.name for c in u.competitors] + [c.note for c in u.competitors]
    out += [e.name for e in u.events] + [e.date_text for e in u.events]
    out += list(u.retail_partners) + list(u.offers) + list(u.proof_points) + list(u.rules.mandated_terms)
    for o in u.objectives:
        out += [o.text, o.metric, o.target, o.deadline]
    out += [p.label for p in u.prices] + [p.text for p in u.prices]
    out += list(plan.constraints) + list(plan.objectives)
    strings = {s.strip() for s in out if s and len(s.strip()) >= 2}
    return sorted(strings, key=lambda s: -len(s))


def masked(markdown: str, strings: Iterable[str]) -> str:
    text = markdown
    for s in strings:
        text = re.sub(re.escape(s), "\u00a7", text, flags=re.IGNORECASE)
    return text


def units(markdown: str, with_headers: bool = False) -> list[str]:
    """Sentences (prose and list items) and table body rows, normalised. Structure is left out: headings,
    table header rows (unless `with_headers`) and table rules (see `structure`)."""
    out: list[str] = []
    lines = markdown.splitlines()
    for i, line in enumerate(lines):
        line = line.strip()
        if not line or line.startswith("#") or re.fullmatch(r"\|[-|: ]+\|", line):
            continue
        if line.startswith("|"):
            is_header = i + 1 < len(lines) and re.fullmatch(r"\|[-|: ]+\|", lines[i + 1].strip()) is not None
            if with_headers or not is_header:
                out.append(_norm(line))
            continue
        line = re.sub(r"^(?:[-*+]|\d+[.)])\s+", "", line)
        for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\u00a7*\u201c\"(])", line):
            if len(sentence.split()) >= 3:
                out.append(_norm(sentence))
    return out


def structure(markdown: str) -> list[str]:
    """Headings and table header rows: the report's skeleton, reported apart from its content."""
    lines = markdown.splitlines()
    out = [_norm(x) for x in lines if x.startswith("#")]
    out += [
        _norm(lines[i]) for i in range(len(lines) - 1) if re.fullmatch(r"\|[-|: ]+\|", lines[i + 1].strip())
    ]
    return out


def _norm(text: str) -> str:
    text = re.sub(r"[*_`>]", "", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def shared_share(reports: Sequence[list[str]], ignore_numbers: bool = False) -> list[float]:
    """For each report, the share of its units found in at least one other report."""
    if ignore_numbers:
        reports = [[re.sub(r"\d[\d,.]*", "#", u) for u in r] for r in reports]
    shares = []
    for i, mine in enumerate(reports):
        others: set[str] = set()
        for j, theirs in enumerate(reports):
            if j != i:
                others |= set(theirs)
        shares.append(sum(1 for u in mine if u in others) / max(1, len(mine)))
    return shares


def _masked_report(brief_id: str) -> str:
    b = by_id(brief_id)
    report = write_report(b.form)
    return masked(report.markdown, brief_strings(understand(b.form), report.plan))


def boilerplate(ids: Sequence[str]) -> tuple[list[float], list[float], list[str], tuple[int, int]]:
    reports = []
    skeletons = []
    for brief_id in ids:
        text = _masked_report(brief_id)
        reports.append(units(text))
        skeletons.append(structure(text))
    shared = shared_share(reports)
    shared_no_numbers = shared_share(reports, ignore_numbers=True)
    common = sorted(set(reports[0]) & set(reports[1]) & set(reports[2]))
    first = skeletons[0]
    same_structure = sum(1 for x in first if all(x in other for other in skeletons[1:]))
    return shared, shared_no_numbers, common, (same_structure, len(first))


# ----- 2. facts used and rules obeyed ---------------------------------------------------------------------


@dataclass
class FactCheck:
    brief_id: str
    used: list[str]
    missing: list[str]
    violations: list[str]
    interventions: int


def _money(amount: float, code: str) -> str:
    return format_amount(amount, CURRENCIES[code])


def fact_check(labelled: LabelledBrief) -> FactCheck:
    report = write_report(labelled.form)
    text = report.markdown
    low = text.lower()
    e = labelled.expected
    used: list[str] = []
    missing: list[str] = []

    def check(label: str, ok: bool) -> None:
        (used if ok else missing).append(label)

    for name in e["competitors"]:
        check(f"competitor {name}", name in text)
    for event in e["events"]:
        u = understand(labelled.form)
        found = next((x for x in u.events if x.name == event["name"]), None)
        dated = (
            found is not None
            and found.start is not None
            and (found.date_text in text or fmt_date(found.start) in text)
        )
        check(f"event {event['name']} with its date", event["name"] in text and dated)
    for o in e["objectives"]:
        check(
            f"objective target {o['target']} {o['deadline']}", o["target"] in text and o["deadline"] in text
        )
    for p in e["prices"]:
        check(
            f"price {_money(float(p['amount']), p['currency'])}",
            _money(float(p["amount"]), p["currency"]) in text,
        )
    b = e["budget"]
    check(f"budget {_money(b['amount'], b['currency'])}", _money(b["amount"], b["currency"]) in text)
    for partner in e["retail_partners"]:
        check(f"retail partner {partner}", partner in text)
    for term in e["mandated_terms"]:
        check(f"mandated term {term}", term in text)
    if e["language"]:
        check(f"creative in {e['language']}", f"(in {e['language']})" in text)
    for market in e["markets"]:
        check(f"market {market}", market.lower() in low)
    check("business model", report.plan.playbook.label in text)
    rules = understand(labelled.form).rules
    broken = [str(v) for v in violations(text, rules)]
    for avoid in report.plan.playbook.avoid:
        if re.search(r"(?<![\w-])" + re.escape(avoid) + r"(?![\w-])", text, re.I):
            broken.append(f"tactic that does not fit the business model: {avoid}")
    for o in understand(labelled.form).objectives:
        if o.target and o.target not in text:
            broken.append(f"objective not as stated: {o.text}")
    interventions = sum(1 for n in report.notes if n.startswith("**Brief rules:**"))
    return FactCheck(labelled.id, used, missing, broken, interventions)


# ----- 3. free text against the form ----------------------------------------------------------------------


def text_vs_form(labelled: LabelledBrief) -> tuple[bool, list[str], bool]:
    form, text = understand(labelled.form).key_facts(), understand(labelled.text).key_facts()
    differing = [k for k in form if form[k] != text[k]]
    same_report = write_report(labelled.form).markdown == write_report(labelled.text).markdown
    return not differing, differing, same_report


# ----- output ---------------------------------------------------------------------------------------------


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.quality", description=__doc__.splitlines()[0])
    parser.add_argument("--show-common", action="store_true", help="print the units the three reports share")
    args = parser.parse_args(argv)
    briefs = labelled_briefs()

    print("AICMO report quality (offline composer, flagship package)\n")
    shared, shared_nn, common, (same_structure, structure_total) = boilerplate(UNRELATED)
    print("1. Boilerplate across three unrelated briefs (" + ", ".join(UNRELATED) + ")")
    for brief_id, s, snn in zip(UNRELATED, shared, shared_nn, strict=True):
        print(f"   {brief_id:<22} shared with another report: {_pct(s):>6}   (numbers ignored: {_pct(snn)})")
    mean, mean_nn = sum(shared) / len(shared), sum(shared_nn) / len(shared_nn)
    print(f"   mean                   {_pct(mean):>6} (target <= 15%)   numbers ignored: {_pct(mean_nn)}")
    with_headers = shared_share([units(_masked_report(i), with_headers=True) for i in UNRELATED])
    print(f"   with table header rows counted as content: {_pct(sum(with_headers) / len(with_headers))}")
    every = shared_share([units(_masked_report(b.id)) for b in briefs])
    print(
        f"   across all {len(briefs)} labelled briefs (same-model pairs included): mean {_pct(sum(every) / len(every))}, "
        f"max {_pct(max(every))}"
    )
    print(f"   sentences and rows in all three reports: {len(common)}")
    print(
        f"   structure (headings and table headers) identical in all three: {same_structure} of {structure_total} "
        "(the package fixes the skeleton; not counted above)"
    )
    if args.show_common:
        for u in common:
            print(f"      {u}")

    print("\n2. Brief facts used and rules obeyed (labelled set: tests/data/briefs.yaml)")
    total_used = total = total_violations = total_interventions = 0
    for labelled in briefs:
        fc = fact_check(labelled)
        n = len(fc.used) + len(fc.missing)
        total_used += len(fc.used)
        total += n
        total_violations += len(fc.violations)
        total_interventions += fc.interventions
        line = f"   {fc.brief_id:<22} facts used {len(fc.used):>2}/{n:<2}  violations {len(fc.violations)}"
        print(line + (f"   missing: {'; '.join(fc.missing)}" if fc.missing else ""))
        for v in fc.violations:
            print(f"      violation: {v}")
    print(f"   facts used: {total_used}/{total} = {_pct(total_used / max(1, total))} (target >= 90%)")
    print(f"   rule violations: {total_violations} (target 0); guard rewrites needed: {total_interventions}")

    print("\n3. Free-text-only brief against the form-filled brief")
    equal = same_reports = 0
    for labelled in briefs:
        ok, differing, same_report = text_vs_form(labelled)
        equal += ok
        same_reports += same_report
        if not ok:
            print(f"   {labelled.id}: facts differ: {', '.join(differing)}")
    print(
        f"   same key facts: {equal}/{len(briefs)}; byte-identical flagship report: {same_reports}/{len(briefs)}"
    )

    refine_results = refine_figures()
    if refine_results:
        print("\n4. Refinement instructions")
        for line in refine_results:
            print(f"   {line}")
    return 0


# (brief, feedback): operator feedback of the kinds the issue lists, on briefs of different models.
REFINE_CASES: tuple[tuple[str, str], ...] = (
    ("identity-saas", "Remove TikTok/Reels, position against Wiz and Orca, make Infosecurity Europe (2-4 June 2026) "
                      "the centrepiece. Make it pop."),
    ("dental-chain", "Drop Facebook and add podcasts. Centre the calendar on National Smile Month. Make the tone warmer."),
    ("oat-drink-germany", "Position against Oatly. No TikTok. Write the creative in French."),
    ("coffee-subscription", "Base the targets on retained subscribers. Less Google Search. Cut the budget to $25,000 per month."),
    ("sneakers-dtc", "Remove Reels, make Black Friday the centrepiece, make the budget leaner."),
    ("craft-beer", "Add out-of-home, make the tone bolder and make it feel more British."),
    ("logistics-saas-de", "Base the targets on opportunities, position against SAP TM, drop Google Search."),
)  # fmt: skip


def _section(markdown: str, title: str) -> str:
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", markdown, re.S | re.M)
    return m.group(1) if m else ""


def verify(inst: Instruction, report: Report, base: Report) -> bool:
    """Whether an instruction reported as applied shows in the refined report."""
    plan, text = report.plan, report.markdown
    shares = {line.name: line.pct for line in plan.channels}
    before = {line.name: line.pct for line in base.plan.channels}
    if inst.kind in ("drop", "drop_format"):
        return not violations(text, plan.facts.rules) and inst.value not in shares
    if inst.kind == "add":
        return inst.value in shares and inst.value in text
    if inst.kind == "boost":
        return shares.get(inst.value, 0) > before.get(inst.value, 0)
    if inst.kind == "reduce":
        return shares.get(inst.value, 0) < before.get(inst.value, 0)
    if inst.kind == "centre":
        e = plan.centrepiece
        return e is not None and e.name == inst.value and f"{e.name} day 1" in text and e.date_text in text
    if inst.kind == "against":
        messaging = _section(text, "Messaging Framework")
        return all(name in messaging for name in inst.names)
    if inst.kind == "basis":
        return plan.funnel.primary.key == inst.value and f"Cost per {plan.funnel.primary.one}" in text
    if inst.kind == "tone":
        return plan.tone.capitalize() in _section(text, "Messaging Framework")
    if inst.kind == "language":
        return f"(in {inst.value})" in text
    if inst.kind == "budget":
        return inst.budget is not None and inst.budget.total_text in text
    return False


def refine_figures() -> list[str]:
    total = reported = verified = unapplied = mentions = pasted = 0
    failures: list[str] = []
    for brief_id, feedback in REFINE_CASES:
        brief = by_id(brief_id).form
        base = write_report(brief)
        refined = write_report(brief, refinement=Refinement("refine", feedback, base.markdown))
        emphasis = refined.plan.emphasis
        total += len(split_instructions(feedback))
        reported += len(emphasis.instructions)
        unapplied += len(emphasis.unapplied)
        for inst in emphasis.instructions:
            if verify(inst, refined, base):
                verified += 1
            else:
                failures.append(f"{brief_id}: {inst.kind} {inst.value}")
        dropped = Rules(
            excluded_channels=emphasis.values("drop"), excluded_formats=emphasis.values("drop_format")
        )
        mentions += len(violations(refined.markdown, dropped))
        pasted += sum(
            1 for part in split_instructions(feedback) if len(part) > 15 and part in refined.markdown
        )
    lines = [
        f"cases: {len(REFINE_CASES)}; instructions in the feedback: {total}",
        f"reported as applied: {reported}; verified in the refined report: {verified}/{reported} = "
        f"{_pct(verified / max(1, reported))} (target 100%)",
        f"reported as not applied, with the reason: {unapplied}",
        f"mentions of channels or formats the feedback dropped: {mentions} (target 0)",
        f"feedback pasted into the report: {pasted} (target 0)",
    ]
    lines += [f"not verified: {f}" for f in failures]
    return lines


if __name__ == "__main__":
    sys.exit(main())
