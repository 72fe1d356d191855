"""The brief as AICMO understands it: the “Brief as understood” panel of the Generate tab, and the same facts
shown with a report.

The panel calls UnderstandBrief (“Check the brief”, and by itself after a brief document is uploaded or a
correction is saved) and shows what the generator read, in plain words: the business model and why, the
budget (saying when its currency was assumed), markets and segments, the objectives as stated, competitors,
dated events, prices and deal values, retail partners, offers, language, tone and the rules the plan obeys,
each fact marked as from the form, from the brief text or inferred (the response's `sources`), and what the
brief does not say (`gaps`) as warnings.

A correction writes the matching field of the brief: a form field (budget, geography, audience, objectives,
timeline, launch date, product, constraints) or a further field sent in the brief's `metadata` under the key
the generator reads (competitors, events, prices, channels, retail_partners, offers, proof_points, language,
tone, business_model). The generator lets what the operator fills in win over the brief text, so the brief
is then checked again and the corrected fact reads as “from the form”. Reports are written from the same
brief, corrections included.

This module speaks the contract's field names; the Generate tab owns the form's widgets and hands over the
session-state key of each form field (`form_keys`).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st

from ui.api import GatewayClient, GatewayError
from ui.common import get_obj, get_state, say, show_message, technical_details
from ui.contract import gpb
from ui.labels import (
    BUSINESS_MODEL_NAMES,
    BUSINESS_MODEL_WORDS,
    FACT_ORIGIN_WORDS,
    PERIOD_WORDS,
    PRICE_KIND_WORDS,
    money,
    short_text,
)

# Session-state keys.
# Check the brief on the next run, and why: "upload" or "correction" ("" when not asked).
K_CHECK_PENDING = "brief_check_pending"
K_CHECK_REASON = "brief_check_reason"  # why the shown check was made: "button", "upload" or "correction"
K_UNDERSTOOD = "brief_understood"  # the last gpb.UnderstoodBrief
K_CHECKED = "brief_checked"  # the gpb.ClientBrief it was read from (as the form had it)
K_CHECK_COUNT = "brief_check_count"  # how many checks so far (a new check refills the correction box)
K_CHECK_MISSING = "brief_check_missing"  # the required names that were not filled in when it was checked
K_CHECK_ERROR = "brief_check_error"  # (text, detail) when the last check failed
K_EXTRA = "brief_extra_fields"  # dict[str, str]: further brief fields (metadata keys) set by corrections
K_FIX_FACT = "brief_fix_fact"
K_FIX_VALUE = "brief_fix_value"
K_FIX_MODEL = "brief_fix_model"
K_FIX_FILLED = "brief_fix_filled_for"
K_FIX_SAVE = "brief_fix_save"
K_FIX_MSG = "brief_fix_message"
K_EXTRA_CLEAR = "brief_extra_clear"

# UnderstandBrief needs a client and a brand, like every brief; while the form has none yet (a brief was
# uploaded first), the brief is read with these stand-ins, and the panel says so.
STAND_IN_CLIENT = "(client not filled in yet)"
STAND_IN_BRAND = "(brand not filled in yet)"

# The brief's fields the form fills, in the operator's words.
FORM_LABELS = {
    "product_service": "Product or service",
    "geography": "Geography",
    "audience": "Audience",
    "objectives": "Objectives",
    "budget": "Budget",
    "timeline": "Timeline",
    "constraints": "Constraints",
    "launch_date": "Launch date",
}


@dataclass(frozen=True)
class Correction:
    """How one understood fact is corrected: the form field it comes from, or the further brief field
    (metadata key) the generator reads it from."""

    label: str
    field: str = ""  # a ClientBrief field the form fills
    key: str = ""  # else a ClientBrief.metadata key
    hint: str = ""


# Keyed by the fact's name in UnderstoodBrief.sources.
CORRECTIONS: dict[str, Correction] = {
    "business_model": Correction("Business model", key="business_model"),
    "budget": Correction(
        "Budget",
        field="budget",
        hint="The amount with its currency and period, e.g. “£45,000” or “€20k/month”.",
    ),
    "geography": Correction("Markets", field="geography", hint="The places, e.g. “Leeds and Manchester”."),
    "audience": Correction(
        "Audience and segments",
        field="audience",
        hint="One segment per line or separated by “;”, each as “Name: what matters about them”.",
    ),
    "objectives": Correction(
        "Objectives", field="objectives", hint="One objective per line, with its target and deadline."
    ),
    "timeline": Correction("Timeline", field="timeline", hint="e.g. “12 weeks” or “Q3 2026”."),
    "launch_date": Correction("Launch date", field="launch_date", hint="An ISO date, YYYY-MM-DD."),
    "product": Correction("What is sold", field="product_service"),
    "competitors": Correction(
        "Competitors",
        key="competitors",
        hint="Separated by “;”, each with an optional note in brackets: “Oatly (category leader); Alpro”.",
    ),
    "events": Correction(
        "Events", key="events", hint="One per line or separated by “;”: “RSA Conference, 27-30 April 2026”."
    ),
    "prices": Correction(
        "Prices and deal values",
        key="prices",
        hint="Separated by “;”, each as “what it is: amount”: “ACV: $42,000; RRP per carton: €2.49”.",
    ),
    "channels": Correction("Channels asked for", key="channels", hint="e.g. “LinkedIn, Google Search”."),
    "retail_partners": Correction("Retail partners", key="retail_partners", hint="e.g. “REWE; Edeka”."),
    "offers": Correction(
        "Offers", key="offers", hint="Separated by “;”: “0% finance over 12 months; free consultation”."
    ),
    "proof_points": Correction("Proof points", key="proof_points", hint="Separated by “;”."),
    "language": Correction("Language of the creative", key="language", hint="e.g. “German”."),
    "tone": Correction("Tone of voice", key="tone"),
    "rules": Correction(
        "Rules (constraints)",
        field="constraints",
        hint="Rules written here are kept together with those the brief text states: a plan obeys them all.",
    ),
}


# ---------------------------------------------------------------------------------------------------------
# The facts in words (no Streamlit).


def _join(items: list[str], sep: str = ", ") -> str:
    return sep.join(i for i in items if i)


def _with_note(name: str, note: str) -> str:
    return f"{name} ({note})" if note else name


def budget_words(budget: gpb.UnderstoodBudget) -> str:
    """ "$250,000 — USD 250,000 for the whole programme"."""
    read = f"{money(budget.amount, budget.currency_code)} {PERIOD_WORDS.get(budget.period, '')}".strip()
    words = f"{budget.as_stated} — {read}" if budget.as_stated else read
    if budget.currency_assumed:
        words += " (currency assumed)"
    if budget.note:
        words += f"; {budget.note}"
    return words


def event_words(event: gpb.BriefEvent) -> str:
    """ "RSA Conference — 27-30 April 2026 (2026-04-27 to 2026-04-30): booth B12"."""
    days = event.start_date + (
        f" to {event.end_date}" if event.end_date and event.end_date != event.start_date else ""
    )
    when = event.date_text or days
    if days and days != when:
        when += f" ({days})"
    words = f"{event.name} — {when}" if when else event.name
    return f"{words}: {event.note}" if event.note else words


def price_words(price: gpb.BriefPrice) -> str:
    """ "ACV: $42,000 (deal value, USD 42,000 a year)"."""
    read = money(price.amount, price.currency_code)
    period = PERIOD_WORDS.get(price.period, "")
    if period and price.period != gpb.BUDGET_PERIOD_TOTAL:
        read += f" {period}"
    kind = PRICE_KIND_WORDS.get(price.kind, "")
    detail = _join([kind, read])
    stated = price.as_stated or read
    return f"{price.label}: {stated} ({detail})" if price.label else f"{stated} ({detail})"


# The panel's label for each fact the brief understanding names in `sources`.
_FACT_LABELS = {
    "business_model": "Business model", "budget": "Budget", "geography": "Markets", "audience": "Audience",
    "competitors": "Competitors", "events": "Dated events", "prices": "Prices and deal values",
    "language": "Language of the creative", "objectives": "Objectives", "rules": "Rules",
}  # fmt: skip


def fact_words(u: gpb.UnderstoodBrief) -> dict[str, tuple[str, ...]]:
    """Panel label -> the brief's sentences the fact was read from (only facts read from the brief text)."""
    out: dict[str, tuple[str, ...]] = {}
    for s in u.sources:
        label = _FACT_LABELS.get(s.fact)
        if label and s.words:
            out[label] = tuple(s.words)
            if label == "Audience":
                out["Audience segments"] = tuple(s.words)
    return out


