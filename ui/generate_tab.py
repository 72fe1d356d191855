"""The Generate tab: the brief (`generate_form`), live progress (`generate_progress`) and the report with its
tools (`report_view`), composed in the order the operator meets them."""

from __future__ import annotations

import streamlit as st

from ui import understood
from ui.api import GatewayClient
from ui.common import get_obj, get_state, load_packages
from ui.contract import gpb
from ui.generate_form import (
    FORM_KEYS,
    brief_from_state,
    render_brief_form,
    render_package_select,
    render_upload,
)
from ui.generate_progress import render_error, render_last_progress, run_generation
from ui.generate_state import K_ERROR, K_ERROR_DETAIL, K_RESULT, K_USE_LEARNING
from ui.report_view import render_result


def render(client: GatewayClient) -> None:
    """The brief (upload, package, form, what AICMO understood), then the generation's progress or its last
    state, then the report."""
    st.subheader("Client brief")
    render_upload()
    packages, packages_error = load_packages(client)
    package = render_package_select(packages, packages_error)
    submitted, check = render_brief_form()
    current, incomplete = brief_from_state()
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
        run_generation(client, request, progress_area)
    else:
        if problem:
            st.session_state[K_ERROR] = problem
            st.session_state[K_ERROR_DETAIL] = ""
        render_last_progress(progress_area)
    render_error()
    result = get_obj(K_RESULT, gpb.GenerateReportResponse)
    if result is not None:
        render_result(client, result)
