"""Snapshots of a flagship report per business model: copy changes are reviewed as diffs of these files.

Regenerate after an intended change with `UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest
tests/unit/generator/test_composer_snapshots.py` and review the diff before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from services.generator.composer.offline import compose_section, shown_section
from services.generator.domain.brief import Brief
from services.generator.domain.brief_parser import understand
from services.generator.domain.packages import get_package
from tests.labelled_briefs import by_id

SNAPSHOTS = Path(__file__).parent / "snapshots"
FLAGSHIP = get_package("strategy_campaign_standard")
# One brief per business model (general: a brief that gives nothing away).
CASES: dict[str, Brief] = {
    "b2b_enterprise": by_id("identity-saas").form,
    "b2b_smb": by_id("invoicing-smb").form,
    "local_services": by_id("dental-chain").form,
    "cpg_retail": by_id("oat-drink-germany").form,
    "dtc_ecommerce": by_id("sneakers-dtc").form,
    "dtc_subscription": by_id("coffee-subscription").form,
    "consumer_services": by_id("coding-bootcamp").form,
    "general": Brief(client_name="Acme Holdings", brand_name="Acme", budget="$40,000", timeline="10 weeks"),
}


def report(brief: Brief) -> str:
    parts = [f"# {brief.brand_name} — {FLAGSHIP.label}"]
    for spec in FLAGSHIP.sections:
        parts.append(
            f"## {shown_section(spec, brief, FLAGSHIP).title}\n\n{compose_section(spec, brief, FLAGSHIP)}"
        )
    return "\n\n".join(parts) + "\n"


@pytest.mark.parametrize("model", list(CASES))
def test_flagship_report_matches_its_snapshot(model: str) -> None:
    brief = CASES[model]
    assert understand(brief).business_model.value == model
    path = SNAPSHOTS / f"{model}.md"
    text = report(brief)
    assert report(brief) == text, "the composer must be deterministic"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not path.exists():
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), (
        f"{path.name} changed: review the diff and regenerate with UPDATE_SNAPSHOTS=1 if it is intended"
    )
