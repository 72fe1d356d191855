"""The Generate tab: the brief, the package, live progress, the report (with per-section rating, rewriting
with an instruction and editing), its version in the report's history, downloads, refinement and rating."""

from __future__ import annotations

import datetime
import queue
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from ui import deliverables, documents, history_tab, understood
from ui.api import GatewayClient, GatewayError
from ui.common import (
    get_obj,
    get_state,
    load_packages,
    make_client,
    say,
    show_error,
    show_message,
    show_said,
    technical_details,
)
from ui.contract import gpb, mpb, rpb
from ui.labels import (
    LEARNING_STATE_WORDS,
    REPORT_STAGE_LABELS,
    RETRIEVAL_SKIPPED_WORDS,
    SOURCE_WORDS,
    VERDICT_WORDS,
    enum_name,
    format_ms,
    format_timings,
    kind_label,
    origin_words,
    rating_badge,
    refused_section,
    retrieval_skipped,
    short_text,
    writers_words,
)

T = TypeVar("T")

OTHER_INDUSTRY = "Other…"
INDUSTRY_PRESETS = (
    "Food & beverage",
    "Coffee & cafés",
    "Retail & e-commerce",
    "Beauty & personal care",
    "Health & wellness",
    "Fitness",
    "B2B software (SaaS)",
    "Consumer technology",
    "Financial services",
    "Education",
    "Travel & hospitality",
    "Real estate",
    "Automotive",
    "Non-profit",
)
INDUSTRY_OPTIONS = ("", *INDUSTRY_PRESETS, OTHER_INDUSTRY)

# Session-state keys. Every widget has one, so what the operator typed survives reruns and failures.
K_CLIENT = "brief_client_name"
K_BRAND = "brief_brand_name"
K_PRODUCT = "brief_product_service"
K_INDUSTRY = "brief_industry"
K_INDUSTRY_OTHER = "brief_industry_other"
K_GEOGRAPHY = "brief_geography"
K_AUDIENCE = "brief_audience"
K_OBJECTIVES = "brief_objectives"
K_BUDGET = "brief_budget"
K_TIMELINE = "brief_timeline"
K_CONSTRAINTS = "brief_constraints"
K_LAUNCH = "brief_launch_date"
K_RAW = "brief_raw_text"
K_USE_LEARNING = "brief_use_learning"
K_UPLOAD = "brief_upload"
K_UPLOAD_MSG = "brief_upload_message"
K_PACKAGE = "gen_package"
K_SUBMIT = "gen_submit"
K_CHECK = "brief_check"
K_RESULT = "gen_result"
K_REQUEST = "gen_request"
K_PROGRESS = "gen_progress"
K_ERROR = "gen_error"
K_ERROR_DETAIL = "gen_error_detail"
K_FEEDBACK = "gen_feedback"
K_REFINE = "gen_refine"
# The report id a refinement wrote (what it did is shown next to the refine box while that report is shown).
K_REFINED_FOR = "gen_refined_report"
K_RATE_CHOICE = "gen_rate_choice"
K_RATE_NOTE = "gen_rate_note"
K_RATE_MSG = "gen_rate_message"
K_RETRY = "gen_retry_learning"
# Per-section widgets and messages (rating, rewriting, editing): f"{SECTION_PREFIX}{what}_{section id}".
# They belong to one report (K_SECTIONS_FOR names it) and are cleared when another report is shown.
SECTION_PREFIX = "gen_sec_"
K_SECTIONS_FOR = "gen_rated_sections_for"
# What the last section rewrite or edit did: (section id, level, text, technical detail). It outlives the
# section widgets (the rewrite shows a new report) and is cleared when a report is generated.
K_REWORK_MSG = "gen_rework_message"
# The shown report's version in its history (rpb.ReportVersion, without text), once known.
K_VERSION = "gen_version"

RATINGS = (mpb.RATING_GOLD, mpb.RATING_WEAK)

# The brief's fields the form fills (ClientBrief field → widget key): where a correction of what AICMO
# understood writes (see ui/understood.py).
FORM_KEYS = {
    "product_service": K_PRODUCT,
    "geography": K_GEOGRAPHY,
    "audience": K_AUDIENCE,
    "objectives": K_OBJECTIVES,
    "budget": K_BUDGET,
    "timeline": K_TIMELINE,
    "constraints": K_CONSTRAINTS,
    "launch_date": K_LAUNCH,
}


def section_key(what: str, section_id: str) -> str:
    """The session-state key of a section's widget or message: what is rating, note, rate or msg (rating);
    instruction or regenerate (rewriting); editing, text, edit_note, save or cancel (editing)."""
    return f"{SECTION_PREFIX}{what}_{section_id}"


def uses_learning(request: gpb.GenerateReportRequest) -> bool:
    """use_learning is optional in the contract: unset means on."""
    return request.use_learning if request.HasField("use_learning") else True


# ---------------------------------------------------------------------------------------------------------
# Progress: sections as they stream, then the report being learned, then done, with the time taken.

# The share of the bar the sections fill; the rest is the report being put together and learned.
WRITING_SHARE = 0.9
# How often the time shown moves on while AICMO is quiet (e.g. while it learns the report).
TICK_SECONDS = 0.5


@dataclass
class Progress:
    """What the last generation showed while it ran (kept so the bar and list stay after it finishes)."""

    label: str = ""
    total: int = 0
    done: list[str] = field(default_factory=list)
    # sending → writing → learning (every section written, the report not yet complete) → complete | error
    state: str = "sending"
    report_id: str = ""
    package: str = ""
    # Whether the report is learned: the wait after the last section is named after what happens in it.
    learning: bool = True
    # Seconds since the brief was sent, and when the last section arrived.
    elapsed: float = 0.0
    sections_done_at: float | None = None
    # How the report's learning ended (LearningState), once complete.
    learning_state: int = gpb.LEARNING_STATE_UNSPECIFIED

    @property
    def fraction(self) -> float:
        if self.state == "complete":
            return 1.0
        return min(len(self.done) / self.total, 1.0) * WRITING_SHARE if self.total else 0.0


