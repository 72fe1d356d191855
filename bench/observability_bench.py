"""What seeing inside costs: search and generate p50 with observability off, with metrics and request ids
(the default), and with tracing on too; interleaved call by call in one run (target: at most 5 % at p50).

Three servers share one memory service (and one generator use case) in this process and differ only in
their interceptors: bare (none), observed (request ids, metrics, access lines), traced (plus OpenTelemetry
spans into an in-memory exporter, so export cost is the SDK's batching, not a network).
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import grpc
from aicmo.generator.v1 import generator_service_pb2 as gpb
from aicmo.generator.v1 import generator_service_pb2_grpc as gpb_grpc
from aicmo.memory.v1 import memory_service_pb2 as mpb
from aicmo.memory.v1 import memory_service_pb2_grpc as mpb_grpc
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from bench import Benchmark
from bench.memory_env import environment
from bench.report import Progress, ResultTable, load_average
from services.common.errors import GrpcErrorInterceptor
from services.common.observability import tracing
from services.common.server import GrpcApp
from services.generator.bootstrap import create_runtime as create_generator
from services.generator.entrypoints.grpc_servicer import GeneratorServicer
from services.generator.settings import GeneratorSettings
from services.memory.entrypoints.grpc_servicer import MemoryServicer

VARIANTS = ("bare", "observed", "traced")
MEMORY_SERVICE = "aicmo.memory.v1.MemoryService"
GENERATOR_SERVICE = "aicmo.generator.v1.GeneratorService"


def add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--observability-calls", type=int, default=400, help="calls per variant and path")


def _app(name: str, service_name: str, register: Callable[[grpc.Server], None], observe: bool) -> GrpcApp:
    app = GrpcApp(
        name=name,
        host="127.0.0.1",
        port=0,
        service_names=[service_name],
        register=register,
        interceptors=[GrpcErrorInterceptor()],
        observe=observe,
    )
    app.start()
    return app


def _interleaved(calls: int, fns: dict[str, Callable[[int], object]]) -> dict[str, list[float]]:
    """Each call index runs every variant once, in a rotating order, so machine noise hits them alike."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    names = list(fns)
    for i in range(calls):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            started = time.perf_counter()
            fns[name](i)
            times[name].append((time.perf_counter() - started) * 1000)
    return times


def _search(stub: Any, queries: list[str], i: int) -> object:
    return stub.SearchItems(mpb.SearchItemsRequest(query=queries[i % len(queries)], top_k=5), timeout=30)


def _generate(stub: Any, i: int) -> object:
    return stub.GenerateReport(
        gpb.GenerateReportRequest(
            client_brief=gpb.ClientBrief(client_name=f"Bench {i % 5}", brand_name="Benchy"),
            package_key="quick_social_basic",
            use_learning=False,
        ),
        timeout=60,
    )


def run(args: argparse.Namespace) -> int:
    progress = Progress()
    table = ResultTable()
    calls = 60 if args.quick else args.observability_calls
    print(f"machine: {os.cpu_count()} CPUs, load {load_average()}; calls per variant and path: {calls}")
    with environment(progress) as env:
        queries = ["loyalty programme for coffee subscribers", "B2B webinar series for security leaders",
                   "launch a vegan snack in Germany", "win back lapsed gym members"]  # fmt: skip
        env.stub.BatchRecordItems(
            mpb.BatchRecordItemsRequest(
                requests=[
                    mpb.RecordItemRequest(item=mpb.LearningItem(kind="note", text=f"{q} — plan {i}"))
                    for i, q in enumerate(queries * 5)
                ]
            ),
            timeout=120,
        )
        servicer = MemoryServicer(env.runtime.service)
        memory = functools.partial(mpb_grpc.add_MemoryServiceServicer_to_server, servicer)
        apps: dict[str, GrpcApp] = {}
        apps["bare"] = _app("memory-bare", MEMORY_SERVICE, memory, observe=False)
        apps["observed"] = _app("memory-observed", MEMORY_SERVICE, memory, observe=True)
        tracing.configure_tracing("bench", exporter=InMemorySpanExporter())
        apps["traced"] = _app("memory-traced", MEMORY_SERVICE, memory, observe=True)

        settings = GeneratorSettings(
            data_dir=env.settings.data_dir / "observability-generator",
            generator_port=0,
            memory_target=f"127.0.0.1:{env.runtime.app.port}",
            log_level="WARNING",
            auth="off",  # as memory_env's memory
        )
        generator = create_generator(settings)
        generator.start()
        gen_servicer = GeneratorServicer(generator.generator, generator.memory, generator.spool, 60.0)
        gen = functools.partial(gpb_grpc.add_GeneratorServiceServicer_to_server, gen_servicer)
        gen_apps = {
            "bare": _app("generator-bare", GENERATOR_SERVICE, gen, observe=False),
            "observed": _app("generator-observed", GENERATOR_SERVICE, gen, observe=True),
            "traced": _app("generator-traced", GENERATOR_SERVICE, gen, observe=True),
        }
        channels: list[grpc.Channel] = []
        try:
            search: dict[str, Callable[[int], object]] = {}
            generate: dict[str, Callable[[int], object]] = {}
            for name in VARIANTS:
                channel = grpc.insecure_channel(f"127.0.0.1:{apps[name].port}")
                gen_channel = grpc.insecure_channel(f"127.0.0.1:{gen_apps[name].port}")
                channels += [channel, gen_channel]
                stub: Any = mpb_grpc.MemoryServiceStub(channel)
                gen_stub: Any = gpb_grpc.GeneratorServiceStub(gen_channel)
                search[name] = functools.partial(_search, stub, queries)
                generate[name] = functools.partial(_generate, gen_stub)
            for name in VARIANTS:  # warm each path once
                search[name](0)
                generate[name](0)
            progress("search: interleaving bare / observed / traced")
            search_times = _interleaved(calls, search)
            progress("generate (learning off, so only the generator's own work): interleaving")
            generate_times = _interleaved(max(calls // 4, 10), generate)
        finally:
            for channel in channels:
                channel.close()
            for app in (*apps.values(), *gen_apps.values()):
                app.stop()
            generator.stop()
            tracing.shutdown_tracing()
        for path, times in (("search (gRPC, incl. query embedding)", search_times),
                            ("generate, 10-section report", generate_times)):  # fmt: skip
            bare = statistics.median(times["bare"])
            table.info(f"{path}: bare p50", f"{bare:.2f} ms")
            for name in VARIANTS[1:]:
                p50 = statistics.median(times[name])
                table.info(f"{path}: {name} p50", f"{p50:.2f} ms")
                table.at_most(f"{path}: {name} / bare (p50)", p50 / bare, 1.05, ".3f", "x")
    print()
    print(table.render())
    print(f"\nload average after: {load_average()}\ncommand: {args.command}", flush=True)
    return 0


BENCHMARK = Benchmark(
    name="observability",
    description="what metrics, request ids and tracing cost on search and generate (on vs off, interleaved)",
    run=run,
    add_arguments=add_arguments,
)
