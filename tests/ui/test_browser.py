"""A real browser (Debian's Chromium, driven by Playwright) against the real stack and its Streamlit server:
fill the brief, generate, watch the progress, read the report, see the Learn count go up; then rate one
section, write one section again with an instruction, refine, open the report's history, compare two
versions, and download a version as PDF and Word (checked: a PDF with pages, a .docx python-docx opens).
A second journey, on the same stack: add a big idea to a new client's playbook (Learn → Playbook), correct it
with a note (version 2), generate a report for that client and see the corrected idea lead its Core Campaign
Idea section.

Screenshots, the downloaded files and the PDF's first pages (rendered by poppler's pdftoppm) are kept under
var/artifacts/ui/ (git-ignored) for a person to look at. Waits are generous; no duration is asserted.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
from playwright.sync_api import Locator, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from pypdf import PdfReader

from services.common.client_ids import client_key
from tests.e2e.stack import ADMIN, ADMIN_PASSWORD, TEST_PASSWORD
from tests.support import ROOT
from tests.ui.apptest_support import stack_logs_on_failure

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "var" / "artifacts" / "ui"
# How long one step that writes (a report, a section) may take on a busy machine.
WRITE_TIMEOUT_MS = 180_000
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# In CI the browser test must run: a missing Chromium fails it there (make browser installs it as root).
pytestmark = pytest.mark.skipif(
    (not CHROMIUM.exists() or shutil.which("chromium") is None) and os.environ.get("CI") != "true",
    reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install -y chromium)",
)


@pytest.fixture
def page(running_stack: Any) -> Iterator[Page]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            tab = context.new_page()
            tab.set_default_timeout(30_000)
            yield tab
        finally:
            browser.close()


# Records each label of the progress bar as the page changes, in window.__aicmoProgress.
RECORD_PROGRESS = """() => {
  window.__aicmoProgress = [];
  const record = () => {
    const bar = document.querySelector('[data-testid="stProgress"]');
    const text = bar ? bar.innerText.trim() : "";
    const seen = window.__aicmoProgress;
    if (text && seen[seen.length - 1] !== text) seen.push(text);
  };
  new MutationObserver(record).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def items_learned(page: Page) -> int:
    metric = page.get_by_test_id("stMetric").filter(has_text="Items learned").first
    metric.wait_for()
    return int(metric.get_by_test_id("stMetricValue").inner_text().replace(",", ""))


def open_tab(page: Page, name: str) -> Locator:
    page.get_by_role("tab", name=name).click()
    panel = page.get_by_role("tabpanel", name=name)
    panel.wait_for()
    return panel


def sign_in(page: Page, name: str = ADMIN, password: str = ADMIN_PASSWORD) -> None:
    """Opens the app's sign-in form (on a fresh page) and signs in; the stack's first admin by default."""
    name_box = page.get_by_label("Name", exact=True)
    name_box.wait_for(timeout=60_000)
    name_box.fill(name)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"Signed in as {name}").wait_for(timeout=60_000)


def keyed(page: Page, key: str) -> Locator:
    """The element of the widget or container with this session-state key (Streamlit gives it the class
    st-key-<key>)."""
    return page.locator(f".st-key-{key}").first


def page_says(page: Page, pattern: str | re.Pattern[str], timeout: float = WRITE_TIMEOUT_MS) -> Locator:
    """Waits (generously) until the page shows this text, and returns where."""
    found = page.get_by_text(pattern).first
    found.wait_for(timeout=timeout)
    return found


def choose(page: Page, select_key: str, option: re.Pattern[str]) -> None:
    """Picks an option of a select box."""
    box = keyed(page, select_key)
    box.scroll_into_view_if_needed()
    for _ in range(3):
        box.get_by_role("button", name="Open").click()
        try:
            page.get_by_role("option", name=option).first.click(timeout=10_000)
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")  # the list did not open (the page was still updating): again
            continue
        return
    raise AssertionError(f"no option {option.pattern!r} in {select_key}")


