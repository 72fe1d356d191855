"""SIGTERM drains: a report being written finishes within the grace, nothing runs after "stopped"."""

from __future__ import annotations

import signal
from concurrent import futures
from pathlib import Path

import grpc
from aicmo.generator.v1 import generator_service_pb2 as pb
from aicmo.generator.v1 import generator_service_pb2_grpc as pb_grpc

from tests.integration.generator.conftest import T, generate_request
from tests.openai_stub_server import OpenAIStubServer
from tests.support import ServiceProcess, free_port, wait_until


def test_sigterm_lets_a_report_in_progress_finish(data_dir: Path) -> None:
    llm = OpenAIStubServer()
    llm.behaviour.slow_markers["Section to write:"] = 1.2  # ~6 s in all: past the old 5 s grace
    port = free_port()
    generator = ServiceProcess(
        "services.generator",
        {
            "AICMO_DATA_DIR": str(data_dir),
            "AICMO_GENERATOR_PORT": str(port),
            "AICMO_MEMORY_TARGET": f"127.0.0.1:{free_port()}",  # memory away: learning is queued
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": llm.base_url,
            "AICMO_LLM_CONCURRENCY": "2",
            "AICMO_SHUTDOWN_GRACE_SECONDS": "60",
            "AICMO_LOG_FORMAT": "text",
        },
        data_dir / "generator.log",
    )
    generator.start()
    try:
        wait_until(lambda: _answers(port), 60, what="the generator to listen")
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel, futures.ThreadPoolExecutor(1) as pool:
            stub = pb_grpc.GeneratorServiceStub(channel)
            running = pool.submit(stub.GenerateReport, generate_request("quick_social_basic"), timeout=T * 4)
            wait_until(lambda: len(llm.chat_requests) > 0, T, what="the report to be under way")
            assert generator.proc is not None
            generator.proc.send_signal(signal.SIGTERM)
            report = running.result(timeout=T * 4)
        assert len(report.sections) == 10 and all(s.mode == "llm" for s in report.sections)
        assert report.learning_state == pb.LEARNING_STATE_QUEUED
        assert generator.proc.wait(timeout=T * 2) == 0
        log = generator.log()
        assert "stopped" in log
        assert len(list((data_dir / "generator" / "spool").glob("*.pb"))) == 1  # its learning is kept
    finally:
        generator.stop()
        llm.stop()


def _answers(port: int) -> bool:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        try:
            pb_grpc.GeneratorServiceStub(channel).ListPackages(pb.ListPackagesRequest(), timeout=1)
        except grpc.RpcError:
            return False
    return True