def fact_rows(u: gpb.UnderstoodBrief) -> list[tuple[str, str, str]]:
    """(fact, what was understood, where it came from) for each fact the panel shows, in the order an
    operator checks a brief. The facts every plan leans on are always listed ("not stated" when empty)."""
    origins = {s.fact: FACT_ORIGIN_WORDS.get(s.origin, "") for s in u.sources}
    rows: list[tuple[str, str, str]] = []

    def add(fact: str, label: str, text: str, *, always: bool = True) -> None:
        if text or always:
            rows.append((label, text or "not stated", origins.get(fact, "") if text else ""))

    model = BUSINESS_MODEL_WORDS.get(u.business_model, BUSINESS_MODEL_WORDS[gpb.BUSINESS_MODEL_UNSPECIFIED])
    if u.business_model != gpb.BUSINESS_MODEL_UNSPECIFIED and u.business_model_basis:
        model += f" — {u.business_model_basis}"
    rows.append(("Business model", model, origins.get("business_model", "")))
    add(
        "product",
        "What is sold",
        _join([u.product_service, f"industry: {u.industry}" if u.industry else ""], "; "),
        always=False,
    )
    add("budget", "Budget", budget_words(u.budget) if u.HasField("budget") else "")
    markets = _join(list(u.markets))
    if markets and u.countries:
        markets += f" ({_join(list(u.countries))})"
    add("geography", "Markets", markets or u.geography)
    segments = _join([_with_note(s.name, s.description) for s in u.segments], "; ")
    add("audience", "Audience segments" if segments else "Audience", segments or u.audience)
    timing = _join(
        [
            u.timeline,
            f"{u.weeks} weeks" if u.weeks and str(u.weeks) not in u.timeline else "",
            f"launches {u.launch_date}" if u.launch_date else "",
        ],
        " · ",
    )
    add("timeline", "Timeline", timing)
    add("competitors", "Competitors", _join([_with_note(c.name, c.note) for c in u.competitors], "; "))
    add("events", "Dated events", _join([event_words(e) for e in u.events], "; "))
    add("prices", "Prices and deal values", _join([price_words(p) for p in u.prices], "; "))
    add("channels", "Channels asked for", _join(list(u.channels)), always=False)
    add("retail_partners", "Retail partners", _join(list(u.retail_partners)))
    add("offers", "Offers", _join(list(u.offers), "; "))
    add("proof_points", "Proof points", _join(list(u.proof_points), "; "), always=False)
    language = f"{u.language} ({u.locale})" if u.language and u.locale else u.language
    add(
        "language",
        "Language of the creative",
        language or (f"not stated (locale {u.locale})" if u.locale else ""),
    )
    add("tone", "Tone of voice", u.tone)
    return rows


