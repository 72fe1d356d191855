"""The generator's audit outbox: durable before sending, removed once memory has it, kept while memory is
away, set aside when memory refuses it for good."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import grpc
from aicmo.memory.v1 import audit_pb2 as aupb

from services.common.auth import AuditEvent, Identity
from services.generator.adapters.audit_outbox import AuditOutbox, entry_from_event


class Refusal(grpc.RpcError):  # type: ignore[misc]
    def __init__(self, code: grpc.StatusCode) -> None:
        self._code = code

    def code(self) -> grpc.StatusCode:
        return self._code


def an_entry(person: str = "olive") -> aupb.AuditEntry:
    event = AuditEvent("generate", "/m", Identity(person, "operator"), "req-1", "OK", "acme", "")
    return entry_from_event(event)


def test_entries_wait_on_disk_until_memory_has_them(tmp_path: Path) -> None:
    sent: list[aupb.AuditEntry] = []
    answer: list[grpc.RpcError | None] = [Refusal(grpc.StatusCode.UNAVAILABLE)]

    def send(entries: Sequence[aupb.AuditEntry], timeout: float) -> int:
        if answer[0] is not None:
            raise answer[0]
        sent.extend(entries)
        return len(entries)

    outbox = AuditOutbox(tmp_path / "audit", send)
    outbox.append(an_entry("olive"))
    outbox.append(an_entry("vera"))
    assert outbox.pending() == 2
    outbox.flush_once()
    assert outbox.pending() == 2 and not sent  # memory away: kept
    # A new process finds them (they are files), and sends them in order once memory answers.
    again = AuditOutbox(tmp_path / "audit", send)
    answer[0] = None
    assert again.flush_once()
    assert [e.person for e in sent] == ["olive", "vera"] and again.pending() == 0
    assert sent[0].entry_id and sent[0].HasField("at") and sent[0].request_id == "req-1"


def test_an_entry_memory_refuses_for_good_is_set_aside(tmp_path: Path) -> None:
    def send(entries: Sequence[aupb.AuditEntry], timeout: float) -> int:
        raise Refusal(grpc.StatusCode.INVALID_ARGUMENT)

    outbox = AuditOutbox(tmp_path / "audit", send)
    outbox.append(an_entry())
    outbox.flush_once()
    assert outbox.pending() == 0 and len(list(outbox.rejected_dir.glob("*.json"))) == 1
