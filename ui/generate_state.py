"""The Generate tab's session state: a key for every widget and message, so what the operator typed survives
reruns and failures, and the facts its parts share about the request."""

from __future__ import annotations

from ui.contract import gpb

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


def section_key(what: str, section_id: str) -> str:
    """The session-state key of a section's widget or message: what is rating, note, rate or msg (rating);
    instruction or regenerate (rewriting); editing, text, edit_note, save or cancel (editing)."""
    return f"{SECTION_PREFIX}{what}_{section_id}"


def uses_learning(request: gpb.GenerateReportRequest) -> bool:
    """use_learning is optional in the contract: unset means on."""
    return request.use_learning if request.HasField("use_learning") else True


def client_words(request: gpb.GenerateReportRequest | None) -> str:
    """The client's name as a sentence uses it ("this client" when there is none)."""
    name = request.client_brief.client_name if request is not None else ""
    return name or "this client"
