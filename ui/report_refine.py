"""Refining the shown report with feedback (it becomes the report's next version), and next to it what the
last refinement changed and what it could not apply."""

from __future__ import annotations

import streamlit as st

from ui.api import GatewayClient
from ui.common import get_obj, get_state
from ui.contract import gpb
from ui.generate_progress import regenerate
from ui.generate_state import K_ERROR, K_FEEDBACK, K_REFINE, K_REFINED_FOR, K_REQUEST, uses_learning
from ui.labels import short_text


def render_refine(client: GatewayClient, result: gpb.GenerateReportResponse) -> None:
    """The refine box; next to it, what the refinement that wrote the shown version did."""
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
            regenerate(client, refine)