def advance(progress: Progress, event: gpb.StreamGenerateReportResponse, elapsed: float) -> None:
    """Progress after one streamed event, `elapsed` seconds after the brief was sent."""
    progress.elapsed = elapsed
    kind = event.WhichOneof("event")
    if kind == "started":
        progress.state = "writing"
        progress.total = len(event.started.sections)
        progress.report_id = event.started.report_id
        progress.package = event.started.package_label
    elif kind == "section_completed":
        done = event.section_completed
        progress.state = "writing"
        progress.total = done.total or progress.total
        progress.done.append(done.section.title)
        if progress.total and len(progress.done) >= progress.total:
            progress.state = "learning"
            progress.sections_done_at = elapsed
    elif kind == "completed":
        progress.state = "complete"
        progress.learning_state = event.completed.learning_state
        progress.total = progress.total or len(event.completed.sections)
    progress.label = progress_label(progress)


def tick(progress: Progress, elapsed: float) -> None:
    """Progress while nothing arrives: the same step, the time moved on."""
    progress.elapsed = elapsed
    progress.label = progress_label(progress)


def progress_label(p: Progress) -> str:
    """What the bar says, in words, always with the time taken so far."""
    clock = f"{p.elapsed:.0f} s"
    if p.state == "sending":
        return f"Sending the brief to AICMO… {clock}"
    if p.state == "writing" and not p.done:
        return f"Writing {p.total} sections of {p.package or 'the report'}… {clock}"
    if p.state == "writing":
        return f"{len(p.done)}/{p.total} sections written · {p.done[-1]} · {clock}"
    if p.state == "learning":
        step = "Learning this report…" if p.learning else "Putting the report together…"
        return f"{step} all {p.total} sections written · {clock}"
    if p.state == "complete":
        label = f"Report ready: {p.total} sections in {p.elapsed:.1f} s"
        if p.learning_state == gpb.LEARNING_STATE_RECORDED and p.sections_done_at is not None:
            label += f" · learned in {p.elapsed - p.sections_done_at:.1f} s"
        elif p.learning_state == gpb.LEARNING_STATE_QUEUED:
            label += " · not learned yet (it waits in the learning queue)"
        return label
    if not p.total:
        return "The report was not started"
    return f"Stopped after {len(p.done)} of {p.total} sections ({clock})"


def with_ticks(events: Iterator[T], every: float) -> Iterator[T | None]:
    """The events as they arrive, and None whenever `every` seconds pass without one, so the page can show
    the time going by while AICMO is quiet. An error from `events` is raised here. The events are read in a
    helper thread (only the script's own thread may draw); when the caller stops early, that thread stops
    after the next event and closes `events`."""
    box: queue.Queue[tuple[str, Any]] = queue.Queue()
    stop = threading.Event()

    def pump() -> None:
        try:
            for event in events:
                box.put(("event", event))
                if stop.is_set():
                    break
            box.put(("end", None))
        except BaseException as exc:  # handed to the caller, who raises it
            box.put(("error", exc))
        finally:
            close = getattr(events, "close", None)
            if callable(close):
                close()

    threading.Thread(target=pump, name="aicmo-progress", daemon=True).start()
    try:
        while True:
            try:
                what, value = box.get(timeout=every)
            except queue.Empty:
                yield None
                continue
            if what == "error":
                raise value
            if what == "end":
                return
            yield value
    finally:
        stop.set()


# ---------------------------------------------------------------------------------------------------------
# Callbacks (run before the script, so they may set widget state).


def _on_brief_upload() -> None:
    uploaded = st.session_state.get(K_UPLOAD)
    if uploaded is None:
        return
    try:
        text = documents.read_upload(uploaded.name, uploaded.getvalue())
    except documents.DocumentError as exc:
        say(K_UPLOAD_MSG, "error", str(exc))
        return
    st.session_state[K_RAW] = text
    say(
        K_UPLOAD_MSG,
        "success",
        f"Read {len(text):,} characters from {uploaded.name} into the brief text below; see “Brief as "
        "understood” for what AICMO reads from it.",
    )
    # What AICMO understands from the document is shown straight away, for the operator to check.
    understood.request_check("upload")


def _rating_failure(
    exc: GatewayError, result: gpb.GenerateReportResponse | None, what: str
) -> tuple[str, str, str]:
    """What to say when rating `what` ("the report", "this section") failed: level, text, detail."""
    if exc.kind != "not_found":
        return ("error", str(exc), exc.detail)
    state = result.learning_state if result is not None else gpb.LEARNING_STATE_UNSPECIFIED
    if state == gpb.LEARNING_STATE_QUEUED:
        return (
            "warning",
            "This report is still waiting to be learned: the memory service was not reachable when it was "
            "written, so it is queued and will be learned when the memory service is back. Try rating "
            f"{what} again in a moment. (If it stays like this, see “Learning queue” in the Learn tab.)",
            exc.detail,
        )
    if state == gpb.LEARNING_STATE_RECORDED:
        return (
            "warning",
            f"{what[:1].upper()}{what[1:]} is no longer in memory: it was deleted, or its client was "
            "forgotten, so there is nothing to rate.",
            exc.detail,
        )
    return (
        "warning",
        f"{what[:1].upper()}{what[1:]} is not in memory (yet): it may still be waiting to be learned, or it "
        "was deleted. Try again in a moment.",
        exc.detail,
    )


def _client_words(request: gpb.GenerateReportRequest | None) -> str:
    name = request.client_brief.client_name if request is not None else ""
    return name or "this client"


def _on_rate_report() -> None:
    result = get_obj(K_RESULT, gpb.GenerateReportResponse)
    if result is None or not result.learned_item_id:
        return
    request = get_obj(K_REQUEST, gpb.GenerateReportRequest)
    verdict = get_state(K_RATE_CHOICE, mpb.RATING_GOLD)
    note = get_state(K_RATE_NOTE, "").strip()
    client = make_client()
    try:
        rated = client.rate_item(result.learned_item_id, verdict, note)
    except GatewayError as exc:
        say(K_RATE_MSG, *_rating_failure(exc, result, "the report"))
        return
    finally:
        client.close()
    count = rated.rated_count
    if count > 1:
        how_many = f" — {count} items: the report and its {count - 1} section{'s' if count != 2 else ''}"
    elif count == 1:
        how_many = " — 1 item"
    else:
        how_many = ""
    final = rated.item.verdict or verdict
    say(
        K_RATE_MSG,
        "success",
        f"Rated the whole report {VERDICT_WORDS[final]} ({rating_badge(final)}){how_many}"
        + (f", with the note “{note}”" if note else "")
        + f". Later reports for {_client_words(request)} with similar briefs will "
        + ("lean on it more." if final == mpb.RATING_GOLD else "lean on it less."),
    )


