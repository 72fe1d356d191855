"""The client playbook's terms, the same in both services: what an entry decides and where it came from
(stored and sent as these strings; the contract's enums map to them)."""

from __future__ import annotations

import enum


class EntryKind(enum.StrEnum):
    """What an entry decides (stored as these strings)."""

    BIG_IDEA = "big_idea"
    POSITIONING = "positioning"
    MESSAGE = "message"
    CHANNEL_MIX = "channel_mix"
    OFFER = "offer"
    TONE = "tone"
    DO = "do"
    DONT = "dont"
    APPROVED_TEXT = "approved_text"
    AVOID_TEXT = "avoid_text"
    STANDING_INSTRUCTION = "standing_instruction"


class EntryOrigin(enum.StrEnum):
    """Where an entry came from ("" when not reported)."""

    UNSPECIFIED = ""
    OPERATOR = "operator"
    GOLD_RATING = "gold_rating"
    WEAK_RATING = "weak_rating"
    EDIT = "edit"
    INSTRUCTION = "instruction"
    REFINE_FEEDBACK = "refine_feedback"