def alerts_text(page: Page) -> list[str]:
    return page.locator('[data-testid="stAlert"]').all_inner_texts()


def render_pdf_pages(pdf: Path, prefix: str, pages: int = 3) -> list[Path]:
    """The PDF's first pages as PNG files next to the screenshots (poppler's pdftoppm)."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        if os.environ.get("CI") == "true":
            raise AssertionError("pdftoppm (poppler-utils) is missing: run `make test-deps`")
        return []
    for old in ARTIFACTS.glob(f"{prefix}-*.png"):
        old.unlink()
    subprocess.run(
        [pdftoppm, "-png", "-r", "70", "-f", "1", "-l", str(pages), str(pdf), str(ARTIFACTS / prefix)],
        check=True,
        timeout=120,
    )
    return sorted(ARTIFACTS.glob(f"{prefix}-*.png"))


def download(page: Page, button_key: str, target: Path) -> Path:
    """Clicks a download button and keeps the file it gives (the file is made when clicked)."""
    with page.expect_download(timeout=WRITE_TIMEOUT_MS) as info:
        keyed(page, button_key).locator("button").first.click()
    info.value.save_as(str(target))
    return target


def test_generate_in_a_real_browser(page: Page, running_stack: Any, tmp_path: Path) -> None:
    with stack_logs_on_failure(running_stack, "browser"):
        generate_in_a_real_browser(page, running_stack, tmp_path)


def generate_in_a_real_browser(page: Page, running_stack: Any, tmp_path: Path) -> None:
    client_name = f"Harbor Lights Bakery {uuid.uuid4().hex[:6]}"
    page.goto(running_stack.ui_url)
    sign_in(page)
    page.get_by_label("Client name *").wait_for(timeout=60_000)
    page.get_by_text("All services are serving").wait_for()

    learn = open_tab(page, "Learn")
    before = items_learned(page)
    learn.get_by_text("Memory Database Stats").scroll_into_view_if_needed()
    if before:
        learn.locator(
            '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg'
        ).first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "01-learn-before.png"))

    generate = open_tab(page, "Generate")
    page.get_by_label("Client name *").fill(client_name)
    page.get_by_label("Brand *").fill("Harbor Lights")
    page.get_by_label("Product or service").fill("sourdough and pastries, wholesale to cafés")
    page.get_by_label("Objectives").fill("Win 20 new café accounts in 3 months")
    page.get_by_label("Budget").fill("$30,000")

    # Upload a brief file: its text fills the brief text, and what was typed above stays.
    brief_file = tmp_path / "brief.txt"
    brief_file.write_text("Launch a weekend pastry box across Portland neighbourhoods.")
    generate.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
        str(brief_file)
    )
    brief_text = page.get_by_label("Brief text (free text; an uploaded brief lands here)")
    page.wait_for_function(
        "() => [...document.querySelectorAll('textarea')].some(t => t.value.includes('weekend pastry box'))"
    )
    assert "weekend pastry box" in brief_text.input_value()
    assert page.get_by_label("Client name *").input_value() == client_name
    assert page.get_by_label("Budget").input_value() == "$30,000"
    page.screenshot(path=str(ARTIFACTS / "02-brief-filled.png"))

    # “Check the brief”: what AICMO reads from the form and the text, each fact with where it came from.
    page.get_by_role("button", name="Check the brief").click()
    panel = keyed(page, "brief_understood_panel")
    budget = panel.get_by_text(re.compile(r"^Budget: \$30,000 — USD 30,000"))
    budget.wait_for()
    assert "from the form" in budget.inner_text()
    assert "from the brief text" in panel.get_by_text(re.compile(r"^Markets: Portland")).inner_text()
    # The objectives typed in the form, as a table (the panel's last part to be drawn anew).
    panel.get_by_test_id("stDataFrame").wait_for()
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "02b-brief-understood.png"))

    # Every label the progress bar shows is recorded in the page as it changes (a step may last a tenth of a
    # second: polling from here, or a screenshot taken meanwhile, could miss it).
    page.evaluate(RECORD_PROGRESS)
    page.get_by_role("button", name="Generate report").click()
    progress = page.get_by_test_id("stProgress").first
    progress.wait_for()
    page.screenshot(path=str(ARTIFACTS / "03-progress.png"))
    seen: list[str] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        seen = [str(text) for text in page.evaluate("() => window.__aicmoProgress")]
        if seen and seen[-1].startswith("Report ready"):
            break
        page.wait_for_timeout(50)
    if not (seen and seen[-1].startswith("Report ready: 17 sections")):
        alerts = page.locator('[data-testid="stAlert"]').all_inner_texts()
        raise AssertionError(f"progress seen: {seen}; the page says: {alerts}")
    # Between the last section and the finished report the bar says the report is being learned (a step that
    # can be too short to catch: learning is acknowledged once committed); the end says how long it took.
    assert any(text.startswith("Learning this report…") for text in seen) or "learned in" in seen[-1], seen
    # The section names were listed as they completed.
    generate.get_by_text("Sections written: 17 of 17").click()  # opens the list
    done = generate.get_by_text(re.compile(r"✓ 1\. Overview")).first
    done.wait_for()
    for n, name in (
        (1, "Overview"),
        (3, "Core Campaign Idea"),
        (11, "Detailed 30-Day Calendar"),
        (17, "Final Summary"),
    ):
        assert f"✓ {n}. {name}" in done.inner_text(), name

    heading = page.get_by_role("heading", name="Harbor Lights — Strategy + Campaign Pack (Standard)").first
    heading.scroll_into_view_if_needed()
    assert heading.is_visible()
    assert page.get_by_text(re.compile(r"^Written by ")).count()
    # The downloads come before the report on the page, but a button may show a moment after the heading.
    page.get_by_role("button", name="Download PDF").wait_for()
    page.screenshot(path=str(ARTIFACTS / "04-report.png"))

    learn = open_tab(page, "Learn")
    # A report whose learning was queued (memory slow or down) is delivered shortly after: refresh until then.
    expected = before + 18  # the report and its 17 sections
    deadline = time.monotonic() + 60
    while items_learned(page) < expected and time.monotonic() < deadline:
        page.wait_for_timeout(1000)
        learn.get_by_role("button", name="Refresh").click()
        page.wait_for_timeout(500)
    assert items_learned(page) == expected
    learn.locator(
        '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg'
    ).first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "05-learn-after.png"))

    open_tab(page, "Generate")
    work_on_sections(page)
    refine_report(page)
    history_compare_and_download(page, client_name, "Harbor Lights")

    # Leave the shared stack as we found it.
    request = urllib.request.Request(
        f"{running_stack.gateway_url}/api/learn/clients/{client_key(client_name)}",
        method="DELETE",
        headers={"Authorization": f"Bearer {running_stack.admin_token()}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        # The draft and its sections, the section rewrite (its report and the new section: the other
        # sections are stored once), and the refinement.
        assert json.loads(response.read())["deleted_count"] >= 18 + 2


def work_on_sections(page: Page, rewrite: tuple[str, str] = ("channel_plan", "Channel Plan")) -> None:
    """Rate one section (the overview, with a note), then write another section again with an instruction."""
    section_id, title = rewrite
    tools = keyed(page, "gen_sec_tools_overview")
    tools.scroll_into_view_if_needed()
    tools.get_by_role("button", name=re.compile("Rate this section")).click()
    keyed(page, "gen_sec_rating_overview").get_by_text("gold", exact=True).click()
    keyed(page, "gen_sec_note_overview").locator("input").fill("Exactly our positioning")
    keyed(page, "gen_sec_rate_overview").locator("button").first.click()
    page_says(page, "Rated the section “Overview” gold", timeout=60_000)
    page.keyboard.press("Escape")  # closes the popover
    page.screenshot(path=str(ARTIFACTS / "06-section-rated.png"))

    tools = keyed(page, f"gen_sec_tools_{section_id}")
    tools.scroll_into_view_if_needed()
    tools.get_by_role("button", name=re.compile("Regenerate with an instruction")).click()
    instruction = "Put Instagram first and add a weekly posting rhythm"
    keyed(page, f"gen_sec_instruction_{section_id}").locator("textarea").fill(instruction)
    page.screenshot(path=str(ARTIFACTS / "07-section-instruction.png"))
    keyed(page, f"gen_sec_regenerate_{section_id}").locator("button").first.click()
    said = page_says(page, re.compile(rf"Wrote “{re.escape(title)}” again: this is version 2"))
    said.scroll_into_view_if_needed()
    page.keyboard.press("Escape")
    caption = rf"^Version 2 of this report · Section “{re.escape(title)}” written again"
    assert page.get_by_text(re.compile(caption)).count()
    page.screenshot(path=str(ARTIFACTS / "08-section-rewritten.png"))


def refine_report(page: Page) -> None:
    """Refine with feedback: the refinement joins the report's history as version 3."""
    feedback = page.get_by_label("Feedback for the next draft")
    feedback.scroll_into_view_if_needed()
    feedback.fill("Make the tone warmer and name the wholesale café offer in every section")
    page.get_by_role("button", name="Regenerate with feedback").click()
    page_says(page, re.compile(r"^Version 3 of this report · Refined with feedback"))
    progress = page.get_by_test_id("stProgress").first.inner_text()
    assert progress.startswith("Report ready"), (progress, alerts_text(page))
    page.screenshot(path=str(ARTIFACTS / "09-refined.png"))
    # Next to the refine box: what the feedback changed, and what it could not apply and why.
    outcome = keyed(page, "gen_refine_outcome")
    outcome.scroll_into_view_if_needed()
    assert "What your feedback did" in outcome.inner_text()
    assert "Changed in this version:" in outcome.inner_text(), outcome.inner_text()
    page.screenshot(path=str(ARTIFACTS / "09b-refine-outcome.png"))