def _on_rate_section(section_id: str, item_id: str, title: str) -> None:
    result = get_obj(K_RESULT, gpb.GenerateReportResponse)
    verdict = get_state(section_key("rating", section_id), mpb.RATING_GOLD)
    note = get_state(section_key("note", section_id), "").strip()
    client = make_client()
    try:
        rated = client.rate_item(item_id, verdict, note)
    except GatewayError as exc:
        say(section_key("msg", section_id), *_rating_failure(exc, result, "this section"))
        return
    finally:
        client.close()
    final = rated.item.verdict or verdict
    say(
        section_key("msg", section_id),
        "success",
        f"Rated the section “{title}” {VERDICT_WORDS[final]} ({rating_badge(final)})"
        + (f", with the note “{note}”" if note else "")
        + ". Later sections like it will "
        + ("lean on it more." if final == mpb.RATING_GOLD else "lean on it less."),
    )


# ---------------------------------------------------------------------------------------------------------
# Rendering.


def render(client: GatewayClient) -> None:
    st.subheader("Client brief")
    _render_upload()
    packages, packages_error = load_packages(client)
    package = _render_package_select(packages, packages_error)
    submitted, check = _render_brief_form()
    current, incomplete = _brief_from_state()
    understood.render_panel(client, current, check=check, form_keys=FORM_KEYS)
    progress_area = st.container()
    brief, problem = (current, incomplete) if submitted else (None, "")
    if submitted and not problem and package is None:
        problem = str(packages_error) if packages_error else "Choose a package to generate a report."
    if brief is not None and package is not None and not problem:
        request = gpb.GenerateReportRequest(
            client_brief=brief,
            package_key=package.key,
            report_stage=gpb.REPORT_STAGE_DRAFT,
            use_learning=get_state(K_USE_LEARNING, True),
        )
        _run_generation(client, request, progress_area)
    else:
        if problem:
            st.session_state[K_ERROR] = problem
            st.session_state[K_ERROR_DETAIL] = ""
        _render_last_progress(progress_area)
    _render_error()
    result = get_obj(K_RESULT, gpb.GenerateReportResponse)
    if result is not None:
        _render_result(client, result)


def _render_error() -> None:
    error = get_state(K_ERROR, "")
    if error:
        st.error(error, icon=":material/error:")
        technical_details(get_state(K_ERROR_DETAIL, ""))


def _render_upload() -> None:
    st.file_uploader(
        "Upload a brief (.txt, .md, .pdf or .docx): its text fills the brief text below",
        type=list(documents.SUPPORTED_UPLOADS),
        key=K_UPLOAD,
        on_change=_on_brief_upload,
        max_upload_size=documents.MAX_UPLOAD_MB,
    )
    show_message(K_UPLOAD_MSG)


def _render_package_select(packages: list[gpb.Package], error: GatewayError | None) -> gpb.Package | None:
    if error is not None:
        show_error(error, "The package list")
    by_key = {p.key: p for p in packages}
    keys = list(by_key)
    if keys and get_state(K_PACKAGE, "") not in by_key:
        default = "strategy_campaign_standard"
        st.session_state[K_PACKAGE] = default if default in by_key else keys[0]
    chosen = st.selectbox(
        "Package",
        options=keys,
        format_func=lambda key: (
            f"{by_key[key].label} — {by_key[key].section_count} sections" if key in by_key else str(key)
        ),
        key=K_PACKAGE,
        placeholder="No packages (AICMO is not answering)" if not keys else "Choose a package",
        help="Choosing a package turns on every agency-grade service (plan, blueprint, calendar, creatives).",
    )
    package = by_key.get(str(chosen)) if chosen is not None else None
    if package is not None:
        with st.expander(f"Sections in {package.label} ({package.section_count})"):
            st.markdown("\n".join(f"{i}. {s.title}" for i, s in enumerate(package.sections, start=1)))
    return package


def _render_brief_form() -> tuple[bool, bool]:
    """The brief form; (generate, check the brief) as the operator pressed them."""
    with st.form("brief_form", border=True):
        left, right = st.columns(2)
        with left:
            st.text_input("Client name *", key=K_CLIENT, placeholder="e.g. Northwind Coffee Co.")
            st.text_input(
                "Product or service", key=K_PRODUCT, placeholder="e.g. specialty coffee subscription"
            )
            st.selectbox(
                "Industry",
                options=INDUSTRY_OPTIONS,
                key=K_INDUSTRY,
                format_func=lambda v: v or "(choose an industry)",
            )
            st.text_input(
                "Other industry (used when “Other…” is chosen)",
                key=K_INDUSTRY_OTHER,
                placeholder="e.g. Pet care",
            )
            st.text_input("Geography", key=K_GEOGRAPHY, placeholder="e.g. Seattle and Portland")
            st.text_input("Budget", key=K_BUDGET, placeholder="e.g. $50,000 or €20k/month")
        with right:
            st.text_input("Brand *", key=K_BRAND, placeholder="e.g. Northwind")
            st.text_area("Audience", key=K_AUDIENCE, height=68, placeholder="Who should the campaign reach?")
            st.text_area("Objectives", key=K_OBJECTIVES, height=68, placeholder="What must it achieve?")
            st.text_input("Timeline", key=K_TIMELINE, placeholder="e.g. 8 weeks, Q3 2026")
            st.date_input(
                "Launch date (optional)",
                value=None,
                min_value=datetime.date(2000, 1, 1),
                max_value=datetime.date(2100, 12, 31),
                format="YYYY-MM-DD",
                key=K_LAUNCH,
            )
        st.text_area(
            "Constraints", key=K_CONSTRAINTS, height=68, placeholder="Legal, brand or channel limits"
        )
        st.text_area(
            "Brief text (free text; an uploaded brief lands here)",
            key=K_RAW,
            height=150,
        )
        st.checkbox(
            "Learn: use what was learned before, and record this report",
            value=True,
            key=K_USE_LEARNING,
        )
        with st.container(horizontal=True, gap="small"):
            generate = st.form_submit_button("Generate report", type="primary", key=K_SUBMIT)
            check = st.form_submit_button(
                "Check the brief",
                key=K_CHECK,
                icon=":material/fact_check:",
                help="Shows what AICMO understands from the form and the brief text, before generating. "
                "Nothing is generated or learned.",
            )
        return generate, check


