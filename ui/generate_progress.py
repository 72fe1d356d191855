"""Live progress of one generation: sections as they stream, then the report being put together and learned,
then done, always with the time taken; and what stopped it, when something did."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from ui.api import GatewayClient, GatewayError
from ui.common import get_obj, get_state, technical_details
from ui.contract import gpb
from ui.generate_state import (
    K_ERROR,
    K_ERROR_DETAIL,
    K_PROGRESS,
    K_RATE_MSG,
    K_REFINED_FOR,
    K_REQUEST,
    K_RESULT,
    K_REWORK_MSG,
    uses_learning,
)

T = TypeVar("T")


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


def _done_lines(done: list[str]) -> str:
    """Completed sections, one per line: "✓ 1. Overview"."""
    return "  \n".join(f"✓ {i}. {title}" for i, title in enumerate(done, start=1))


def _render_done_list(progress: Progress) -> None:
    label = f"Sections written: {len(progress.done)} of {progress.total}"
    with st.expander(label, expanded=False, icon=":material/checklist:"):
        st.markdown(_done_lines(progress.done) or "No section was completed.")


def run_generation(client: GatewayClient, request: gpb.GenerateReportRequest, area: DeltaGenerator) -> None:
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


def render_last_progress(area: DeltaGenerator) -> None:
    """The last generation's bar and sections, as they stood (a live view cut short by a rerun says so)."""
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


def render_error() -> None:
    """Why the last generation did not start or stopped, with the technical detail one click away."""
    error = get_state(K_ERROR, "")
    if error:
        st.error(error, icon=":material/error:")
        technical_details(get_state(K_ERROR_DETAIL, ""))


def regenerate(client: GatewayClient, request: gpb.GenerateReportRequest) -> None:
    """Generates again from a button in the result (refine, retry), then shows the new report."""
    run_generation(client, request, st.container())
    if get_state(K_ERROR, ""):
        render_error()
    else:
        st.rerun()
