"""The brief's rules, checked on finished text: no forbidden word, no excluded channel, objectives as stated.

The plan obeys the rules by construction (excluded channels get no budget, no tactic, no calendar day;
copy never quotes banned words); `enforce` is the last line of defence for the offline composer (text the
client typed, such as a product description, can still carry a banned word), and `violations` is how the
LLM path's output is checked before it is accepted.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from services.generator.domain.understanding import Objective, Rules, UnderstoodBrief
from services.generator.domain.vocabulary import vocabulary

# A neutral word for banned marketing words that have one; others are removed.
_SYNONYMS = {
    "cheap": "affordable",
    "cheapest": "best-value",
    "painless": "comfortable",
    "guaranteed": "assured",
    "guarantee": "commitment",
    "healthy": "balanced",
    "eco-friendly": "lower-impact",
    "unhackable": "hardened",
    "military-grade": "strong",
    "addictive": "irresistible",
    "best": "leading",
    "free": "included",
    "miracle": "remarkable",
    "cure": "treatment",
    "tax-free": "tax-efficient",
}


@dataclass(frozen=True)
class Violation:
    rule: str  # "forbidden_word", "excluded_channel", "objective"
    detail: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.detail}"


# Sentences (with the whitespace after each kept, so joining them gives the text back) and the words that
# make a sentence state a rule rather than break it.
_SENTENCE_END = re.compile(r"(?<=[.!?\n])(?=\s)|(?<=\n)")
_STATES_THE_RULE = re.compile(
    r"\b(no|not|never|don't|do not|must not|cannot|can't|avoid|without|banned|prohibited|excluded|ruled out|"
    r"killed|forbidden|none|nor|won't|will not)\b",
    re.IGNORECASE,
)


def _word(term: str) -> re.Pattern[str]:
    """The term as a whole word or phrase; a slash in it stands for any way of joining its halves
    ("before/after" is also "before-and-after", "before and after", "before & after")."""
    parts = [re.escape(p) for p in term.split("/")]
    body = (
        r"\s*(?:/|-and-|-|&|\band\b|\bor\b)\s*".join(parts)
        if len(parts) > 1 and all(parts)
        else re.escape(term)
    )
    return re.compile(r"(?<![\w#-])" + body + r"(?![\w-])", re.IGNORECASE)


@functools.cache
def _excluded_patterns(
    channels: tuple[str, ...], formats: tuple[str, ...]
) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Every way a report could name an excluded channel: its name, aliases and its own formats."""
    vocab = vocabulary()
    terms: list[tuple[str, str]] = []
    for name in channels:
        channel = vocab.channel(name)
        terms.append((name, name))
        terms += [(name, alias) for alias in channel.aliases]
        terms += [(name, f) for f in channel.formats]
    terms += [(f, f) for f in formats]
    terms.sort(key=lambda t: -len(t[1]))
    return tuple((label, _word(term)) for label, term in terms)


def excluded_patterns(rules: Rules) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return _excluded_patterns(tuple(rules.excluded_channels), tuple(rules.excluded_formats))


def violations(markdown: str, rules: Rules) -> list[Violation]:
    """Every way the text breaks a brief rule (forbidden words, excluded channels)."""
    found: list[Violation] = []
    for word in rules.forbidden_words:
        if _word(word).search(markdown):
            found.append(Violation("forbidden_word", word))
    seen: set[str] = set()
    for label, pattern in excluded_patterns(rules):
        m = pattern.search(markdown)
        if m and label not in seen:
            seen.add(label)
            found.append(Violation("excluded_channel", f"{label} (as {m.group(0)!r})"))
    return found


def objective_violations(markdown: str, objectives: Iterable[Objective]) -> list[Violation]:
    """Objectives a section that restates objectives must carry as stated: each target and deadline."""
    found: list[Violation] = []
    for o in objectives:
        if o.target and o.target not in markdown:
            found.append(
                Violation("objective", f"target {o.target!r} of {o.text!r} is not stated as briefed")
            )
        elif o.deadline and o.deadline not in markdown:
            found.append(
                Violation("objective", f"deadline {o.deadline!r} of {o.text!r} is not stated as briefed")
            )
    return found


def _case_like(original: str, replacement: str) -> str:
    return replacement[:1].upper() + replacement[1:] if original[:1].isupper() else replacement


def _replacer(replacement: str) -> Callable[[re.Match[str]], str]:
    def replace(m: re.Match[str]) -> str:
        return _case_like(m.group(0), replacement) if replacement else ""

    return replace