def rule_lines(rules: gpb.BriefRules) -> list[str]:
    """The rules every plan, table and line of copy obeys, one line each kind."""

    def quoted(items: list[str]) -> str:
        return ", ".join(f"“{i}”" for i in items)

    lines = []
    if rules.excluded_channels:
        lines.append(
            f"**Channels ruled out** (no budget, no tactic, no mention): {_join(list(rules.excluded_channels))}"
        )
    if rules.excluded_formats:
        lines.append(f"**Formats ruled out:** {_join(list(rules.excluded_formats))}")
    if rules.forbidden_words:
        lines.append(f"**Words never used:** {quoted(list(rules.forbidden_words))}")
    if rules.mandated_terms:
        lines.append(f"**Terms the report must use:** {quoted(list(rules.mandated_terms))}")
    if rules.claims_needing_review:
        lines.append(
            f"**Claims that need sign-off before use:** {_join(list(rules.claims_needing_review), '; ')}"
        )
    if rules.other_rules:
        lines.append(f"**Other rules:** {_join(list(rules.other_rules), '; ')}")
    return lines


def gap_words(gap: str) -> str:
    """ "budget: not stated; ..." as "**Budget:** not stated; ..."."""
    fact, sep, rest = gap.partition(": ")
    if not sep or len(fact) > 40:
        return gap
    return f"**{fact[:1].upper()}{fact[1:]}:** {rest}"


