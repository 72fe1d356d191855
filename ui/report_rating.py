"""Rating the shown report: the whole report, or one section, gold or weak with a note."""

from __future__ import annotations

import streamlit as st

from ui.api import GatewayError
from ui.common import get_obj, get_state, make_client, say, show_message
from ui.contract import gpb, mpb
from ui.generate_state import (
    K_RATE_CHOICE,
    K_RATE_MSG,
    K_RATE_NOTE,
    K_REQUEST,
    K_RESULT,
    client_words,
    section_key,
)
from ui.labels import VERDICT_WORDS, rating_badge

RATINGS = (mpb.RATING_GOLD, mpb.RATING_WEAK)


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
        + f". Later reports for {client_words(request)} with similar briefs will "
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


def render_section_rating(section: gpb.ReportSection) -> None:
    """Rate one section (gold or weak, with a note): a popover among the section's tools."""
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


def render_rate(result: gpb.GenerateReportResponse) -> None:
    """Rate the whole report (and so each of its sections), or say why it cannot be rated."""
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


def rateable(result: gpb.GenerateReportResponse, section: gpb.ReportSection) -> bool:
    """Whether a section can be rated: it is learned under an item of its own."""
    return bool(section.learned_item_id) and result.learning_state != gpb.LEARNING_STATE_OFF
