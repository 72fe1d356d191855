"""Learning lift over the development briefs: does what an operator approves carry into the client's next
reports, re-bound to each new brief, and does nothing stale, weak or unrated come back?

For each development brief A (client C) the flagship report is written; then the operator's work on it
becomes C's playbook, as memory would store it: the Core Campaign Idea is edited (a new idea, two idea
sentences and one sentence holding one of A's figures), the Channel Plan is rated gold, the Persona Cards
are rated weak, and every other section stays an unrated draft (found by search as C's own examples).
Two follow-up reports for C are then written from two other development briefs (B and B', re-addressed to
C), and compared with the same briefs written without learning:

  idea kept        the edited big idea leads both follow-ups, and both idea sentences appear whole
  mix kept         the follow-up's first channel is A's gold first channel (when B allows it)
  stale facts      figures of A (not in B) in follow-up sentences carried from the approved texts
  weak back        lines of A's weak Persona Cards that come back in the follow-up's Persona Cards
  unrated quoted   sentences of A's unrated drafts quoted in the follow-up and absent without learning
  proven / 3x      "proven"-style wording added by learning; sentences said three times or more

Then each labelled instruction of bench/data/instructions.yaml is given to every fifth development brief:
applied (the plan shows it), honestly refused (listed as not applied, with a reason) or wrong (claimed but
not in the plan, silently ignored, or applied when it should have been refused).

    python -m bench.learning_lift [--briefs PATH]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from bench.dev_eval import DEFAULT_BRIEFS, Labelled, load
from bench.quality import FLAGSHIP
from services.generator.composer.context import build_context
from services.generator.composer.models import SAME_CLIENT, Example, Refinement
from services.generator.composer.offline import (
    compose_section_with_notes,
    report_decisions,
    report_outcome,
    shown_section,
)
from services.generator.domain.brief import Brief
from services.generator.domain.client_playbook import ClientPlaybook, EntryKind, EntryOrigin, PlaybookEntry

INSTRUCTIONS = Path(__file__).resolve().parent / "data" / "instructions.yaml"
IDEA = "core_campaign_idea"
GOLD = "channel_plan"
WEAK = "persona_cards"
_FIGURE = re.compile(r"(?<![\w.])\d[\d,.]*\d(?:\s?%)?|(?<![\w.])\d{2,}(?:\s?%)?")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_PROVEN = re.compile(r"\bproven\b|what already works|stay at its core|worked in comparable", re.I)


def _sections(brief: Brief, playbook: ClientPlaybook, examples: dict[str, list[Example]]) -> dict[str, str]:
    decisions = report_decisions(brief, FLAGSHIP, playbook, examples)
    out: dict[str, str] = {}
    for spec in FLAGSHIP.sections:
        body, _notes = compose_section_with_notes(
            spec, brief, FLAGSHIP, tuple(examples.get(spec.id, ())), Refinement(), decisions
        )
        out[spec.id] = f"## {shown_section(spec, brief, FLAGSHIP).title}\n\n{body}"
    return out


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[*_`#>|]", " ", text)).strip(" .-").casefold()


def _sentences(text: str) -> list[str]:
    return [s for s in (_plain(p) for p in _SENTENCE.split(text)) if len(s.split()) >= 5]


def _figures(text: str) -> set[str]:
    return {m.group(0).replace(",", "") for m in _FIGURE.finditer(text)}


def _brief_text(brief: Brief) -> str:
    return " ".join(str(v) for v in vars(brief).values())


def _readdressed(labelled: Labelled, to: Brief) -> Brief:
    brief = labelled.brief()
    raw = brief.raw_brief_text.replace(brief.brand_name, to.brand_name).replace(
        brief.client_name, to.client_name
    )
    return replace(brief, client_name=to.client_name, brand_name=to.brand_name, raw_brief_text=raw)


@dataclass
class Lift:
    idea_kept: int = 0
    sentences_kept: int = 0
    mix_kept: int = 0
    mix_possible: int = 0
    stale: int = 0
    weak_back: int = 0
    unrated_quoted: int = 0
    proven: int = 0
    repeated: int = 0
    follow_ups: int = 0
    seen: list[str] | None = None  # what went wrong, for --show


def _edit(brief: Brief, idea_words: str, figure: str) -> str:
    return (
        f"**The big idea: \u201c{idea_words}\u201d**\n\n"
        f"Every touchpoint shows one honest moment where {brief.brand_name} saves its buyer a small worry.\n\n"
        f"- The campaign names the worry first and lets the product answer it in plain words.\n"
        f"- Last season this idea delivered {figure} for the client, which we repeat as the benchmark."
    )


def run_lift(items: list[Labelled]) -> Lift:
    lift = Lift(seen=[])
    n = len(items)
    for i, item in enumerate(items):
        first = item.brief()
        a = _sections(first, ClientPlaybook(), {})
        client = first.client_name
        figure = next(iter(sorted(_figures(first.raw_brief_text + first.budget))), "120")
        idea_words = f"{first.brand_name} Keeps Its Word"
        edited = _edit(first, idea_words, figure)
        entries = [
            PlaybookEntry("e-edit", EntryKind.APPROVED_TEXT, edited, IDEA, client, origin=EntryOrigin.EDIT),
            PlaybookEntry(
                "e-gold", EntryKind.APPROVED_TEXT, a[GOLD], GOLD, client, origin=EntryOrigin.GOLD_RATING
            ),
            PlaybookEntry(
                "e-weak", EntryKind.AVOID_TEXT, a[WEAK], WEAK, client, origin=EntryOrigin.WEAK_RATING
            ),
        ]
        playbook = ClientPlaybook.of_entries(entries)
        unrated = {
            sid: [Example(f"u-{sid}", sid, text, 0.9, "", sid, client, "report_section", SAME_CLIENT)]
            for sid, text in a.items()
            if sid not in (IDEA, GOLD, WEAK)
        }
        gold_first = build_context(first, FLAGSHIP, FLAGSHIP.sections[0]).channel_names[0]
        for step in (1, 2):
            follow = _readdressed(items[(i + step * 7) % n], first)
            b = _sections(follow, playbook, unrated)
            base = _sections(follow, ClientPlaybook(), {})
            no_drafts = _sections(follow, playbook, {})
            lift.follow_ups += 1
            whole_b, whole_base = "\n\n".join(b.values()), "\n\n".join(base.values())
            lift.idea_kept += int(idea_words in b[IDEA])
            lift.sentences_kept += sum(
                1
                for s in ("one honest moment where", "names the worry first and lets the product answer it")
                if s in b[IDEA]
            )
            ctx = build_context(follow, FLAGSHIP, FLAGSHIP.sections[0])
            if gold_first not in ctx.facts.rules.excluded_channels:
                lift.mix_possible += 1
                lift.mix_kept += int(_first_channel(b[GOLD]) == gold_first)
            # A stale figure travelled with approved text: one of A's figures (not B's) in a sentence of the
            # follow-up that the approved texts (the edit, the gold section) had and B without learning has
            # not. (The plan's own maths and the catalogue's formats may land on the same number by chance.)
            old_figures = _figures(_brief_text(first)) - _figures(_brief_text(follow))
            carried = (set(_sentences(whole_b)) & set(_sentences(a[GOLD] + "\n\n" + edited))) - set(
                _sentences(whole_base)
            )
            stale = {f for sentence in carried for f in _figures(sentence) & old_figures}
            lift.stale += len(stale)
            back = set(_sentences(b[WEAK])) & set(_sentences(a[WEAK]))
            lift.weak_back += len(back)
            # Quoted from a draft: in the follow-up only because the drafts were there.
            drafts = {s for text in unrated.values() for s in _sentences(text[0].text)}
            quoted = (set(_sentences(whole_b)) & drafts) - set(_sentences("\n\n".join(no_drafts.values())))
            lift.unrated_quoted += len(quoted)
            assert lift.seen is not None
            lift.seen += [f"{item.row['id']}: stale {f}" for f in sorted(stale)]
            lift.seen += [f"{item.row['id']}: weak back: {w}" for w in sorted(back)]
            lift.seen += [f"{item.row['id']}: quoted draft: {q}" for q in sorted(quoted)]
            lift.proven += max(0, len(_PROVEN.findall(whole_b)) - len(_PROVEN.findall(whole_base)))
            counts_b, counts_base = Counter(_sentences(whole_b)), Counter(_sentences(whole_base))
            lift.repeated += sum(1 for s, c in counts_b.items() if c >= 3 and counts_base[s] < 3)
    return lift


def _first_channel(markdown: str) -> str:
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 3 and re.fullmatch(r"\d{1,3}%", cells[2]):
            return cells[0]
    return ""


@dataclass
class Instructed:
    applied: int = 0
    refused: int = 0
    wrong: int = 0
    wrong_examples: list[str] | None = None


def _holds(check: dict[str, Any], brief: Brief, instruction: str) -> bool:
    ctx = build_context(
        brief, FLAGSHIP, FLAGSHIP.sections[0], Refinement(stage="refine", feedback=instruction)
    )
    shares = {line.name: line.pct for line in ctx.channels}
    if "lead" in check:
        return bool(ctx.channel_names) and ctx.channel_names[0] == check["lead"]
    if "share" in check:
        name, pct = check["share"]
        return name in shares and abs(shares[name] - int(pct)) <= 1
    if "drop" in check:
        return check["drop"] not in shares
    if "add" in check:
        return check["add"] in shares
    if "tone" in check:
        return ctx.tone != build_context(brief, FLAGSHIP, FLAGSHIP.sections[0]).tone
    return False


def run_instructions(items: list[Labelled]) -> tuple[Instructed, int]:
    labelled = yaml.safe_load(INSTRUCTIONS.read_text(encoding="utf-8"))
    out = Instructed(wrong_examples=[])
    for item in items[::5]:
        brief = item.brief()
        for case in labelled:
            text = str(case["instruction"])
            outcome = report_outcome(brief, FLAGSHIP, Refinement(stage="refine", feedback=text))
            refused = bool(outcome.unapplied)
            claimed = bool(outcome.applied) and not refused
            if case["expect"] == "refused":
                ok = refused and not claimed
                out.refused += int(ok)
            elif refused:
                ok = True  # the brief rules it out, or it cannot be fitted: said, with the reason
                out.refused += 1
            else:
                ok = claimed and _holds(case.get("check") or {}, brief, text)
                out.applied += int(ok)
            if not ok:
                out.wrong += 1
                assert out.wrong_examples is not None
                out.wrong_examples.append(f"{item.row['id']}: {text}")
    return out, len(labelled)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--briefs", type=Path, default=DEFAULT_BRIEFS)
    parser.add_argument("--show", action="store_true", help="print what went wrong, brief by brief")
    args = parser.parse_args(argv)
    if not args.briefs.exists():
        print(f"no development briefs at {args.briefs}; skipping the learning lift")
        return 0
    items = load(args.briefs)
    lift = run_lift(items)
    f = lift.follow_ups
    print(f"learning lift over {len(items)} development briefs ({f} follow-up reports):")
    print("| measure | result | target |")
    print("|---|---|---|")
    print(f"| edited big idea leads the follow-up | {lift.idea_kept}/{f} | {f}/{f} |")
    print(f"| edited idea sentences appear whole | {lift.sentences_kept}/{2 * f} | {2 * f}/{2 * f} |")
    print(f"| gold channel mix kept (first channel) | {lift.mix_kept}/{lift.mix_possible} | all |")
    print(f"| stale figures of the earlier brief printed | {lift.stale} | 0 |")
    print(f"| weak-rated lines back | {lift.weak_back} | 0 |")
    print(f"| unrated draft sentences quoted | {lift.unrated_quoted} | 0 |")
    print(f"| 'proven' wording added by learning | {lift.proven} | 0 |")
    print(f"| sentences said 3+ times because of learning | {lift.repeated} | 0 |")
    if args.show:
        for line in lift.seen or []:
            print(f"  {line}")
    instructed, labelled = run_instructions(items)
    total = instructed.applied + instructed.refused + instructed.wrong
    print(
        f"instructions ({labelled} labelled, on {len(items[::5])} briefs, {total} runs): "
        f"applied {instructed.applied}, honestly refused {instructed.refused}, wrong {instructed.wrong}"
    )
    for example in (instructed.wrong_examples or [])[:10]:
        print(f"  wrong: {example}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
