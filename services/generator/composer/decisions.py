"""What learning decides for a report, once, before any section is written.

The client's playbook (what the agency and the client decided) and the examples memory found for each
section become one value, `Decisions`: the big idea, the channel split, the standing instructions, the
tone and offers, the approved texts each section builds on, the agency-library examples it adapts and the
texts it must not repeat. Every section of the report reads the same value, so the plan is one plan.

Evidence, strongest first: a pinned entry, the client's own entries (operator-written, edited or gold),
gold examples of the same client, agency-wide entries and agency-library examples. The client's unrated
drafts are weak evidence: they never set a decision and are never quoted. Weak-rated content becomes text
to avoid. The new brief wins wherever it says otherwise (a channel it rules out stays out; its tone, offers
and facts come first).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from services.generator.composer.learning import (
    IDEA_SECTION,
    brand_swaps,
    channel_shares,
    choose_example,
    idea_in,
    section_part,
)
from services.generator.composer.models import AGENCY_LIBRARY, SAME_CLIENT, Example, LearnedSplit, Refinement
from services.generator.domain.brief_parser import channel_mentions
from services.generator.domain.client_playbook import EMPTY_PLAYBOOK, ClientPlaybook, EntryKind
from services.generator.domain.packages import SECTION_TITLES, Package

# Sections whose budget table a learned split is read from.
SPLIT_SECTIONS = ("channel_plan", "kpi_and_budget_plan")
# Where decisions that are not a section's text are shown: the first of these the package has.
_KIND_SECTIONS: dict[EntryKind, tuple[str, ...]] = {
    EntryKind.POSITIONING: (
        "pricing_and_positioning",
        "messaging_framework",
        "brand_repositioning",
        "overview",
    ),
    EntryKind.MESSAGE: ("messaging_framework", "creative_direction", "overview"),
    EntryKind.DO: ("overview",),
}
# An agency-library or agency-wide split moves the plan half way; the client's own sets it.
_BLEND = Fraction(1, 2)
_SHARE = re.compile(r"(\d{1,2}(?:\.\d+)?)\s*%")

Section = tuple[str, tuple[str, ...]]


@dataclass(frozen=True)
class Decisions:
    """The report's learned decisions (hashable: the composer caches the plan by them)."""

    big_idea: str = ""
    split: LearnedSplit | None = None
    standing: tuple[str, ...] = ()  # instructions that stand for every report, applied like feedback
    tone: str = ""
    offers: tuple[str, ...] = ()
    approved: tuple[Section, ...] = ()  # section id → the client's approved texts, strongest first
    adapted: tuple[tuple[str, tuple[Example, ...]], ...] = ()  # section id → agency examples to adapt
    avoid: tuple[Section, ...] = ()  # section id → texts rated weak
    applied: tuple[str, ...] = ()  # what was decided from learning, in words, for the operator

    def refinement(self, refinement: Refinement) -> Refinement:
        """The refinement with the standing instructions before this pass's own feedback."""
        if not self.standing:
            return refinement
        return replace(refinement, feedback="\n".join([*self.standing, refinement.feedback]).strip())

    def learned_texts(self, section_id: str) -> tuple[str, ...]:
        """Every text this section learns from (approved and adapted), for checks on what is written."""
        return (*self.approved_for(section_id), *(e.text for e in self.adapted_for(section_id)))

    def approved_for(self, section_id: str) -> tuple[str, ...]:
        return dict(self.approved).get(section_id, ())

    def adapted_for(self, section_id: str) -> tuple[Example, ...]:
        return dict(self.adapted).get(section_id, ())

    def avoid_for(self, section_id: str) -> tuple[str, ...]:
        return dict(self.avoid).get(section_id, ())


NO_DECISIONS = Decisions()


def _rating(e: Example) -> str:
    return e.rating.strip().lower()


def _mix_entry(text: str) -> tuple[tuple[str, Fraction], ...]:
    """("WhatsApp 40%, Google Search 30%, …") as catalogue channels and shares; channels without a share
    are left out. A markdown table of shares is read too."""
    table = channel_shares(text)
    if table:
        return table
    shares: dict[str, Fraction] = {}
    for part in re.split(r"[,;\n]|\band\b", text):
        share = _SHARE.search(part)
        names = [m.name for m in channel_mentions(part) if not m.is_format and m.verdict != "drop"]
        if share and len(set(names)) == 1 and names[0] not in shares:
            shares[names[0]] = Fraction(share.group(1))
    return tuple(shares.items()) if len(shares) >= 2 else ()