def _brief_from_state() -> tuple[gpb.ClientBrief, str]:
    """The brief from the form's state, and a problem to show instead of generating ("" if none)."""

    def text(key: str) -> str:
        return get_state(key, "").strip()

    industry = text(K_INDUSTRY)
    if industry == OTHER_INDUSTRY:
        industry = text(K_INDUSTRY_OTHER)
    launch = st.session_state.get(K_LAUNCH)
    brief = gpb.ClientBrief(
        client_name=text(K_CLIENT),
        brand_name=text(K_BRAND),
        product_service=text(K_PRODUCT),
        industry=industry,
        geography=text(K_GEOGRAPHY),
        audience=text(K_AUDIENCE),
        objectives=text(K_OBJECTIVES),
        budget=text(K_BUDGET),
        timeline=text(K_TIMELINE),
        constraints=text(K_CONSTRAINTS),
        raw_brief_text=text(K_RAW),
        launch_date=launch.isoformat() if isinstance(launch, datetime.date) else "",
    )
    extra = understood.extra_fields()
    if extra:
        # Facts the operator corrected that have no form field (competitors, events, tone, ...).
        brief.metadata.update(extra)
    missing = [
        label
        for label, value in (("Client name", brief.client_name), ("Brand", brief.brand_name))
        if not value
    ]
    if missing:
        return brief, f"Fill in {' and '.join(missing)} to generate a report."
    if get_state(K_INDUSTRY, "") == OTHER_INDUSTRY and not industry:
        return brief, "Type the industry in “Other industry”, or pick one from the list."
    return brief, ""


def _done_lines(done: list[str]) -> str:
    """Completed sections, one per line: "✓ 1. Overview"."""
    return "  \n".join(f"✓ {i}. {title}" for i, title in enumerate(done, start=1))


def _render_done_list(progress: Progress) -> None:
    label = f"Sections written: {len(progress.done)} of {progress.total}"
    with st.expander(label, expanded=False, icon=":material/checklist:"):
        st.markdown(_done_lines(progress.done) or "No section was completed.")


def _run_generation(client: GatewayClient, request: gpb.GenerateReportRequest, area: DeltaGenerator) -> None:
    """Streams one generation into `area`: a progress bar that says what is happening and for how long, and
    the section names as they complete."""
    st.session_state[K_ERROR] = ""
    st.session_state[K_ERROR_DETAIL] = ""
    progress = Progress(learning=uses_learning(request))
    progress.label = progress_label(progress)
    st.session_state[K_PROGRESS] = progress
    started_at = time.monotonic()
    with area:
        bar = st.progress(0.0, text=progress.label)
        done_box = st.empty()
    try:
        for event in with_ticks(client.stream_generate_report(request), TICK_SECONDS):
            elapsed = time.monotonic() - started_at
            if event is None:
                tick(progress, elapsed)
                bar.progress(progress.fraction, text=progress.label)
                continue
            advance(progress, event, elapsed)
            bar.progress(progress.fraction, text=progress.label)
            kind = event.WhichOneof("event")
            if kind == "section_completed":
                done_box.markdown(_done_lines(progress.done))
            elif kind == "completed":
                with done_box.container():
                    _render_done_list(progress)
                st.session_state[K_RESULT] = event.completed
                st.session_state[K_REQUEST] = request
                if request.report_stage == gpb.REPORT_STAGE_REFINE:
                    st.session_state[K_REFINED_FOR] = event.completed.report_id
                st.session_state[K_RATE_MSG] = None
                st.session_state[K_REWORK_MSG] = None
    except GatewayError as exc:
        progress.state = "error"
        progress.elapsed = time.monotonic() - started_at
        progress.label = progress_label(progress)
        bar.progress(progress.fraction, text=progress.label)
        with done_box.container():
            if progress.done:
                _render_done_list(progress)
        st.session_state[K_ERROR] = str(exc)
        st.session_state[K_ERROR_DETAIL] = exc.detail


def _render_last_progress(area: DeltaGenerator) -> None:
    progress = get_obj(K_PROGRESS, Progress)
    if progress is None or not progress.label:
        return
    if progress.state not in ("complete", "error"):
        # A rerun while streaming (the operator used the page) stops the live view; the server goes on.
        progress.state = "error"
        progress.label = f"Live view stopped after {len(progress.done)} of {progress.total} sections"
        st.session_state[K_ERROR] = (
            "The page was used while the report was being written, which stopped the live view here. "
            "AICMO still finishes and learns that report (see the Learn tab); generate again to see a "
            "report here."
        )
        st.session_state[K_ERROR_DETAIL] = ""
    with area:
        st.progress(min(progress.fraction, 1.0), text=progress.label)
        if progress.done:
            _render_done_list(progress)


def _render_result(client: GatewayClient, result: gpb.GenerateReportResponse) -> None:
    request = get_obj(K_REQUEST, gpb.GenerateReportRequest)
    brief = request.client_brief if request else gpb.ClientBrief()
    _reset_section_widgets(result)
    st.divider()
    total = result.timings.get("total_ms")
    facts = [
        f"Written by {writers_words(result)}",
        REPORT_STAGE_LABELS.get(request.report_stage, "Draft") if request else "",
        f"learning: {LEARNING_STATE_WORDS.get(result.learning_state, 'not reported')}",
        f"took {format_ms(total)}" if total else "",
    ]
    st.caption(" · ".join(f for f in facts if f))
    version = shown_version(client, result)
    _render_version_line(result, version, brief)
    _render_learning_state(client, result, request)
    _render_warnings(result)

    _render_learned_from(result)
    understood.render_for_report(result)
    _render_technical(result)

    cover = deliverables.deliverable(
        client=brief.client_name, brand=brief.brand_name, package=result.package_label
    )
    stem = deliverables.file_stem(brief.brand_name, brief.client_name, result.package_key)
    if version is not None:
        stem += f"-v{version.version}"
    deliverables.download_buttons(result.report_markdown, cover, stem, "gen_download")

    with st.container(border=True, key="gen_report_box"):
        _render_report(client, result, version)

    _render_refine(client, result)
    _render_rate(result)