def _drop_term_from_lists(line: str, pattern: re.Pattern[str]) -> str:
    """ "LinkedIn, TikTok and Google" -> "LinkedIn and Google": the term as an item of a list goes."""
    item = r"(?:[^,;:()|]{0,40}?)"
    for regex in (
        rf",\s*{item}{pattern.pattern}{item}(?=\s*(?:,|\band\b|\bor\b|[.;)]|$))",
        rf"{item}{pattern.pattern}{item},\s*",
        rf"\s+(?:and|or|&)\s+{item}{pattern.pattern}{item}(?=[\s.,;)]|$)",
        rf"{item}{pattern.pattern}{item}\s+(?:and|or|&)\s+",
    ):
        new = re.sub(regex, "", line, count=1, flags=re.IGNORECASE)
        if new != line and not pattern.search(new):
            return new
    return line


def _without_sentence(paragraph: str, pattern: re.Pattern[str]) -> str:
    sentences = re.split(r"(?<=[.!?])\s+", paragraph)
    kept = [s for s in sentences if not pattern.search(s)]
    return " ".join(kept)


def enforce(markdown: str, rules: Rules, keep: Iterable[str] = ()) -> tuple[str, list[str]]:
    """The text with every rule obeyed, and what had to change (for the operator's revision notes). Lines that
    quote the brief (`keep`: the client's own sentences, each a list item) are left as the client wrote them;
    the brief understanding only quotes a sentence that names a ruled-out word to state the rule."""
    kept = {f"- {k}" for k in keep}
    if kept and any(line in kept for line in markdown.split("\n")):
        lines = markdown.split("\n")
        protected = {i: line for i, line in enumerate(lines) if line in kept}
        marker = "\u0000{}\u0000"
        masked = "\n".join(marker.format(i) if i in protected else line for i, line in enumerate(lines))
        text, made = enforce(masked, rules)
        for i, line in protected.items():
            text = text.replace(marker.format(i), line)
        return text, made
    changes: list[str] = []
    text = markdown
    for bad, good in rules.replacements:
        pattern = _word(bad)
        if pattern.search(text):
            text = pattern.sub(_replacer(good), text)
            changes.append(f"replaced a banned term with \u201c{good}\u201d as the brief prescribes")
    for word in rules.forbidden_words:
        pattern = _word(word)
        if not pattern.search(text):
            continue
        synonym = _SYNONYMS.get(word.casefold(), "")
        reworded = _SENTENCE_END.split(text)
        for i, sentence in enumerate(reworded):
            # A sentence that states the rule ("legal killed 'sin culpa'", "never say organic") keeps the word.
            if pattern.search(sentence) and not _STATES_THE_RULE.search(pattern.sub(" ", sentence)):
                reworded[i] = pattern.sub(_replacer(synonym), sentence)
        new_text = "".join(reworded)
        if new_text == text:
            continue
        text = re.sub(r"[ \t]{2,}", " ", new_text)
        text = re.sub(r" ([,.;:])", r"\1", text)
        changes.append("reworded a line that used a word the brief rules out")
    patterns = excluded_patterns(rules)
    if any(p.search(text) for _l, p in patterns):
        lines = text.split("\n")
        out: list[str] = []
        for line in lines:
            dropped = False
            for _label, pattern in patterns:
                if not pattern.search(line):
                    continue
                if line.lstrip().startswith("|"):
                    line = _drop_term_from_lists(line, pattern)
                    if pattern.search(line):
                        line, dropped = "", True  # a table row about an excluded channel goes
                elif re.match(r"\s*(?:[-*+]|\d+[.)])\s", line):
                    fixed = _drop_term_from_lists(line, pattern)
                    if pattern.search(fixed):
                        line, dropped = "", True
                    else:
                        line = fixed
                else:
                    fixed = _drop_term_from_lists(line, pattern)
                    line = fixed if not pattern.search(fixed) else _without_sentence(fixed, pattern)
                changes.append("removed a mention of a channel the brief rules out")
            if dropped:
                continue
            if line.strip() or not out or out[-1].strip():
                out.append(line)
        text = "\n".join(out).strip()
        text = re.sub(r"\n{3,}", "\n\n", text)
    if changes:
        text = _without_empty_parts(text)
    return text, list(dict.fromkeys(changes))


def _without_empty_parts(text: str) -> str:
    """A '### heading' left with nothing under it goes too."""
    blocks = text.split("\n\n")
    kept: list[str] = []
    for i, block in enumerate(blocks):
        is_heading = block.startswith("### ") and "\n" not in block
        following = blocks[i + 1] if i + 1 < len(blocks) else ""
        if is_heading and (not following.strip() or following.startswith("### ")):
            continue
        kept.append(block)
    return "\n\n".join(kept)


def check(markdown: str, understood: UnderstoodBrief) -> list[Violation]:
    """All rule violations in a finished section."""
    return violations(markdown, understood.rules)