def objective_rows(u: gpb.UnderstoodBrief) -> list[dict[str, str]]:
    return [
        {
            "As stated": o.as_stated,
            "Metric": o.metric,
            "Target": o.target,
            "Deadline": o.deadline
            + (f" ({o.deadline_date})" if o.deadline_date and o.deadline_date not in o.deadline else ""),
        }
        for o in u.objectives
    ]


def correction_text(fact: str, u: gpb.UnderstoodBrief) -> str:
    """The understood fact written as its brief field would say it (what the correction box starts with), so
    that saving it unchanged reads back the same."""
    if fact == "budget":
        return u.budget.as_stated if u.HasField("budget") else ""
    if fact == "geography":
        return u.geography or _join(list(u.markets))
    if fact == "audience":
        return "; ".join(_with_note_colon(s.name, s.description) for s in u.segments) or u.audience
    if fact == "objectives":
        return "\n".join(o.as_stated for o in u.objectives)
    if fact == "timeline":
        return u.timeline
    if fact == "launch_date":
        return u.launch_date
    if fact == "product":
        return u.product_service
    if fact == "competitors":
        return "; ".join(_with_note(c.name, c.note) for c in u.competitors)
    if fact == "events":
        return "; ".join(
            _join([e.name, e.date_text or e.start_date]) + (f" — {e.note}" if e.note else "")
            for e in u.events
        )
    if fact == "prices":
        return "; ".join(
            (f"{p.label}: " if p.label else "") + p.as_stated + _PER.get(p.period, "") for p in u.prices
        )
    if fact == "channels":
        return _join(list(u.channels))
    if fact == "retail_partners":
        return "; ".join(u.retail_partners)
    if fact == "offers":
        return "; ".join(u.offers)
    if fact == "proof_points":
        return "; ".join(u.proof_points)
    if fact == "language":
        return u.language
    if fact == "tone":
        return u.tone
    return ""


# A price's period as a correction writes it ("per year" would make a deal value read as a price).
_PER = {
    gpb.BUDGET_PERIOD_MONTH: " a month",
    gpb.BUDGET_PERIOD_WEEK: " a week",
    gpb.BUDGET_PERIOD_QUARTER: " a quarter",
    gpb.BUDGET_PERIOD_YEAR: " a year",
}


def _with_note_colon(name: str, note: str) -> str:
    return f"{name}: {note}" if note else name


def brief_for_check(brief: gpb.ClientBrief) -> tuple[gpb.ClientBrief, list[str]]:
    """The brief UnderstandBrief is asked about, and the required names it lacks (read with stand-ins)."""
    sent = gpb.ClientBrief()
    sent.CopyFrom(brief)
    missing = []
    if not sent.client_name.strip():
        sent.client_name = STAND_IN_CLIENT
        missing.append("Client name")
    if not sent.brand_name.strip():
        sent.brand_name = STAND_IN_BRAND
        missing.append("Brand")
    return sent, missing


def has_content(brief: gpb.ClientBrief) -> bool:
    """Whether the brief says anything beyond the client's and the brand's names."""
    fields = ("product_service", "industry", "geography", "audience", "objectives", "budget", "timeline",
              "constraints", "raw_brief_text", "launch_date")  # fmt: skip
    return any(getattr(brief, name).strip() for name in fields) or bool(brief.metadata.fields)


# ---------------------------------------------------------------------------------------------------------
# Streamlit.


def extra_fields() -> dict[str, str]:
    """The further brief fields corrections set (sent in the brief's metadata)."""
    stored: dict[str, str] = get_state(K_EXTRA, {})
    return {str(k): str(v) for k, v in stored.items() if str(v).strip()}