def _render_warnings(result: gpb.GenerateReportResponse) -> None:
    """What the operator should know about the report; a model-written section refused for breaking a rule of
    the brief is said in words (which section, which rule, who wrote it instead)."""
    titles = {s.id: s.title for s in result.sections}
    for warning in result.warnings:
        if warning in result.learning_detail:
            continue
        refused = refused_section(warning)
        if refused is None:
            st.warning(warning)
            continue
        section_id, broken = refused
        title = titles.get(section_id, section_id)
        st.warning(
            f"The language model's text for “{title}” was refused: it "
            + ("; it ".join(broken) or "broke a rule of the brief")
            + ". AICMO's built-in writer wrote that section instead, within the brief's rules.",
            icon=":material/gavel:",
        )


def _render_technical(result: gpb.GenerateReportResponse) -> None:
    """The report's ids, states, timings and the scores of what informed it, for whoever runs AICMO."""
    lines = [
        f"Report id `{result.report_id}`",
        f"Learned as item `{result.learned_item_id}`" if result.learned_item_id else "",
        f"Mode {enum_name(gpb.GenerationMode, result.mode)} · "
        f"{enum_name(gpb.LearningState, result.learning_state)} · "
        f"{enum_name(gpb.RetrievalState, result.retrieval_state)}",
        f"Timings: {format_timings(dict(result.timings))}" if result.timings else "",
    ]
    seen: set[str] = set()
    for section in result.sections:
        for lf in section.learned_from:
            if lf.item_id not in seen:
                seen.add(lf.item_id)
                lines.append(
                    f"Informed by “{lf.title}” (`{lf.item_id}`): score {lf.score:.2f}, "
                    f"similarity {lf.similarity:.2f}"
                )
    technical_details(*lines, label="Technical details of this report")


def _reset_section_widgets(result: gpb.GenerateReportResponse) -> None:
    """Section rating widgets and messages start afresh for each report (before any of them is drawn)."""
    if get_state(K_SECTIONS_FOR, "") == result.report_id:
        return
    for key in [k for k in st.session_state if str(k).startswith(SECTION_PREFIX)]:
        del st.session_state[key]
    st.session_state[K_SECTIONS_FOR] = result.report_id


def _learning_words(result: gpb.GenerateReportResponse, client_name: str) -> tuple[str, str] | None:
    """What happened to this report's learning, from learning_state: (level, sentence), or None."""
    if result.learning_state == gpb.LEARNING_STATE_RECORDED:
        return (
            "success",
            f"Learned: this report and its sections are stored in memory. Later reports for {client_name} "
            "can learn from them, and you can rate them now.",
        )
    if result.learning_state == gpb.LEARNING_STATE_QUEUED:
        return (
            "warning",
            "Not learned yet: the memory service could not take this report, so it waits in the learning "
            "queue. It will be learned when the memory service is back; rating works once it is learned.",
        )
    if result.learning_state == gpb.LEARNING_STATE_OFF:
        return (
            "info",
            "Not learned: learning was turned off for this report, so it was written without past "
            "learning, is not stored in memory, and cannot be rated.",
        )
    return None


def _render_learning_state(
    client: GatewayClient, result: gpb.GenerateReportResponse, request: gpb.GenerateReportRequest | None
) -> None:
    """The report's learning and retrieval states in words, and the offer to retry with learning."""
    client_name = _client_words(request)
    said = _learning_words(result, client_name)
    if said is not None:
        level, text = said
        show_said(level, text)
    if result.retrieval_state == gpb.RETRIEVAL_STATE_OFF and result.learning_state != gpb.LEARNING_STATE_OFF:
        st.info("This report was written without past learning: looking up past work was turned off.")
    if retrieval_skipped(result):
        why = RETRIEVAL_SKIPPED_WORDS.get(result.retrieval_state, "past work could not be looked up")
        st.warning(
            f"This report was written without past learning: {why}, so nothing {client_name} or the agency "
            "library learned before shaped it. Retry to write it again with past learning"
            + (
                " once the memory service is back."
                if result.retrieval_state == gpb.RETRIEVAL_STATE_SKIPPED_UNAVAILABLE
                else "."
            ),
            icon=":material/history_toggle_off:",
        )
        if st.button("Retry with learning", key=K_RETRY, icon=":material/autorenew:"):
            if request is None:
                st.session_state[K_ERROR] = "Generate a report first."
            else:
                # The same brief, package and stage, with learning on; a new report (and report id).
                retry = gpb.GenerateReportRequest()
                retry.CopyFrom(request)
                retry.use_learning = True
                retry.report_id = ""
                # Written again, it is the report's next version.
                retry.history_id = result.history_id
                _regenerate(client, retry)
    if result.learning_detail:
        st.caption(f"Learning detail from AICMO: {result.learning_detail}")


_SECTION_HEADING = re.compile(r"^## ", re.MULTILINE)


def shown_version(client: GatewayClient, result: gpb.GenerateReportResponse) -> rpb.ReportVersion | None:
    """The shown report's version in its history (number, stage, origin, changed sections), or None while
    it is not in the history (its learning waits in the queue) or the history cannot be reached."""
    cached = get_obj(K_VERSION, rpb.ReportVersion)
    if cached is not None and cached.report_id == result.report_id:
        return cached
    if not result.history_id:
        return None
    try:
        versions = client.list_report_versions(result.history_id)
    except GatewayError:
        return None
    found = next((v for v in versions if v.report_id == result.report_id), None)
    if found is not None:
        st.session_state[K_VERSION] = found
    return found


def _render_version_line(
    result: gpb.GenerateReportResponse, version: rpb.ReportVersion | None, brief: gpb.ClientBrief
) -> None:
    """Which version of the report this is, and the way to all of its versions (the History tab)."""
    if not result.history_id:
        return
    cols = st.columns([5, 1], vertical_alignment="center")
    if version is not None:
        cols[0].caption(
            f"Version {version.version} of this report · {origin_words(version)}. Every version is kept in "
            "the History tab, where you can open, download and compare them."
        )
    elif result.learning_state == gpb.LEARNING_STATE_QUEUED:
        cols[0].caption(
            "This version joins the report's history (the History tab) once AICMO has learned it."
        )
    else:
        cols[0].caption("This version is not in the report's history yet; see the History tab.")
    label = f"{brief.brand_name} — {result.package_label}".strip(" —")
    cols[1].button(
        "Show in History",
        key="gen_show_history",
        icon=":material/history:",
        on_click=_on_show_history,
        args=(result.history_id, f"{label} · {brief.client_name}" if brief.client_name else label),
        help="Selects this report in the History tab: open that tab to see, download and compare its versions.",
    )
    show_message("gen_show_history_msg")


