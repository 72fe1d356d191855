"""`make eval`, part one: understanding and the flagship report on briefs written outside this code.

The data is `../shared/briefs/dev.jsonl` (30 labelled client briefs; its README says how to score). Nothing
here, nor anywhere in the product, special-cases those briefs: this module only reads them and scores.

Understanding, per labelled field (right / wrong / missing):
  business_model, market, language, currency, budget, objectives, audience, competitors, events, prices,
  channels_requested, channels_forbidden.
The report (flagship package, offline composer), per the README:
  fact recall, rule violations (sentence-level, a negated statement of the rule passes), wrong-world words,
  invented targets when the brief has no objectives, questions asked when objectives or audience are missing,
  and sentences shared across briefs of different business models.

Run: `make eval` (or `python -m bench.dev_eval [--briefs PATH] [--show]`).
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import quality
from services.generator.domain.brief import Brief
from services.generator.domain.brief_parser import channel_mentions, understand
from services.generator.domain.readers.places import country_name
from services.generator.domain.understanding import UnderstoodBrief

DEFAULT_BRIEFS = Path(__file__).resolve().parents[2] / "shared" / "briefs" / "dev.jsonl"
FIELDS = (
    "business_model", "market", "language", "currency", "budget", "objectives", "audience", "competitors",
    "events", "prices", "channels_requested", "channels_forbidden",
)  # fmt: skip

# The README's negations: a sentence that states a rule with one of these (outside the match) passes.
_NEGATION = re.compile(
    r"\b(no|not|never|don't|dont|do not|must not|mustn't|cannot|can't|avoid|avoids|avoided|without|banned|"
    r"prohibited|excluded|ruled out|rule out|rules out|none|nor|isn't|aren't|won't|will not|forbid|forbidden|"
    r"exclude|excludes)\b",
    re.IGNORECASE,
)


@dataclass
class Labelled:
    row: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.row["id"])

    def brief(self) -> Brief:
        form = self.row.get("form") or {}
        launch = None
        if form.get("launch_date"):
            try:
                launch = datetime.date.fromisoformat(str(form["launch_date"])[:10])
            except ValueError:
                launch = None

        def text(key: str) -> str:
            value = form.get(key)
            if value is None:
                return ""
            if isinstance(value, list):
                return "; ".join(str(v) for v in value)
            return str(value)

        return Brief(
            client_name=str(self.row["client_name"]),
            brand_name=str(self.row["brand_name"]),
            product_service=text("product_service"),
            industry=text("industry"),
            geography=text("geography"),
            audience=text("audience"),
            objectives=text("objectives"),
            budget=text("budget"),
            timeline=text("timeline"),
            constraints=text("constraints"),
            raw_brief_text=str(self.row.get("raw_brief_text") or ""),
            launch_date=launch,
        )


def load(path: Path) -> list[Labelled]:
    return [
        Labelled(json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


# ----- understanding --------------------------------------------------------------------------------------


def _fold(text: str) -> str:
    return re.sub(r"[^a-z0-9\u00c0-\uffff]+", " ", text.casefold()).strip()


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= max(0.01, 0.01 * abs(b))


def _names_match(expected: Iterable[str], got: Iterable[str]) -> tuple[int, int]:
    exp = [_fold(e) for e in expected]
    have = [_fold(g) for g in got]
    found = sum(1 for e in exp if any(e and (e in h or h in e) and h for h in have))
    return found, len(exp)


def _country_names(codes: Iterable[str]) -> list[str]:
    return [country_name(code) for code in codes]


def _verdict(found: int, total: int, got_any: bool) -> str:
    if total == 0:
        return "right" if not got_any else "wrong"
    if found == total:
        return "right"
    return "missing" if not got_any else "wrong"


def score_understanding(label: dict[str, Any], u: UnderstoodBrief) -> dict[str, str]:
    out: dict[str, str] = {}
    out["business_model"] = (
        "right" if (u.business_type or u.business_model.value) == label["business_model"] else "wrong"
    )
    market = _fold(label["market"])
    got_markets = [_fold(c) for c in (*_country_names(u.countries), *u.markets)]
    out["market"] = (
        "right" if any(market == g for g in got_markets) else ("wrong" if got_markets else "missing")
    )
    want_langs = {_fold(x) for x in label["language"]}
    got_langs = {_fold(x) for x in u.languages}
    out["language"] = "right" if want_langs == got_langs else ("missing" if not got_langs else "wrong")
    out["currency"] = (
        "right" if u.currency == label["currency"] else ("missing" if not u.currency else "wrong")
    )
    b = label.get("budget")
    if not b:
        out["budget"] = "right" if u.budget is None else "wrong"
    elif u.budget is None:
        out["budget"] = "missing"
    else:
        ok = _close(u.budget.amount, float(b["amount"])) and u.budget.currency.code == b["currency"]
        out["budget"] = "right" if ok else "wrong"
    targets = [float(o["to"]) for o in label["objectives"] if o.get("to") is not None]
    got_targets = [o.target_number for o in u.objectives if o.target_number is not None]
    found = sum(1 for t in targets if any(_close(g, t) for g in got_targets))
    out["objectives"] = _verdict(found, len(targets), bool(u.objectives))
    if not label["objectives"]:
        out["objectives"] = "right" if not u.objectives else "wrong"
    out["audience"] = (
        ("right" if not u.audience else "wrong")
        if not label["audience"]
        else ("right" if u.audience else "missing")
    )
    f, n = _names_match(label["competitors"], u.competitor_names)
    out["competitors"] = _verdict(f, n, bool(u.competitors))
    events = label["events"]
    got_dates = {e.start.isoformat() for e in u.events if e.start}
    found = sum(1 for e in events if e.get("date") and e["date"] in got_dates)
    out["events"] = _verdict(found, sum(1 for e in events if e.get("date")), bool(u.events))
    prices = [float(p["amount"]) for p in label["prices"]]
    got_prices = [p.amount for p in u.prices]
    found = sum(1 for p in prices if any(_close(g, p) for g in got_prices))
    out["prices"] = _verdict(found, len(prices), bool(u.prices))
    f, n = _channel_match(label["channels_requested"], u.channels)
    out["channels_requested"] = _verdict(f, n, bool(u.channels))
    f, n = _channel_match(label["channels_forbidden"], u.rules.excluded_channels)
    out["channels_forbidden"] = _verdict(f, n, bool(u.rules.excluded_channels))
    return out


def _channel_match(expected: Sequence[str], got: Sequence[str]) -> tuple[int, int]:
    """A labelled channel is free text ("Instagram creators (parents only)", "Meta"); it matches when the
    catalogue channel the same words name (through the vocabulary's aliases) was understood. A label that names
    no catalogue channel (a radio station, a messaging app outside the catalogue) counts as missed."""
    have = {g.casefold() for g in got}
    found = 0
    for label in expected:
        names = {m.name.casefold() for m in channel_mentions(label) if not m.is_format}
        if names and names & have:
            found += 1
    return found, len(expected)


# ----- the report -----------------------------------------------------------------------------------------


def write_report(brief: Brief) -> str:
    """The flagship report's markdown, as `make eval`'s other part writes it (bench/quality.py)."""
    return quality.write_report(brief).markdown


_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def violations(report: str, patterns: Sequence[str]) -> list[str]:
    out = []
    for sentence in sentences(report):
        for pattern in patterns:
            for m in re.finditer(pattern, sentence):
                outside = sentence[: m.start()] + " " + sentence[m.end() :]
                if not _NEGATION.search(outside):
                    out.append(sentence[:160])
                    break
    return out


def wrong_world(report: str, terms: Sequence[str]) -> list[str]:
    return [t for t in terms if re.search(r"(?<![\w-])" + re.escape(t) + r"(?![\w-])", report, re.IGNORECASE)]


_ASKS = re.compile(r"\b(not stated|not given|does not (?:say|state|give)|missing|to confirm|please confirm|"
                   r"question|ask the client|we need|confirm with)\b", re.IGNORECASE)  # fmt: skip


@dataclass
class Scored:
    id: str
    model: str
    understanding: dict[str, str]
    facts_found: int
    facts_total: int
    missing_facts: list[str]
    facts_in_plan: int
    violations: list[str]
    wrong_world: list[str]
    asks_missing: bool | None  # None: the brief gives objectives and audience
    invented_targets: bool | None  # None: the brief gives objectives
    units: list[str] = field(default_factory=list)
    prose_units: list[str] = field(default_factory=list)
    understand_ms: float = 0.0
    report_ms: float = 0.0


_SEPARATOR_ROW = re.compile(r"^\|[-:| ]+\|$")


def _unit(sentence: str) -> str:
    s = re.sub(r"[*_`>#|]", " ", sentence)
    s = re.sub(r"\s+", " ", s).strip().lower()
    return re.sub(r"\d[\d,.]*", "#", s) if len(s.split()) >= 5 else ""


def _units(report: str) -> list[str]:
    """Every sentence of five words or more (digits normalised), headings and table rows included."""
    return [u for u in (_unit(s) for s in sentences(report)) if u]


def _prose_units(report: str) -> list[str]:
    """The same, without headings, table header rows and table separator rows: the words of a plan, not its
    frame (a heading "How the targets were set" or a header row "KPI | Target | Owner" is the report's
    layout, the same in every plan by design)."""
    lines = report.splitlines()
    kept = []
    for i, line in enumerate(lines):
        following = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if line.startswith("#") or _SEPARATOR_ROW.match(line.strip()):
            continue
        if line.startswith("|") and _SEPARATOR_ROW.match(following):
            continue  # a table's header row
        kept.append(line)
    return _units("\n".join(kept))


def score(item: Labelled) -> Scored:
    brief = item.brief()
    t0 = time.perf_counter()
    u = understand(brief)
    t1 = time.perf_counter()
    report = write_report(brief)
    t2 = time.perf_counter()
    row = item.row
    low = report.casefold()
    facts = [f for f in row["facts"]]
    missing = [f for f in facts if f.casefold() not in low]
    # The same, leaving out the overview's quotation of the brief: the facts the plan itself uses.
    planned = re.sub(r"### The brief in the client's words\n.*?(?=\n### )", "", report, flags=re.S).casefold()
    missing_in_plan = [f for f in facts if f.casefold() not in planned]
    silent = not row["objectives"] or not row["audience"]
    asks = bool(_ASKS.search(report)) if silent else None
    invented = None
    if not row["objectives"]:
        invented = bool(u.objectives)
    return Scored(
        id=item.id,
        model=row["business_model"],
        understanding=score_understanding(row, u),
        facts_found=len(facts) - len(missing),
        facts_total=len(facts),
        missing_facts=missing,
        facts_in_plan=len(facts) - len(missing_in_plan),
        violations=violations(report, row["forbidden"]),
        wrong_world=wrong_world(report, row["wrong_world"]),
        asks_missing=asks,
        invented_targets=invented,
        units=_units(report),
        prose_units=_prose_units(report),
        understand_ms=(t1 - t0) * 1000,
        report_ms=(t2 - t1) * 1000,
    )


def shared_across_models(results: Sequence[Scored], prose: bool = False) -> list[float]:
    """Per report, the share of its units that a report of another business model also has; `prose` leaves
    headings and table header and separator rows out (`_prose_units`)."""
    shares = []
    for r in results:
        others: set[str] = set()
        for o in results:
            if o.model != r.model:
                others |= set(o.prose_units if prose else o.units)
        mine = r.prose_units if prose else r.units
        shares.append(sum(1 for u in mine if u in others) / max(1, len(mine)))
    return shares


def _pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dev_eval", description=__doc__.splitlines()[0])
    parser.add_argument("--briefs", type=Path, default=DEFAULT_BRIEFS)
    parser.add_argument("--show", action="store_true", help="print each brief's misses")
    args = parser.parse_args(argv)
    if not args.briefs.exists():
        print(f"no labelled briefs at {args.briefs}: nothing to score")
        return 0
    items = load(args.briefs)
    results = [score(i) for i in items]
    print(f"AICMO on {len(items)} labelled briefs written outside the code ({args.briefs})\n")

    print("1. Understanding, per field (right / wrong / missing)")
    total_right = total = 0
    for name in FIELDS:
        verdicts = [r.understanding[name] for r in results]
        right, wrong, miss = (verdicts.count(v) for v in ("right", "wrong", "missing"))
        total_right += right
        total += len(verdicts)
        print(f"   {name:<20} {right:>3} / {wrong:>3} / {miss:>3}")
    print(f"   all fields: {total_right}/{total} = {_pct(total_right / max(1, total))} right (target >= 90%)")

    print("\n2. The flagship report")
    found = sum(r.facts_found for r in results)
    facts = sum(r.facts_total for r in results)
    n_viol = sum(len(r.violations) for r in results)
    n_ww = sum(len(r.wrong_world) for r in results)
    no_obj = [r for r in results if r.invented_targets is not None]
    silent = [r for r in results if r.asks_missing is not None]
    shares = shared_across_models(results)
    prose_shares = shared_across_models(results, prose=True)
    in_plan = sum(r.facts_in_plan for r in results)
    print(f"   fact recall: {found}/{facts} = {_pct(found / max(1, facts))} (target >= 90%); "
          f"outside the quoted brief: {in_plan}/{facts} = {_pct(in_plan / max(1, facts))}")  # fmt: skip
    print(f"   rule violations: {n_viol} (target 0)")
    print(f"   wrong-world words: {n_ww} (target 0)")
    print(f"   invented targets on briefs without objectives: {sum(bool(r.invented_targets) for r in no_obj)}"
          f"/{len(no_obj)} (target 0)")  # fmt: skip
    print(
        f"   asks when objectives or audience are missing: {sum(bool(r.asks_missing) for r in silent)}/{len(silent)}"
    )
    print(f"   sentences shared with briefs of other business models: mean {_pct(statistics.mean(shares))}, "
          f"max {_pct(max(shares))} (every line, headings and table header rows included)")  # fmt: skip
    print(f"   the same, prose only (no headings, table header or separator rows): mean "
          f"{_pct(statistics.mean(prose_shares))}, max {_pct(max(prose_shares))} (target <= 15%)")  # fmt: skip
    print(f"   understanding p50 {statistics.median(r.understand_ms for r in results):.1f} ms; "
          f"report p50 {statistics.median(r.report_ms for r in results):.1f} ms")  # fmt: skip

    print("\n3. Per business model")
    by_model: dict[str, list[tuple[Scored, float, float]]] = defaultdict(list)
    for r, s, p in zip(results, shares, prose_shares, strict=True):
        by_model[r.model].append((r, s, p))
    print(
        f"   {'business model':<30} {'n':>2} {'underst.':>8} {'facts':>7} {'viol':>4} {'wrong-w':>7} {'shared':>7}"
        f" {'prose':>7}"
    )
    for model in sorted(by_model):
        rows = by_model[model]
        und = sum(list(r.understanding.values()).count("right") for r, _, _ in rows) / (
            len(FIELDS) * len(rows)
        )
        fr = sum(r.facts_found for r, _, _ in rows) / max(1, sum(r.facts_total for r, _, _ in rows))
        print(
            f"   {model:<30} {len(rows):>2} {_pct(und):>8} {_pct(fr):>7} "
            f"{sum(len(r.violations) for r, _, _ in rows):>4} {sum(len(r.wrong_world) for r, _, _ in rows):>7} "
            f"{_pct(statistics.mean(s for _, s, _ in rows)):>7} {_pct(statistics.mean(p for _, _, p in rows)):>7}"
        )
    if args.show:
        print("\n4. Misses, brief by brief")
        for r in results:
            misread = [f"{k}={v}" for k, v in r.understanding.items() if v != "right"]
            print(f"   {r.id} ({r.model})")
            if misread:
                print(f"      understanding: {', '.join(misread)}")
            if r.missing_facts:
                print(f"      facts missing: {r.missing_facts}")
            for v in r.violations:
                print(f"      violation: {v}")
            if r.wrong_world:
                print(f"      wrong world: {r.wrong_world}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
