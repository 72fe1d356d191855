"""Generator and gateway benchmarks: offline reports through gRPC with memory holding 10k items, the cost of
learning, streaming time to first section, and REST-through-Envoy against direct gRPC.

Everything is real: the embedded Postgres, the memory service with the real model, the generator, and the
Envoy binary (`python -m gateway`), reached over loopback. Prints figures; never fails on timing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
from aicmo.generator.v1 import generator_service_pb2 as gpb
from aicmo.generator.v1 import generator_service_pb2_grpc as gpb_grpc
from aicmo.memory.v1 import memory_service_pb2 as mpb
from google.protobuf import json_format

from bench import Benchmark
from bench.corpus import MarketingCorpus
from bench.memory_env import BATCH, CLIENTS, Env, environment, fill_to, load_anchors, record_request
from bench.report import Progress, ResultTable, load_average, percentile_ms
from bench.synthetic import SyntheticVectors
from services.generator.bootstrap import GeneratorRuntime, create_runtime
from services.generator.settings import GeneratorSettings

ROOT = Path(__file__).resolve().parent.parent
DEADLINE = 30.0
INDUSTRIES = (
    "Food & Beverage",
    "Fitness",
    "B2B SaaS",
    "Beauty",
    "Travel",
    "Fintech",
    "Pet care",
    "Education",
)


def add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--stack-items", type=int, default=10_000, help="items in memory for the report runs")
    group.add_argument("--reports", type=int, default=30, help="reports per configuration")


def brief(i: int) -> gpb.ClientBrief:
    industry = INDUSTRIES[i % len(INDUSTRIES)]
    return gpb.ClientBrief(
        client_name=f"Bench Client {i}",
        brand_name=f"Benchbrand {i}",
        product_service=f"{industry.lower()} subscription",
        industry=industry,
        geography="United Kingdom",
        audience="busy professionals aged 25-45",
        objectives="grow subscriptions by 25% in a quarter",
        budget="£40,000",
        timeline="8 weeks",
        launch_date="2026-06-01",
    )


def generate_request(i: int, use_learning: bool) -> gpb.GenerateReportRequest:
    return gpb.GenerateReportRequest(
        client_brief=brief(i), package_key="strategy_campaign_standard", use_learning=use_learning
    )


def timed(calls: int, fn: Callable[[int], object]) -> list[float]:
    out = []
    for i in range(calls):
        started = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - started)
    return out


def start_generator(env: Env, data_dir: Path, **overrides: Any) -> GeneratorRuntime:
    settings = GeneratorSettings(
        data_dir=data_dir,
        generator_port=0,
        memory_target=f"127.0.0.1:{env.runtime.app.port}",
        log_level="WARNING",
        auth="off",  # as memory_env's memory
        **overrides,
    )
    runtime = create_runtime(settings)
    runtime.start()
    return runtime


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_envoy(data_dir: Path, generator_port: int, memory_port: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {
        **os.environ,
        "AICMO_DATA_DIR": str(data_dir),
        "AICMO_GATEWAY_PORT": str(port),
        "AICMO_GENERATOR_TARGET": f"127.0.0.1:{generator_port}",
        "AICMO_MEMORY_TARGET": f"127.0.0.1:{memory_port}",
        "AICMO_LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen([sys.executable, "-m", "gateway"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, port
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("envoy did not start")


class Rest:
    """One keep-alive HTTP/1.1 connection, as a real REST client would hold."""

    def __init__(self, port: int) -> None:
        self._conn = http.client.HTTPConnection("127.0.0.1", port, timeout=130)

    def call(self, method: str, path: str, body: object | None = None) -> Any:
        payload = None if body is None else json.dumps(body)
        self._conn.request(method, path, body=payload, headers={"Content-Type": "application/json"})
        response = self._conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: HTTP {response.status} {data[:200]!r}")
        return json.loads(data)

    def close(self) -> None:
        self._conn.close()


def run(args: argparse.Namespace) -> int:
    progress = Progress()
    table = ResultTable()
    items = 2_000 if args.quick else args.stack_items
    reports = 8 if args.quick else args.reports
    print(f"machine: {os.cpu_count()} CPUs, load {load_average()}; reports per configuration: {reports}")
    with environment(progress) as env:
        corpus = MarketingCorpus(seed=11, clients=CLIENTS)
        real = min(1_000, items)
        for start in range(0, real, BATCH):
            batch = [record_request(corpus.short()) for _ in range(min(BATCH, real - start))]
            env.stub.BatchRecordItems(mpb.BatchRecordItemsRequest(requests=batch), timeout=120)
        anchors, vectors = load_anchors(env)
        fill_to(env, items, anchors, SyntheticVectors(vectors, seed=11), 11)
        progress(f"memory holds {env.count():,} items ({real:,} embedded for real, the rest synthetic)")
        data_dir = env.settings.data_dir
        generator = start_generator(env, data_dir / "gen-sync")
        channel = grpc.insecure_channel(f"127.0.0.1:{generator.app.port}")
        stub = gpb_grpc.GeneratorServiceStub(channel)
        try:
            _reports(env, stub, generator, reports, items, table, progress)
            _background(env, reports, items, table, progress)
            _gateway(env, stub, generator, reports, table, progress)
        finally:
            channel.close()
            generator.stop()
    print()
    print(table.render())
    print(f"\nload average after: {load_average()}\ncommand: {args.command}", flush=True)
    return 0


def _reports(env: Env, stub: gpb_grpc.GeneratorServiceStub, generator: GeneratorRuntime, reports: int, items: int,
             table: ResultTable, progress: Progress) -> None:  # fmt: skip
    offset = uuid.uuid4().int % 10_000 * 1000  # fresh brands each run, so recording really records
    for i in range(3):  # warm-up
        stub.GenerateReport(generate_request(offset + 900 + i, True), timeout=DEADLINE)
    timings: list[dict[str, float]] = []

    def on(i: int) -> None:
        response = stub.GenerateReport(generate_request(offset + i, True), timeout=DEADLINE)
        assert response.learning_status == "recorded" and len(response.sections) == 17
        timings.append(dict(response.timings))

    def off(i: int) -> None:
        response = stub.GenerateReport(generate_request(offset + i, False), timeout=DEADLINE)
        assert len(response.sections) == 17

    # Interleaved, so machine noise hits both configurations alike.
    on_s: list[float] = []
    off_s: list[float] = []
    for i in range(reports):
        on_s += timed(1, lambda _, i=i: on(i))  # type: ignore[misc]
        off_s += timed(1, lambda _, i=i: off(i))  # type: ignore[misc]
    on50, on99 = percentile_ms(on_s, 50), percentile_ms(on_s, 99)
    off50, off99 = percentile_ms(off_s, 50), percentile_ms(off_s, 99)

    def median(key: str) -> float:
        return sorted(t[key] for t in timings)[len(timings) // 2]

    progress(f"17-section report, learning on: p50 {on50:.1f} ms p99 {on99:.1f} ms "
             f"(retrieve {median('retrieve_ms'):.1f} ms, compose {median('compose_ms'):.1f} ms, "
             f"record {median('record_ms'):.1f} ms median)")  # fmt: skip
    progress(f"17-section report, learning off: p50 {off50:.1f} ms p99 {off99:.1f} ms")
    table.at_most(f"offline 17-section report p50, learning on, {items:,} items", on50, 150.0, ".1f", "ms")
    table.info(f"offline 17-section report p99, learning on, {items:,} items", f"{on99:.1f} ms")
    table.info("offline 17-section report p50 / p99, learning off", f"{off50:.1f} / {off99:.1f} ms")
    table.info("  of which retrieval / recording (median, learning on)",
               f"{median('retrieve_ms'):.1f} / {median('record_ms'):.1f} ms")  # fmt: skip
    table.at_most("learning overhead, synchronous recording (p50 on / off - 1)", (on50 / off50 - 1) * 100, 25.0,
                  ".0f", "%")  # fmt: skip

    first_s: list[float] = []
    for i in range(reports):
        started = time.perf_counter()
        stream = stub.StreamGenerateReport(
            gpb.StreamGenerateReportRequest(request=generate_request(offset + 500 + i, True)),
            timeout=DEADLINE,
        )
        for event in stream:
            if event.WhichOneof("event") == "section_completed":
                first_s.append(time.perf_counter() - started)
                stream.cancel()
                break
    first50 = percentile_ms(first_s, 50)
    progress(f"streaming: first section after p50 {first50:.1f} ms (learning on: retrieval comes first)")
    table.info("streaming time to first section p50 / p99",
               f"{first50:.1f} / {percentile_ms(first_s, 99):.1f} ms")  # fmt: skip


def _background(env: Env, reports: int, items: int, table: ResultTable, progress: Progress) -> None:
    """The same with AICMO_RECORD_BUDGET_MS=0: recording leaves the request path for the spool thread."""
    generator = start_generator(env, env.settings.data_dir / "gen-async", record_budget_ms=0)
    channel = grpc.insecure_channel(f"127.0.0.1:{generator.app.port}")
    stub = gpb_grpc.GeneratorServiceStub(channel)
    offset = uuid.uuid4().int % 10_000 * 1000 + 5_000_000
    try:
        stub.GenerateReport(generate_request(offset - 1, True), timeout=DEADLINE)
        on_s: list[float] = []
        off_s: list[float] = []
        for i in range(reports):
            # Let the previous report's background delivery finish first: this measures the request path.
            deadline = time.monotonic() + 30
            while generator.spool.pending() and time.monotonic() < deadline:
                time.sleep(0.01)
            on_s += timed(
                1,
                lambda _, i=i: stub.GenerateReport(generate_request(offset + i, True), timeout=DEADLINE),  # type: ignore[misc]
            )
            off_s += timed(
                1,
                lambda _, i=i: stub.GenerateReport(generate_request(offset + i, False), timeout=DEADLINE),  # type: ignore[misc]
            )
        on50, off50 = percentile_ms(on_s, 50), percentile_ms(off_s, 50)
        progress(
            f"background recording (AICMO_RECORD_BUDGET_MS=0): on p50 {on50:.1f} ms, off p50 {off50:.1f} ms"
        )
        table.at_most("learning overhead, background recording (RECORD_BUDGET_MS=0)", (on50 / off50 - 1) * 100,
                      25.0, ".0f", "%")  # fmt: skip
    finally:
        channel.close()
        generator.stop()


def _gateway(env: Env, stub: gpb_grpc.GeneratorServiceStub, generator: GeneratorRuntime, reports: int,
             table: ResultTable, progress: Progress) -> None:  # fmt: skip
    proc, port = start_envoy(env.settings.data_dir, generator.app.port, env.runtime.app.port)
    rest = Rest(port)
    try:
        search = mpb.SearchItemsRequest(query="loyalty program for a coffee subscription", top_k=5)
        search_json = json_format.MessageToDict(search, preserving_proto_field_name=True)
        generate = generate_request(42, False)
        generate_json = json_format.MessageToDict(generate, preserving_proto_field_name=True)
        cases: list[tuple[str, int, Callable[[], object], Callable[[], object]]] = [
            ("summary", 300, lambda: env.stub.GetSummary(mpb.GetSummaryRequest(), timeout=DEADLINE),
             lambda: rest.call("GET", "/api/learn/debug/summary")),
            ("search", 300, lambda: env.stub.SearchItems(search, timeout=DEADLINE),
             lambda: rest.call("POST", "/api/learn/search", search_json)),
            ("generate (learning off)", max(reports, 20), lambda: stub.GenerateReport(generate, timeout=DEADLINE),
             lambda: rest.call("POST", "/api/aicmo/generate_report", generate_json)),
        ]  # fmt: skip
        for name, calls, direct, via_rest in cases:
            for _ in range(10):
                direct()
                via_rest()
            direct_s: list[float] = []
            rest_s: list[float] = []
            for _ in range(calls):  # interleaved
                direct_s += timed(1, lambda _, f=direct: f())  # type: ignore[misc]
                rest_s += timed(1, lambda _, f=via_rest: f())  # type: ignore[misc]
            d50, r50 = percentile_ms(direct_s, 50), percentile_ms(rest_s, 50)
            ratio = r50 / d50
            progress(
                f"{name}: direct gRPC p50 {d50:.2f} ms, REST via Envoy p50 {r50:.2f} ms, ratio {ratio:.2f}"
            )
            target = 1.3 if name in ("summary", "search") else None
            label = f"gateway cost {name}: REST/gRPC p50 ({r50:.2f} / {d50:.2f} ms)"
            if target is None:
                table.info(label, f"{ratio:.2f}x")
            else:
                table.at_most(label, ratio, target, ".2f", "x")
    finally:
        rest.close()
        proc.terminate()
        proc.wait(10)


BENCHMARK = Benchmark(
    name="stack",
    description="generator reports, the cost of learning, streaming, and the gateway's cost",
    run=run,
    add_arguments=add_arguments,
)