def _on_show_history(history_id: str, label: str) -> None:
    history_tab.select_report(history_id, label)
    say(
        "gen_show_history_msg",
        "info",
        "This report is open in the History tab: switch to that tab to see all of its versions.",
    )


def _render_report(
    client: GatewayClient, result: gpb.GenerateReportResponse, version: rpb.ReportVersion | None
) -> None:
    """The report as the client gets it, section by section, each with its tools below it: rate it, write
    it again with an instruction, edit its text."""
    markdown = result.report_markdown
    first = _SECTION_HEADING.search(markdown)
    if not result.sections or first is None:
        # Not in the usual shape (a heading part, then "## Title" per section): show it whole.
        st.markdown(markdown)
        for section in result.sections:
            st.markdown(f"**{section.title}**")
            _render_section_tools(client, result, section, version)
        return
    heading = markdown[: first.start()].strip()
    if heading:
        st.markdown(heading)
    changed = _reworked_sections(version)
    for section in result.sections:
        if get_state(section_key("editing", section.id), False):
            _render_section_editor(client, result, section, version)
            continue
        st.markdown(f"## {section.title}\n\n{section.markdown.strip()}")
        if section.written_by == gpb.GENERATION_MODE_OPERATOR:
            st.caption(
                ":material/edit_note: Your text: this is what AICMO learns for this section (and what a "
                "gold rating keeps)."
            )
        elif section.id in changed:
            st.caption(":material/autorenew: Written again in this version.")
        _render_section_tools(client, result, section, version)


def _reworked_sections(version: rpb.ReportVersion | None) -> set[str]:
    """The sections a section rewrite or edit changed in this version (none for a whole new version)."""
    if version is None or version.origin == rpb.VERSION_ORIGIN_GENERATED:
        return set()
    return {s.section_id for s in version.sections if s.changed}


def _rateable(result: gpb.GenerateReportResponse, section: gpb.ReportSection) -> bool:
    return bool(section.learned_item_id) and result.learning_state != gpb.LEARNING_STATE_OFF


def _render_section_tools(
    client: GatewayClient,
    result: gpb.GenerateReportResponse,
    section: gpb.ReportSection,
    version: rpb.ReportVersion | None,
) -> None:
    """Under a section: rate it, write it again with an instruction, edit its text; then what they did."""
    no_history = (
        "" if result.history_id else "This report has no history in AICMO, so it cannot be changed here."
    )
    with st.container(horizontal=True, gap="small", key=section_key("tools", section.id)):
        if _rateable(result, section):
            _render_section_rating(section)
        with st.popover(
            "Regenerate with an instruction", icon=":material/autorenew:", disabled=bool(no_history)
        ):
            st.text_area(
                f"What should change in “{section.title}”?",
                key=section_key("instruction", section.id),
                placeholder="e.g. Focus on Instagram and TikTok, and add a weekly posting rhythm.",
                height=100,
            )
            st.caption("Only this section is written again; the other sections stay as they are.")
            if st.button(
                "Write this section again", key=section_key("regenerate", section.id), type="primary"
            ):
                _regenerate_section(client, result, section, version)
        st.button(
            "Edit text",
            key=section_key("edit", section.id),
            icon=":material/edit:",
            on_click=_on_start_edit,
            args=(section.id, section.markdown),
            disabled=bool(no_history),
            help=no_history
            or "Change this section's text yourself; it is saved as the report's next version.",
        )
    show_message(section_key("msg", section.id))
    _show_rework_message(section.id)


def _show_rework_message(section_id: str) -> None:
    said = st.session_state.get(K_REWORK_MSG)
    if isinstance(said, tuple) and len(said) == 4 and said[0] == section_id:
        _, level, text, detail = said
        show_said(level, text, detail)


def _on_start_edit(section_id: str, markdown: str) -> None:
    st.session_state[section_key("editing", section_id)] = True
    st.session_state[section_key("text", section_id)] = markdown.strip()
    st.session_state[section_key("edit_note", section_id)] = ""


def _on_cancel_edit(section_id: str) -> None:
    st.session_state[section_key("editing", section_id)] = False


def _render_section_editor(
    client: GatewayClient,
    result: gpb.GenerateReportResponse,
    section: gpb.ReportSection,
    version: rpb.ReportVersion | None,
) -> None:
    """The section's text in place, editable (markdown, no heading); saving makes the report's next version."""
    st.markdown(f"## {section.title}")
    with st.container(border=True, key=section_key("editor", section.id)):
        text_key = section_key("text", section.id)
        if text_key not in st.session_state:
            st.session_state[text_key] = section.markdown.strip()
        st.text_area(
            f"Text of “{section.title}” (Markdown: **bold**, - lists, | tables |)",
            key=text_key,
            height=320,
        )
        st.text_input(
            "What did you change? (optional, shown in the report's history)",
            key=section_key("edit_note", section.id),
            placeholder="e.g. Corrected the budget split and the launch date.",
        )
        st.caption(
            "Saving keeps your text as the report's next version. From then on your text is what AICMO learns "
            "for this section, and what a gold rating keeps."
        )
        with st.container(horizontal=True, gap="small"):
            save = st.button(
                "Save as new version",
                key=section_key("save", section.id),
                type="primary",
                icon=":material/save:",
            )
            st.button(
                "Cancel", key=section_key("cancel", section.id), on_click=_on_cancel_edit, args=(section.id,)
            )
        if save:
            _save_section_edit(client, result, section, version)
    show_message(section_key("msg", section.id))
    _show_rework_message(section.id)


