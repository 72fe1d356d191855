"""The brief: upload a brief document, choose a package, fill the form ("Generate report" or "Check the
brief"), and the brief that the form's state makes."""

from __future__ import annotations

import datetime

import streamlit as st

from ui import documents, understood
from ui.api import GatewayError
from ui.common import get_state, say, show_error, show_message
from ui.contract import gpb
from ui.generate_state import (
    K_AUDIENCE,
    K_BRAND,
    K_BUDGET,
    K_CHECK,
    K_CLIENT,
    K_CONSTRAINTS,
    K_GEOGRAPHY,
    K_INDUSTRY,
    K_INDUSTRY_OTHER,
    K_LAUNCH,
    K_OBJECTIVES,
    K_PACKAGE,
    K_PRODUCT,
    K_RAW,
    K_SUBMIT,
    K_TIMELINE,
    K_UPLOAD,
    K_UPLOAD_MSG,
    K_USE_LEARNING,
)

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


def render_upload() -> None:
    """The brief upload: its text fills the brief text (see `_on_brief_upload`)."""
    st.file_uploader(
        "Upload a brief (.txt, .md, .pdf or .docx): its text fills the brief text below",
        type=list(documents.SUPPORTED_UPLOADS),
        key=K_UPLOAD,
        on_change=_on_brief_upload,
        max_upload_size=documents.MAX_UPLOAD_MB,
    )
    show_message(K_UPLOAD_MSG)


def render_package_select(packages: list[gpb.Package], error: GatewayError | None) -> gpb.Package | None:
    """The package choice (the flagship by default) with its sections; None while there is none to choose."""
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


def render_brief_form() -> tuple[bool, bool]:
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


def brief_from_state() -> tuple[gpb.ClientBrief, str]:
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