def decide(
    playbook: ClientPlaybook,
    examples: Mapping[str, Sequence[Example]],
    package: Package,
    brand: str,
    client: str,
) -> Decisions:
    """The report's decisions from the client's playbook and the examples found for each section."""
    ids = [s.id for s in package.sections]
    applied: list[str] = []
    approved: dict[str, list[str]] = {i: [] for i in ids}
    avoid: dict[str, list[str]] = {i: [] for i in ids}
    adapted: dict[str, list[Example]] = {i: [] for i in ids}
    for entry in playbook.of(EntryKind.APPROVED_TEXT):
        if entry.section_id not in approved:
            continue
        if entry.agency_wide:
            adapted[entry.section_id].append(
                Example(
                    item_id=entry.id,
                    title="",
                    text=entry.text,
                    score=1.0,
                    rating="gold",
                    source=AGENCY_LIBRARY,
                )
            )
        else:
            approved[entry.section_id].append(entry.text)
    approved_texts = any(approved.values())
    for kind, homes in _KIND_SECTIONS.items():
        home = next((h for h in homes if h in approved), "")
        texts = [e.text for e in playbook.of(kind)]
        if home and texts:
            approved[home] = [*texts, *approved[home]]
            applied.append(
                f"{len(texts)} {kind.value.replace('_', ' ')} entr{'y' if len(texts) == 1 else 'ies'}"
            )
    for entry in playbook.of(EntryKind.AVOID_TEXT):
        if entry.section_id in avoid:
            avoid[entry.section_id].append(entry.text)
    for section_id, found in examples.items():
        if section_id not in approved:
            continue
        title = SECTION_TITLES.get(section_id, section_id)
        for e in found:
            rating = _rating(e)
            if e.source == SAME_CLIENT and rating == "gold":
                approved[section_id].append(section_part(e.text, title))
                approved_texts = True
            elif rating == "weak":
                # Another section's weak text says nothing about this one.
                if not e.section_id or e.section_id == section_id:
                    avoid[section_id].append(section_part(e.text, title))
            elif e.source == AGENCY_LIBRARY:
                adapted[section_id].append(e)
            # the client's unrated drafts: weak evidence, neither a decision nor a quote
    if approved_texts:
        applied.insert(0, "approved texts of earlier reports, re-bound to this brief's facts")

    big_idea = next((e.text.strip() for e in playbook.of(EntryKind.BIG_IDEA)), "")
    if not big_idea and IDEA_SECTION in approved:
        big_idea = next((idea for t in approved[IDEA_SECTION] if (idea := idea_in(t))), "")
    if not big_idea and IDEA_SECTION in adapted:
        gold = [e for e in adapted[IDEA_SECTION] if _rating(e) == "gold"]
        chosen = choose_example(gold)
        if chosen is not None:
            big_idea = idea_in(chosen.text, brand_swaps(chosen, brand, client))
    if big_idea:
        applied.append(f"the big idea \u201c{big_idea}\u201d")

    split = _split(playbook, approved, adapted)
    if split is not None:
        applied.append("the approved channel mix" if split.strength == 1 else "an agency-library channel mix")

    standing = tuple(
        e.text.strip() for e in (*playbook.of(EntryKind.STANDING_INSTRUCTION), *playbook.of(EntryKind.DONT))
    )
    if standing:
        applied.append(f"{len(standing)} standing instruction(s)")
    tone = next((e.text.strip() for e in playbook.of(EntryKind.TONE)), "")
    offers = tuple(e.text.strip() for e in playbook.of(EntryKind.OFFER))

    def packed(d: Mapping[str, Sequence[str]]) -> tuple[Section, ...]:
        return tuple((k, tuple(dict.fromkeys(v))) for k, v in d.items() if v)

    return Decisions(
        big_idea=big_idea,
        split=split,
        standing=standing,
        tone=tone,
        offers=offers,
        approved=packed(approved),
        adapted=tuple((k, tuple(v)) for k, v in adapted.items() if v),
        avoid=packed(avoid),
        applied=tuple(applied),
    )


def _split(
    playbook: ClientPlaybook, approved: Mapping[str, Sequence[str]], adapted: Mapping[str, Sequence[Example]]
) -> LearnedSplit | None:
    for entry in playbook.of(EntryKind.CHANNEL_MIX):
        shares = _mix_entry(entry.text)
        if shares:
            return LearnedSplit(shares, Fraction(1) if not entry.agency_wide else _BLEND)
    for section_id in SPLIT_SECTIONS:
        for text in approved.get(section_id, ()):
            shares = channel_shares(text)
            if shares:
                return LearnedSplit(shares, Fraction(1))
    for section_id in SPLIT_SECTIONS:
        chosen = choose_example([e for e in adapted.get(section_id, ()) if _rating(e) != "weak"])
        if chosen is not None:
            shares = channel_shares(section_part(chosen.text, SECTION_TITLES[section_id]))
            if shares:
                return LearnedSplit(shares, _BLEND)
    return None


def decisions_without_playbook(
    examples: Sequence[Example], section_id: str, package: Package, brand: str, client: str
) -> Decisions:
    """Decisions from one section's examples alone (the composer's callers that have no playbook)."""
    return decide(EMPTY_PLAYBOOK, {section_id: examples}, package, brand, client)


__all__ = ["NO_DECISIONS", "SPLIT_SECTIONS", "Decisions", "decide", "decisions_without_playbook"]