def _not_in_history_yet(
    result: gpb.GenerateReportResponse,
    section: gpb.ReportSection,
    version: rpb.ReportVersion | None,
    what: str,
) -> bool:
    """Says so (under the section) when the shown version is not in its history yet, so that nothing is
    built on another version by mistake."""
    if version is not None:
        return False
    if result.learning_state == gpb.LEARNING_STATE_QUEUED:
        why = "this report is still waiting to be learned, and it joins its history then"
    else:
        why = "this version is not in the report's history yet (or the history cannot be reached right now)"
    st.session_state[K_REWORK_MSG] = (
        section.id,
        "warning",
        f"{what} is not possible yet: {why}. Try again in a moment.",
        f"No version of history {result.history_id} has report id {result.report_id}.",
    )
    return True


def _rework_failure(exc: GatewayError, result: gpb.GenerateReportResponse, what: str) -> tuple[str, str]:
    """What to say when a section could not be written again or saved: level, text."""
    if exc.kind == "not_found" and result.learning_state == gpb.LEARNING_STATE_QUEUED:
        return (
            "warning",
            f"{what} is not possible yet: this report is still waiting to be learned, and it joins its history "
            "then. Try again in a moment.",
        )
    if exc.kind == "not_found":
        return (
            "warning",
            f"{what} did not work: this report is no longer in its history (it may have been removed with its "
            "client). Generate it again.",
        )
    return ("error", str(exc))


def _regenerate_section(
    client: GatewayClient,
    result: gpb.GenerateReportResponse,
    section: gpb.ReportSection,
    version: rpb.ReportVersion | None,
) -> None:
    """RegenerateSection from the shown version; the new version is then shown."""
    instruction = get_state(section_key("instruction", section.id), "").strip()
    if _not_in_history_yet(result, section, version, f"Writing “{section.title}” again") or version is None:
        return
    request = gpb.RegenerateSectionRequest(
        history_id=result.history_id,
        version=version.version,
        section_id=section.id,
        instruction=instruction,
    )
    with st.spinner(f"Writing “{section.title}” again…", show_time=True):
        try:
            new = client.regenerate_section(request)
        except GatewayError as exc:
            level, text = _rework_failure(exc, result, f"Writing “{section.title}” again")
            st.session_state[K_REWORK_MSG] = (section.id, level, text, exc.detail)
            return
    number = _new_version_words(client, new)
    _show_new_report(new, (section.id, *_instruction_outcome(section.title, instruction, number, new), ""))


def _instruction_outcome(
    title: str, instruction: str, number: str, new: gpb.GenerateReportResponse
) -> tuple[str, str]:
    """The level and words of what a rewrite with an instruction did: success only for what was applied;
    what could not be applied is said, with the reason, and an instruction that changed nothing is too."""
    written = f"Wrote “{title}” again: this is {number} of the report. The other sections are unchanged."
    if not instruction:
        return "success", written
    applied = "".join(f"\n- Applied: {line}" for line in new.refine_applied)
    refused = "".join(f"\n- Not applied: {line}" for line in new.refine_unapplied)
    if new.refine_unapplied:
        return "warning", f"{written}{applied}{refused}"
    if not new.refine_applied:
        return (
            "warning",
            f"{written}\n- Your instruction “{short_text(instruction, 80)}” was not read as a change to the plan; "
            "the section was written again as it stands.",
        )
    return "success", f"{written}{applied}"


def _save_section_edit(
    client: GatewayClient,
    result: gpb.GenerateReportResponse,
    section: gpb.ReportSection,
    version: rpb.ReportVersion | None,
) -> None:
    """EditSection with the operator's text; the new version is then shown."""
    text = get_state(section_key("text", section.id), "").strip()
    note = get_state(section_key("edit_note", section.id), "").strip()
    if not text:
        say(
            section_key("msg", section.id),
            "warning",
            "The text is empty: write the section's text, or cancel to keep it as it is.",
        )
        return
    if text == section.markdown.strip():
        say(section_key("msg", section.id), "info", "Nothing changed: the text is the same as before.")
        return
    if (
        _not_in_history_yet(result, section, version, f"Saving your text for “{section.title}”")
        or version is None
    ):
        return
    request = gpb.EditSectionRequest(
        history_id=result.history_id,
        version=version.version,
        section_id=section.id,
        markdown=text,
        note=note,
    )
    with st.spinner("Saving your text…"):
        try:
            new = client.edit_section(request)
        except GatewayError as exc:
            level, message = _rework_failure(exc, result, f"Saving your text for “{section.title}”")
            st.session_state[K_REWORK_MSG] = (section.id, level, message, exc.detail)
            return
    number = _new_version_words(client, new)
    _show_new_report(
        new,
        (
            section.id,
            "success",
            f"Saved your text for “{section.title}” as {number} of the report. Your text is what AICMO learns "
            "for this section from now on, and what a gold rating keeps.",
            "",
        ),
    )


def _new_version_words(client: GatewayClient, new: gpb.GenerateReportResponse) -> str:
    """ "version 4" once the new version is in the history, else "the next version" (and when it joins)."""
    version = shown_version(client, new)
    if version is not None:
        return f"version {version.version}"
    if new.learning_state == gpb.LEARNING_STATE_QUEUED:
        return "the next version (it joins the report's history once AICMO has learned it)"
    return "the next version"


def _show_new_report(new: gpb.GenerateReportResponse, message: tuple[str, str, str, str]) -> None:
    st.session_state[K_RESULT] = new
    st.session_state[K_REWORK_MSG] = message
    st.session_state[K_RATE_MSG] = None
    st.rerun()


def _render_section_rating(section: gpb.ReportSection) -> None:
    with st.popover("Rate this section", icon=":material/star_rate:"):
        st.radio(
            f"Rating for “{section.title}”",
            options=list(RATINGS),
            format_func=lambda verdict: VERDICT_WORDS.get(verdict, str(verdict)),
            key=section_key("rating", section.id),
            horizontal=True,
        )
        st.text_input(
            "Note (optional)",
            key=section_key("note", section.id),
            placeholder="What makes this section gold or weak?",
        )
        st.button(
            "Save section rating",
            key=section_key("rate", section.id),
            on_click=_on_rate_section,
            args=(section.id, section.learned_item_id, section.title),
        )


def _regenerate(client: GatewayClient, request: gpb.GenerateReportRequest) -> None:
    """Generates again from a button in the result (refine, retry), then shows the new report."""
    _run_generation(client, request, st.container())
    if get_state(K_ERROR, ""):
        _render_error()
    else:
        st.rerun()


