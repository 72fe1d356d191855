"""The learning queue as the generator's use cases see it: a batch waiting to be learned (queued, or set
aside after repeated failures), what a delivery attempt came to, and the error for a name it does not hold.
The spool adapter (adapters/spool.py) keeps them on disk."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


class UnknownBatch(LookupError):
    """No batch of that name in the queue or among the set-aside ones."""


class Outcome:
    DELIVERED = "delivered"
    DEFERRED = "deferred"  # an outage: try again later, and pause the queue
    FAILED = "failed"  # unexpected error, retried later without pausing the others
    SET_ASIDE = "set_aside"


@dataclass(frozen=True)
class SpooledBatch:
    name: str
    set_aside: bool
    report_id: str
    client_id: str
    title: str
    item_count: int
    enqueue_time: dt.datetime
    reason: str
    attempts: int