def request_check(reason: str) -> None:
    """Checks the brief on the next run (a callback's way to ask for it): after an "upload" or a
    "correction"."""
    st.session_state[K_CHECK_PENDING] = reason


def check_brief(client: GatewayClient, brief: gpb.ClientBrief, reason: str) -> None:
    """UnderstandBrief for the brief as the form has it now; the answer (or the failure) is kept for the panel."""
    st.session_state[K_CHECK_PENDING] = ""
    st.session_state[K_CHECK_ERROR] = None
    if not has_content(brief):
        st.session_state[K_CHECK_ERROR] = (
            "There is nothing to check yet: fill in the brief or upload a brief document first.",
            "",
        )
        return
    sent, missing = brief_for_check(brief)
    with st.spinner("Reading the brief…"):
        try:
            understood = client.understand_brief(sent)
        except GatewayError as exc:
            st.session_state[K_CHECK_ERROR] = (str(exc), exc.detail)
            return
    checked = gpb.ClientBrief()
    checked.CopyFrom(brief)
    st.session_state[K_UNDERSTOOD] = understood
    st.session_state[K_CHECKED] = checked
    st.session_state[K_CHECK_MISSING] = missing
    st.session_state[K_CHECK_REASON] = reason
    st.session_state[K_CHECK_COUNT] = get_state(K_CHECK_COUNT, 0) + 1


def render_panel(
    client: GatewayClient, brief: gpb.ClientBrief, *, check: bool, form_keys: Mapping[str, str]
) -> None:
    """The “Brief as understood” panel, before generating. `check`: the operator asked for it now."""
    if check:
        st.session_state[K_FIX_MSG] = None  # what the last correction did is old news
    pending = get_state(K_CHECK_PENDING, "")
    if check or pending:
        check_brief(client, brief, "button" if check else pending)
    with st.container(border=True, key="brief_understood_panel"):
        st.markdown("#### Brief as understood")
        failed = st.session_state.get(K_CHECK_ERROR)
        if isinstance(failed, tuple) and len(failed) == 2:
            (st.info if not failed[1] else st.error)(failed[0])
            technical_details(failed[1])
        understood = get_obj(K_UNDERSTOOD, gpb.UnderstoodBrief)
        if understood is None:
            st.caption(
                "“Check the brief” shows what AICMO reads from the form and the brief text (every report is "
                "written from it), so you can correct anything misread before generating. Nothing is generated "
                "or learned. An uploaded brief is checked by itself."
            )
            _render_extra()
            return
        checked = get_obj(K_CHECKED, gpb.ClientBrief)
        if checked is not None and checked != brief:
            st.info(
                "The brief has changed since it was checked: “Check the brief” again to see what AICMO reads "
                "from it now.",
                icon=":material/update:",
            )
        _render_check_note(get_state(K_CHECK_REASON, ""), get_state(K_CHECK_MISSING, []))
        show_message(K_FIX_MSG)
        render_understood(understood, key="brief_panel")
        _render_corrections(understood, brief, form_keys)
        _render_extra()


def _render_check_note(reason: str, missing: list[str]) -> None:
    """How the shown check was made, when the operator should know: a check made by itself (after an upload
    or a correction) uses the form's fields as last sent, since Streamlit sends a form's fields only with its
    buttons; a brief without a client or a brand was read with stand-ins for them."""
    after = {"upload": "after the upload", "correction": "after your correction"}.get(reason, "")
    names = " or ".join(missing).lower()
    if after and missing:
        st.info(
            f"Checked by itself {after}, with the form as last sent: it had no {names} yet, so the brief was "
            "read without them. “Check the brief” reads it with everything the form has now.",
            icon=":material/info:",
        )
    elif after:
        st.caption(
            f"Checked by itself {after}, with the form as last sent: “Check the brief” includes anything typed "
            "in the form since."
        )
    elif missing:
        st.info(
            f"{' and '.join(missing)} {'are' if len(missing) > 1 else 'is'} not filled in, so the brief was read "
            "without "
            + ("them" if len(missing) > 1 else "it")
            + " (what is sold is read from sentences that name the brand). A report needs both."
        )