def _learned_from_line(lf: gpb.LearnedFrom) -> str:
    where = SOURCE_WORDS.get(lf.source, "")
    facts = [f"from {where}" if where else "", kind_label(lf.kind), rating_badge(lf.verdict)]
    return f"- {lf.title or 'an untitled item'} — " + ", ".join(f for f in facts if f)


def _render_learned_from(result: gpb.GenerateReportResponse) -> None:
    """Provenance for the operator (what informed each section, revision notes); never in the report."""
    used = [s for s in result.sections if s.learned_from]
    revised = [s for s in result.sections if s.revision_notes]
    count = len({lf.item_id for s in used for lf in s.learned_from})
    if retrieval_skipped(result):
        label = "Learned from: nothing — this report was written without past learning"
    else:
        label = (
            f"Learned from: {count} past item{'s' if count != 1 else ''} informed {len(used)} of "
            f"{len(result.sections)} sections"
        )
    if result.playbook_applied:
        label += " · the client playbook"
    if revised:
        label += f" · revision notes on {len(revised)} section{'s' if len(revised) != 1 else ''}"
    with st.expander(label, expanded=False):
        st.caption("For you only: none of this is printed in the report or its downloads.")
        if result.playbook_applied:
            st.markdown(
                "**From the client playbook and approved past work:**\n"
                + "\n".join(f"- {line}" for line in result.playbook_applied)
            )
        if not used and not revised:
            st.markdown(
                "No past items were quoted or adapted in this report: memory had nothing similar and approved "
                "enough yet, or learning was off."
                if not result.playbook_applied
                else "No single past item was quoted or adapted; the decisions above shaped the plan."
            )
            return
        sources: dict[int, set[str]] = {}
        for section in used:
            for lf in section.learned_from:
                sources.setdefault(lf.source, set()).add(lf.item_id)
        summary = [
            f"{len(sources[source])} from {words}"
            for source, words in SOURCE_WORDS.items()
            if source in sources
        ]
        if summary:
            st.caption("Past items used: " + " · ".join(summary) + ".")
        lines: list[str] = []
        for section in result.sections:
            if not section.learned_from and not section.revision_notes:
                continue
            lines.append(f"**{section.title}**")
            lines += [_learned_from_line(lf) for lf in section.learned_from]
            if section.revision_notes:
                lines.append("")
                lines.append("*Revision notes:*")
                lines += [f"- {note}" for note in section.revision_notes]
            lines.append("")
        st.markdown("\n".join(lines))


def _render_refine(client: GatewayClient, result: gpb.GenerateReportResponse) -> None:
    st.markdown("#### Refine")
    request = get_obj(K_REQUEST, gpb.GenerateReportRequest)
    refined = bool(result.refine_applied or result.refine_unapplied) or (
        bool(result.report_id) and result.report_id == get_state(K_REFINED_FOR, "")
    )
    if not refined:
        _render_refine_box(client, result)
        return
    # The refine box, and next to it what the refinement that wrote this version did.
    box, outcome = st.columns([3, 2])
    with box:
        _render_refine_box(client, result)
    with outcome:
        _render_refine_outcome(result, request)


def _render_refine_outcome(
    result: gpb.GenerateReportResponse, request: gpb.GenerateReportRequest | None
) -> None:
    """What the last refinement's feedback changed, and what it could not apply and why (for the operator;
    never in the report)."""
    with st.container(border=True, key="gen_refine_outcome"):
        feedback = request.feedback.strip() if request is not None else ""
        st.markdown("**What your feedback did**")
        if feedback:
            st.caption(f"Feedback: “{short_text(feedback, 160)}”")
        if result.refine_applied:
            st.success(
                "Changed in this version:\n" + "\n".join(f"- {line}" for line in result.refine_applied),
                icon=":material/done_all:",
            )
        if result.refine_unapplied:
            st.warning(
                "Could not be applied, and why:\n"
                + "\n".join(f"- {line}" for line in result.refine_unapplied),
                icon=":material/block:",
            )
        if not result.refine_applied and not result.refine_unapplied:
            st.caption(
                "AICMO did not say what the feedback changed; compare the versions in the History tab."
            )


def _render_refine_box(client: GatewayClient, result: gpb.GenerateReportResponse) -> None:
    st.text_area(
        "Feedback for the next draft",
        key=K_FEEDBACK,
        placeholder="e.g. Make the tone more premium and add a loyalty programme.",
    )
    if st.button("Regenerate with feedback", key=K_REFINE):
        request = get_obj(K_REQUEST, gpb.GenerateReportRequest)
        feedback = get_state(K_FEEDBACK, "").strip()
        if request is None:
            st.session_state[K_ERROR] = "Generate a report first."
        elif not feedback:
            st.warning("Write some feedback first: it tells AICMO what to change.")
        else:
            refine = gpb.GenerateReportRequest(
                client_brief=request.client_brief,
                package_key=result.package_key or request.package_key,
                report_stage=gpb.REPORT_STAGE_REFINE,
                feedback=feedback,
                previous_draft=result.report_markdown,
                use_learning=uses_learning(request),
                # The refinement joins this report's history as its next version.
                history_id=result.history_id,
            )
            _regenerate(client, refine)


def _render_rate(result: gpb.GenerateReportResponse) -> None:
    st.markdown("#### Rate this report")
    if not result.learned_item_id:
        if result.learning_state == gpb.LEARNING_STATE_OFF:
            st.caption(
                "Learning was off for this report, so it is not in memory and there is nothing to rate."
            )
        else:
            st.caption(
                "AICMO did not say which memory item this report is learned under, so it cannot be rated "
                "here; find it in the Learn tab instead."
            )
        return
    st.caption(
        "Rating the whole report rates each of its sections too. To rate one section, use “Rate this "
        "section” under it in the report."
    )
    cols = st.columns([1, 3, 1], vertical_alignment="bottom")
    cols[0].radio(
        "Rating",
        options=list(RATINGS),
        format_func=lambda verdict: VERDICT_WORDS.get(verdict, str(verdict)),
        key=K_RATE_CHOICE,
        horizontal=True,
    )
    cols[1].text_input("Note (optional)", key=K_RATE_NOTE, placeholder="Why is it gold or weak?")
    cols[2].button("Rate report", key="gen_rate_submit", on_click=_on_rate_report)
    show_message(K_RATE_MSG)