def history_compare_and_download(
    page: Page, client_name: str, brand: str, rewritten: str = "Channel Plan", sections: int = 17
) -> None:
    """Open the report in the History tab, compare version 1 with version 2 (the section rewrite), and
    download version 2 as PDF and Word."""
    keyed(page, "gen_show_history").locator("button").first.click()
    page_says(page, "This report is open in the History tab", timeout=60_000)
    history = open_tab(page, "History")
    history.get_by_text(re.compile(r"^For " + re.escape(client_name) + r" · 3 versions")).wait_for(
        timeout=60_000
    )
    page.screenshot(path=str(ARTIFACTS / "10-history.png"), full_page=True)

    choose(page, "hist_compare_from", re.compile(r"^Version 1 · "))
    choose(page, "hist_compare_to", re.compile(r"^Version 2 · "))
    summary = page_says(
        page, re.compile(rf"1 of {sections} sections changed between version 1 and version 2"), 60_000
    )
    assert f"“{rewritten}”" in summary.inner_text()
    diff = history.get_by_test_id("stCode").first
    diff.wait_for()
    assert "--- Version 1" in diff.inner_text() and "+++ Version 2" in diff.inner_text()
    diff.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "11-compare-line-by-line.png"))
    keyed(page, "hist_diff_style").get_by_text("Side by side").click()
    side = history.locator("table.aicmo-diff").first
    side.wait_for(timeout=60_000)
    side.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "12-compare-side-by-side.png"))

    # Download version 2 (the one with the rewritten section) as the client's PDF and Word files.
    choose(page, "hist_open_version", re.compile(r"^Version 2 · "))
    page_says(page, re.compile(r"^Version 2 of 3 · "), 60_000)
    keyed(page, "hist_download_pdf").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "13-history-version-2.png"))
    pdf = download(page, "hist_download_pdf", ARTIFACTS / "history-version-2.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf.read_bytes()))
    assert len(reader.pages) >= 3
    cover = reader.pages[0].extract_text() or ""
    assert brand in cover and client_name in cover, cover
    assert "Page 2 of" in (reader.pages[1].extract_text() or "")
    render_pdf_pages(pdf, "history-version-2-page")
    word = download(page, "hist_download_docx", ARTIFACTS / "history-version-2.docx")
    document = docx.Document(io.BytesIO(word.read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert rewritten in text and client_name in text


def test_each_role_sees_only_what_it_may_do(page: Page, running_stack: Any) -> None:
    """An operator and an admin sign in to the same app: the operator gets Generate and rating but no
    delete, share, forget or audit; the admin gets all of it."""
    with stack_logs_on_failure(running_stack, "browser-roles"):
        running_stack.token_for("olive", "operator")  # makes the account
        page.goto(running_stack.ui_url)
        sign_in(page, "olive", TEST_PASSWORD)
        page.get_by_role("tab", name="Generate").wait_for()  # the operator's tabs are drawn after the sign-in
        assert page.get_by_role("tab", name="Audit").count() == 0
        learn = open_tab(page, "Learn")
        learn.get_by_text("Memory Database Stats").wait_for()
        keyed(page, "learn_upload_submit").wait_for()
        assert keyed(page, "learn_forget_count").count() == 0
        page.screenshot(path=str(ARTIFACTS / "roles-operator.png"), full_page=True)

        keyed(page, "sidebar_sign_out").locator("button").click()
        sign_in(page)
        page.get_by_role("tab", name="Audit").wait_for()  # the admin's tabs are drawn after the sign-in
        learn = open_tab(page, "Learn")
        keyed(page, "learn_forget_count").wait_for()
        audit = open_tab(page, "Audit")
        audit.get_by_text("Audit trail").first.wait_for()
        audit.locator('[data-testid="stDataFrame"]').first.wait_for()  # the entries (drawn on a canvas)
        page.screenshot(path=str(ARTIFACTS / "roles-admin.png"), full_page=True)


def test_playbook_entry_edited_in_a_real_browser_leads_the_next_report(
    page: Page, running_stack: Any
) -> None:
    with stack_logs_on_failure(running_stack, "browser-playbook"):
        edit_playbook_then_generate(page, running_stack)


# A big idea as first written, and as corrected: distinctive words no report would write by itself.
FIRST_IDEA = "Every Crumb Comes Home"
EDITED_IDEA = "Lanterns Along the Quayside"


def edit_playbook_then_generate(page: Page, running_stack: Any) -> None:
    """In the Learn tab's Playbook panel, add a big idea for a new client and correct it (version 2, with a
    note); generate a report for that client: the corrected idea leads its Core Campaign Idea section, the
    first words appear nowhere, and the report's learning detail says the playbook's big idea was used."""
    client_name = f"Quayside Lantern Co {uuid.uuid4().hex[:6]}"
    page.goto(running_stack.ui_url)
    sign_in(page)
    page.get_by_label("Client name *").wait_for(timeout=60_000)
    page.get_by_text("All services are serving").wait_for()

    learn = open_tab(page, "Learn")
    learn.get_by_role("heading", name="Playbook").scroll_into_view_if_needed()
    who = keyed(page, "playbook_client").locator("input")
    who.fill(client_name)
    who.press("Enter")
    page_says(page, re.compile(r"^Nothing in the playbook of client .* yet"), 60_000)

    # Add a big idea for the whole plan.
    learn.get_by_text(re.compile(r"^Add an entry to the playbook of client")).click()  # opens the expander
    choose(page, "playbook_new_kind", re.compile(r"^Big idea$"))
    keyed(page, "playbook_new_text").locator("textarea").fill(FIRST_IDEA)
    keyed(page, "playbook_add").locator("button").first.click()
    page_says(page, "Added to the playbook: Big idea.", 60_000)
    box = keyed(page, "playbook_entry_box")
    box.wait_for()
    box.get_by_text(re.compile(r"version 1, ")).wait_for()
    assert keyed(page, "playbook_edit_text").locator("textarea").input_value() == FIRST_IDEA
    box.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "20-playbook-entry-added.png"))

    # Correct its words with a note: a new version.
    keyed(page, "playbook_edit_text").locator("textarea").fill(EDITED_IDEA)
    keyed(page, "playbook_edit_note").locator("input").fill("Client prefers the harbour imagery")
    keyed(page, "playbook_save").locator("button").first.click()
    page_says(page, "Saved version 2 of the entry.", 60_000)
    box.get_by_text(re.compile(r"^Big idea · the whole plan · active · .*version 2, ")).wait_for()
    box.get_by_text("Note: Client prefers the harbour imagery", exact=True).wait_for()
    assert keyed(page, "playbook_edit_text").locator("textarea").input_value() == EDITED_IDEA
    # The entry picker names the entry by its new words (and keeps it open whatever is done next).
    expect(keyed(page, "playbook_open_id").locator("input")).to_have_value(
        f"Big idea: {EDITED_IDEA}", timeout=30_000
    )
    box.get_by_text("Versions (2)").click()  # both versions, newest first
    versions = box.get_by_test_id("stExpanderDetails").first
    versions.get_by_text(EDITED_IDEA, exact=True).wait_for()
    versions.get_by_text(FIRST_IDEA, exact=True).wait_for()
    assert "note: Client prefers the harbour imagery" in versions.inner_text()
    box.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "21-playbook-entry-version-2.png"))

    # A report for this client: its big idea is the corrected one.
    open_tab(page, "Generate")
    page.get_by_label("Client name *").fill(client_name)
    page.get_by_label("Brand *").fill("Quayside Lantern")
    page.get_by_label("Product or service").fill("evening harbour walking tours")
    page.get_by_label("Objectives").fill("Sell 1,500 tour tickets by the end of summer")
    page.get_by_label("Budget").fill("$18,000")
    page.get_by_role("button", name="Generate report").click()
    page_says(page, re.compile(r"^Report ready: 17 sections"))
    report = keyed(page, "gen_report_box")
    idea = report.locator('[data-testid="stMarkdownContainer"]').filter(
        has=page.get_by_role("heading", name="Core Campaign Idea")
    )
    idea.wait_for()
    idea.scroll_into_view_if_needed()
    lead = idea.locator("p").first.inner_text()
    assert lead.startswith(f"The big idea: “{EDITED_IDEA}”"), lead
    assert FIRST_IDEA.casefold() not in report.inner_text().casefold()
    page.screenshot(path=str(ARTIFACTS / "22-report-big-idea.png"))
    detail = page_says(page, re.compile(r"^Learning detail from AICMO: "), 60_000)
    assert f"the big idea “{EDITED_IDEA}”" in detail.inner_text()
    detail.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "23-report-learning-detail.png"))

    # Back in the playbook: the entry is still the client's, at version 2.
    learn = open_tab(page, "Learn")
    box = keyed(page, "playbook_entry_box")
    box.get_by_text(re.compile(r"^Big idea · the whole plan · active · .*version 2, ")).wait_for()
    expect(keyed(page, "playbook_open_id").locator("input")).to_have_value(
        f"Big idea: {EDITED_IDEA}", timeout=30_000
    )
    assert keyed(page, "playbook_edit_text").locator("textarea").input_value() == EDITED_IDEA
    # The table (its version column says 2) and the entry under it.
    learn.get_by_text(re.compile(r"^1 entry for client ")).evaluate(
        "caption => caption.scrollIntoView({block: 'center'})"
    )
    page.screenshot(path=str(ARTIFACTS / "24-playbook-after-report.png"))

    # Leave the shared stack as we found it: forgetting the client deletes its playbook too.
    request = urllib.request.Request(
        f"{running_stack.gateway_url}/api/learn/clients/{client_key(client_name)}",
        method="DELETE",
        headers={"Authorization": f"Bearer {running_stack.admin_token()}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert json.loads(response.read())["playbook_entries_deleted_count"] == 1