def render_understood(u: gpb.UnderstoodBrief, *, key: str) -> None:
    """The facts in plain words with where each came from, the objectives table, the rules, and the gaps as
    warnings. `key` keeps the widgets of two renderings (the panel, a report's) apart."""
    st.caption(
        "Each fact says where it came from: the form (a field you filled in, which always wins over the "
        "brief text), the brief text, or inferred from clues in the brief."
    )
    words = fact_words(u)
    lines: list[str] = []
    for label, text, origin in fact_rows(u):
        lines.append(f"- **{label}:** {text}" + (f" · *{origin}*" if origin else ""))
        # The brief's own words under each fact read from the text, so the operator can check the reading.
        lines += [f"    - \u201c{w}\u201d" for w in words.get(label, ())]
    st.markdown("\n".join(lines))
    if u.HasField("budget") and u.budget.currency_assumed:
        st.warning(
            f"The budget names no currency: AICMO assumed {u.budget.currency_code} from the markets. If that is "
            "wrong, write the currency in the budget (e.g. “€45,000”).",
            icon=":material/currency_exchange:",
        )
    origins = {s.fact: FACT_ORIGIN_WORDS.get(s.origin, "") for s in u.sources}
    objectives = objective_rows(u)
    st.markdown(
        "**Objectives, exactly as stated**"
        + (f" · *{origins['objectives']}*" if objectives and origins.get("objectives") else "")
    )
    if objectives:
        st.dataframe(
            objectives,
            hide_index=True,
            width="stretch",
            key=f"{key}_objectives",
            column_config={"As stated": st.column_config.TextColumn(width="large")},
        )
    else:
        st.caption("None stated.")
    rules = rule_lines(u.rules)
    heading = "**Rules every plan obeys**" + (
        f" · *{origins['rules']}*" if rules and origins.get("rules") else ""
    )
    st.markdown(
        heading
        + "\n"
        + (
            "\n".join(f"- {line}" for line in rules)
            if rules
            else "\nNone: the brief rules out no channel or format, forbids no words and names no claims "
            "that need sign-off."
        )
    )
    if u.gaps:
        st.markdown("**What the brief does not say** (and what AICMO assumes instead)")
    for gap in u.gaps:
        st.warning(gap_words(gap), icon=":material/help:")


def _render_corrections(u: gpb.UnderstoodBrief, brief: gpb.ClientBrief, form_keys: Mapping[str, str]) -> None:
    with st.expander("Correct what AICMO understood", icon=":material/edit:"):
        st.caption(
            "A correction fills the matching field of the brief (a form field above, or a further brief field "
            "sent with it), which always wins over the brief text; then the brief is checked again."
        )
        facts = [f for f, c in CORRECTIONS.items() if not c.field or c.field in form_keys]
        if get_state(K_FIX_FACT, "") not in facts:
            st.session_state[K_FIX_FACT] = facts[0]
        fact = str(
            st.selectbox(
                "What to correct", options=facts, format_func=lambda f: CORRECTIONS[f].label, key=K_FIX_FACT
            )
        )
        spec = CORRECTIONS[fact]
        # A new fact, or a new check: the box starts with what was understood (or what the field says now).
        filled_for = f"{fact}|{get_state(K_CHECK_COUNT, 0)}"
        if get_state(K_FIX_FILLED, "") != filled_for:
            st.session_state[K_FIX_FILLED] = filled_for
            current = _field_value(spec, brief) or correction_text(fact, u)
            st.session_state[K_FIX_VALUE] = current
            named = {v.lower(): k for k, v in BUSINESS_MODEL_NAMES.items()}
            st.session_state[K_FIX_MODEL] = (
                named.get(current.lower(), u.business_model) if spec.key == "business_model" else 0
            )
        where = (
            f"Writes the form field “{FORM_LABELS.get(spec.field, spec.field)}”."
            if spec.field
            else f"Writes the brief field `{spec.key}` (sent with the brief)."
        )
        if spec.key == "business_model":
            st.selectbox(
                "Business model",
                options=[gpb.BUSINESS_MODEL_UNSPECIFIED, *BUSINESS_MODEL_NAMES],
                format_func=lambda m: (
                    BUSINESS_MODEL_WORDS[m][:1].upper() + BUSINESS_MODEL_WORDS[m][1:]
                    if m in BUSINESS_MODEL_NAMES
                    else "Let AICMO read it from the brief"
                ),
                key=K_FIX_MODEL,
                help=where,
            )
        else:
            st.text_area(
                spec.label,
                key=K_FIX_VALUE,
                height=68 if fact != "objectives" else 120,
            )
            st.caption(
                " ".join(p for p in (spec.hint, where, "Empty: AICMO reads it from the brief text.") if p)
            )
        st.button(
            "Save and check again",
            key=K_FIX_SAVE,
            type="primary",
            icon=":material/fact_check:",
            on_click=_on_correct,
            args=(fact, form_keys.get(spec.field, "")),
        )


