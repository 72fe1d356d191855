"""The Streamlit app under AppTest against the real running stack (launcher: Postgres, memory, generator,
Envoy): generate, see the stats go up, rate, open, delete, upload, and forget — checked over REST too."""

from __future__ import annotations

import json
import urllib.request
import uuid
from typing import Any
from urllib.parse import quote

import pytest

from services.common.client_ids import client_key
from tests.ui.apptest_support import (
    alerts,
    fill_brief,
    metric,
    new_app,
    run,
    stack_logs_on_failure,
    table_with,
    texts,
)
from ui.contract import mpb


def rest(stack: Any, method: str, path: str) -> tuple[int, dict[str, Any]]:
    headers = {"Accept": "application/json", "Authorization": f"Bearer {stack.admin_token()}"}
    request = urllib.request.Request(stack.gateway_url + path, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def count(at: Any) -> int:
    return int(metric(at, "Items learned").replace(",", ""))


def test_operator_flows_against_the_real_stack(monkeypatch: pytest.MonkeyPatch, running_stack: Any) -> None:
    with stack_logs_on_failure(running_stack, "apptest"):
        operator_flows(monkeypatch, running_stack)


def operator_flows(monkeypatch: pytest.MonkeyPatch, running_stack: Any) -> None:
    client_name = f"Ember Roasters {uuid.uuid4().hex[:6]}"
    client_id = client_key(client_name)
    at = run(new_app(monkeypatch, running_stack.gateway_url))
    assert not at.error, alerts(at, "error")
    assert "All services are serving" in alerts(at, "success")
    before = count(at)

    # Generate, with live progress, and see what was learned.
    fill_brief(
        at,
        client=client_name,
        brand="Ember Roast",
        package="quick_social_basic",
        raw_text="Cold brew launch.",
    )
    at.button(key="gen_submit").click()
    run(at)
    assert not at.error, alerts(at, "error")
    _, packages = rest(running_stack, "GET", "/api/aicmo/packages")
    quick = next(p for p in packages["packages"] if p["key"] == "quick_social_basic")
    assert [p.value for p in at.progress] == [100]
    assert at.progress[0].proto.text.startswith(f"Report ready: {quick['section_count']} sections in")
    page = texts(at)
    for n, section in enumerate(quick["sections"], start=1):
        assert f"✓ {n}. {section['title']}" in page
    assert any(str(m.value).startswith("# Ember Roast — Quick Social Pack (Basic)") for m in at.markdown)
    caption = next(c.value for c in at.caption if c.value.startswith("Written by"))
    assert "learning: learned" in caption and "took " in caption
    assert " · learned in " in at.progress[0].proto.text
    assert "Learned from:" in page
    after = count(at)
    assert after == before + 1 + quick["section_count"]

    # Rate the whole report gold.
    at.radio(key="gen_rate_choice").set_value(mpb.RATING_GOLD)
    at.text_input(key="gen_rate_note").input("Spot on")
    at.button(key="gen_rate_submit").click()
    run(at)
    assert any("Rated the whole report gold" in s for s in alerts(at, "success")), alerts(at, "warning")
    status, reports = rest(running_stack, "GET", f"/api/learn/items?kind=full_report&client_id={client_id}")
    assert status == 200
    assert [(i["rating"], i["rating_note"]) for i in reports["items"]] == [("gold", "Spot on")]

    # Browse this client's items, open a section, rate it weak.
    at.text_input(key="learn_client_filter").input(client_id)
    run(at)
    assert f"of {1 + quick['section_count']} matching items" in texts(at)
    _, sections = rest(running_stack, "GET", f"/api/learn/items?kind=report_section&client_id={client_id}")
    target = sections["items"][0]
    at.selectbox(key="learn_open_id").select(target["id"])
    run(at)
    assert f"id `{target['id']}`" in texts(at)  # in the item's technical details
    at.radio(key="learn_rate_choice").set_value(mpb.RATING_WEAK)
    at.text_input(key="learn_rate_note").input("Too generic")
    at.button(key="learn_rate_submit").click()
    run(at)
    _, opened = rest(running_stack, "GET", f"/api/learn/items/{target['id']}")
    assert (opened["item"]["rating"], opened["item"]["rating_note"]) == ("weak", "Too generic")

    # Delete it (after the confirmation step).
    at.button(key="learn_delete").click()
    run(at)
    at.button(key="learn_delete_confirm").click()
    run(at)
    assert any("Deleted" in s for s in alerts(at, "success"))
    status, _ = rest(running_stack, "GET", f"/api/learn/items/{target['id']}")
    assert status == 404
    assert count(at) == after - 1

    # Upload a reference example for the same client; the second upload is recognised.
    example = (
        f"Subject: your tenth cold brew is on us ({client_name})\n\nThanks for being a regular.".encode()
    )
    at.file_uploader(key="learn_upload_file").set_value(("tenth-brew.md", example, "text/markdown"))
    at.text_input(key="learn_upload_client").input(client_name)
    at.text_input(key="learn_upload_tags").input("email, loyalty")
    at.button(key="learn_upload_submit").click()
    run(at)
    assert any("as a new uploaded example" in s for s in alerts(at, "success")), alerts(at, "error")
    assert count(at) == after
    at.button(key="learn_upload_submit").click()
    run(at)
    assert any("Already known" in i for i in alerts(at, "info"))
    _, uploads = rest(running_stack, "GET", f"/api/learn/items?kind=uploaded_example&client_id={client_id}")
    assert [(u["source"], u["tags"]) for u in uploads["items"]] == [("upload", ["email", "loyalty"])]

    # Search finds it.
    at.text_input(key="learn_search_query").input("tenth cold brew on us")
    at.button(key="learn_search_submit").click()
    run(at)
    assert uploads["items"][0]["title"] in list(table_with(at, "Match")["Title"])

    # Forget the client: count first, then confirm.
    expected = quick["section_count"] + 1  # report + sections - deleted one + upload
    at.text_input(key="learn_forget_input").input(client_name)
    at.button(key="learn_forget_count").click()
    run(at)
    assert any(
        f"{expected} items learned for client `{client_id}` will be deleted" in w
        for w in alerts(at, "warning")
    )
    at.button(key="learn_forget_confirm").click()
    run(at)
    assert any(f"deleted {expected} items" in s for s in alerts(at, "success"))
    _, left = rest(running_stack, "GET", f"/api/learn/items?client_id={quote(client_id)}")
    assert left["total_size"] == 0
    assert count(at) == before


def test_section_work_and_history_against_the_real_stack(
    monkeypatch: pytest.MonkeyPatch, running_stack: Any
) -> None:
    with stack_logs_on_failure(running_stack, "apptest-history"):
        section_work_and_history(monkeypatch, running_stack)


def section_work_and_history(monkeypatch: pytest.MonkeyPatch, running_stack: Any) -> None:
    """Edit a section, write another again with an instruction, refine: each is the report's next version,
    served by the real report archive; the History tab lists, opens and compares them."""
    client_name = f"Juniper Yoga {uuid.uuid4().hex[:6]}"
    client_id = client_key(client_name)
    at = run(new_app(monkeypatch, running_stack.gateway_url))
    fill_brief(
        at,
        client=client_name,
        brand="Juniper",
        package="quick_social_basic",
        raw_text='Studio opening. We compete with CorePower Yoga and Barry\'s. Never use the word "cheap".',
    )
    # Check the brief first: what the generator reads, through the gateway (nothing is generated).
    at.button(key="brief_check").click()
    run(at)
    assert not at.error, alerts(at, "error")
    facts = next(str(m.value) for m in at.markdown if str(m.value).startswith("- **Business model:**"))
    assert "- **Budget:** $50,000 — USD 50,000 for the whole programme · *from the form*" in facts, facts
    assert "- **Competitors:** CorePower Yoga; Barry's · *from the brief text*" in facts, facts
    assert "**Words never used:** “cheap”" in texts(at)
    # Correct the competitors: the brief's `competitors` field wins over the text.
    at.selectbox(key="brief_fix_fact").select("competitors")
    run(at)
    at.text_area(key="brief_fix_value").input("CorePower Yoga (national chain); Barry's; Peloton")
    at.button(key="brief_fix_save").click()
    run(at)
    facts = next(str(m.value) for m in at.markdown if str(m.value).startswith("- **Business model:**"))
    assert "- **Competitors:** CorePower Yoga (national chain); Barry's; Peloton · *from the form*" in facts
    status, reports = rest(running_stack, "GET", f"/api/reports?client_id={quote(client_id)}")
    assert status == 200 and reports.get("reports", []) == []

    at.button(key="gen_submit").click()
    run(at)
    assert not at.error, alerts(at, "error")
    # The report says which brief it was written from: the corrected one.
    assert any(e.label.startswith("Brief as understood for this report") for e in at.expander)
    assert (
        "- **Competitors:** CorePower Yoga (national chain); Barry's; Peloton · *from the form*"
        in "\n".join(str(m.value) for m in at.markdown)
    )
    assert any(str(c.value).startswith("Version 1 of this report") for c in at.caption)
    status, reports = rest(running_stack, "GET", f"/api/reports?client_id={quote(client_id)}")
    assert status == 200 and len(reports["reports"]) == 1
    history_id = reports["reports"][0]["history_id"]
    try:
        # Edit the overview: the operator's text is version 2, and what is learned for the section.
        at.button(key="gen_sec_edit_overview").click()
        run(at)
        ours = "Juniper opens its second studio with **sunrise classes** for commuters."
        at.text_area(key="gen_sec_text_overview").input(ours)
        at.text_input(key="gen_sec_edit_note_overview").input("Our own opening line")
        at.button(key="gen_sec_save_overview").click()
        run(at)
        assert any("Saved your text for “Overview” as version 2" in s for s in alerts(at, "success")), alerts(
            at, "error"
        ) + alerts(at, "warning")
        # Write the final summary again with an instruction: version 3.
        at.text_area(key="gen_sec_instruction_final_summary").input(
            "Make it shorter and more detailed on budget"
        )
        at.button(key="gen_sec_regenerate_final_summary").click()
        run(at)
        # What the instruction changed is listed under the success; nothing is claimed that did not happen.
        assert any(
            "Wrote “Final Summary” again" in s and "version 3" in s and "Applied:" in s
            for s in alerts(at, "success")
        ), alerts(at, "error") + alerts(at, "warning")
        # Refine: version 4, and the operator's text is what it refines.
        at.text_area(key="gen_feedback").input("Warmer tone")
        at.button(key="gen_refine").click()
        run(at)
        assert not at.error, alerts(at, "error")
        assert any(str(c.value).startswith("Version 4 of this report · Refined") for c in at.caption)
        # Next to the refine box: what the feedback changed.
        assert "What your feedback did" in texts(at)
        changed = [s for s in alerts(at, "success") if s.startswith("Changed in this version:")]
        assert changed and "**Tone warmer:**" in changed[0], alerts(at, "success") + alerts(at, "warning")

        status, listed = rest(running_stack, "GET", f"/api/reports/{history_id}/versions")
        assert status == 200
        assert [(v["version"], v["stage"], v["origin"]) for v in listed["versions"]] == [
            (1, "VERSION_STAGE_DRAFT", "VERSION_ORIGIN_GENERATED"),
            (2, "VERSION_STAGE_DRAFT", "VERSION_ORIGIN_SECTION_EDITED"),
            (3, "VERSION_STAGE_DRAFT", "VERSION_ORIGIN_SECTION_REGENERATED"),
            (4, "VERSION_STAGE_REFINE", "VERSION_ORIGIN_GENERATED"),
        ]
        _, second = rest(running_stack, "GET", f"/api/reports/{history_id}/versions/2")
        overview = next(s for s in second["version"]["sections"] if s["section_id"] == "overview")
        assert (overview["markdown"], overview["author"], overview["changed"]) == (
            ours,
            "SECTION_AUTHOR_OPERATOR",
            True,
        )
        _, learned = rest(running_stack, "GET", f"/api/learn/items/{overview['learned_item_id']}")
        assert learned["item"]["text"] == ours

        # The History tab: this client's report, its versions, and version 2 against version 3.
        at.text_input(key="hist_client").input(client_name)
        run(at)
        assert list(table_with(at, "Versions")["Versions"]) == [4]
        at.selectbox(key="hist_report").select(history_id)
        run(at)
        assert list(table_with(at, "What happened")["Version"]) == [4, 3, 2, 1]
        at.selectbox(key="hist_compare_from").select(2)
        at.selectbox(key="hist_compare_to").select(3)
        run(at)
        page = texts(at)
        assert "between version 2 and version 3: “Final Summary”." in page, page[-2000:]
        assert [d.label for d in at.download_button if (d.key or "").startswith("hist_download")] == [
            "Download Markdown",
            "Download PDF",
            "Download Word",
        ]
    finally:
        status, _ = rest(running_stack, "DELETE", f"/api/learn/clients/{quote(client_id)}")
        assert status == 200
    _, gone = rest(running_stack, "GET", f"/api/reports?client_id={quote(client_id)}")
    assert gone.get("reports", []) == []