def _field_value(spec: Correction, brief: gpb.ClientBrief) -> str:
    """What the brief's own field for this fact says now ("" when empty or not a form field)."""
    if spec.field:
        return str(getattr(brief, spec.field, "") or "")
    return extra_fields().get(spec.key, "")


def _on_correct(fact: str, form_key: str) -> None:
    spec = CORRECTIONS[fact]
    if spec.key == "business_model":
        model = gpb.BusinessModel.ValueType(get_state(K_FIX_MODEL, 0))
        value = BUSINESS_MODEL_NAMES.get(model, "")
    else:
        value = get_state(K_FIX_VALUE, "").strip()
    if spec.field:
        if not form_key:
            return
        if spec.field == "launch_date":
            try:
                day = datetime.date.fromisoformat(value) if value else None
            except ValueError:
                say(K_FIX_MSG, "warning", f"“{value}” is not a date AICMO can read: write it as YYYY-MM-DD.")
                return
            st.session_state[form_key] = day
        else:
            st.session_state[form_key] = value
        where = f"the form field “{FORM_LABELS.get(spec.field, spec.field)}”"
    else:
        extra = extra_fields()
        if value:
            extra[spec.key] = value
        else:
            extra.pop(spec.key, None)
        st.session_state[K_EXTRA] = extra
        where = f"the brief field `{spec.key}`"
    request_check("correction")
    if value:
        # Rules add up (a plan obeys those of the form and of the text); every other fact is replaced.
        wins = (
            "the plan obeys it with the rules the brief text states"
            if fact == "rules"
            else "it wins over the brief text"
        )
        say(
            K_FIX_MSG,
            "success",
            f"{spec.label}: wrote “{short_text(value, 100)}” into {where}; {wins}. The brief was checked again with it "
            "(below).",
        )
    else:
        say(
            K_FIX_MSG,
            "info",
            f"{spec.label}: emptied {where}, so AICMO reads it from the brief text again. The brief was checked "
            "again (below).",
        )


def _render_extra() -> None:
    """The further brief fields corrections set: they travel with every report's brief until removed."""
    extra = extra_fields()
    if not extra:
        return
    st.markdown(
        "**Further brief fields you set** (sent with the brief, and used by every report written from it):\n"
        + "\n".join(f"- `{k}`: {short_text(v, 160)}" for k, v in sorted(extra.items()))
    )
    st.button("Remove these fields", key=K_EXTRA_CLEAR, icon=":material/backspace:", on_click=_on_clear_extra)


def _on_clear_extra() -> None:
    st.session_state[K_EXTRA] = {}
    request_check("correction")
    say(
        K_FIX_MSG,
        "info",
        "Removed the further brief fields you set; the brief was checked again without them.",
    )


def render_for_report(result: gpb.GenerateReportResponse) -> None:
    """The brief as understood and used for this report, collapsed under the report's panels."""
    if not result.HasField("understood_brief"):
        return
    u = result.understood_brief
    gaps = f" · {len(u.gaps)} gap{'s' if len(u.gaps) != 1 else ''}" if u.gaps else ""
    with st.expander(
        f"Brief as understood for this report{gaps}", expanded=False, icon=":material/fact_check:"
    ):
        st.caption("For you only: what AICMO read from the brief and wrote this report from.")
        render_understood(u, key="report_understood")
