"""AICMO with memory out of the generator's reach, for the app's tests of what an operator sees then.

A real generator (the service itself, in this process: `services.generator.bootstrap`) behind a real Envoy,
next to the shared stack's real memory. The generator reaches memory through `MemoryLink`, a gRPC relay the
test can cut (memory is down for the generator: retrieval is skipped, learning waits in the real spool,
health names memory), slow down (retrieval is skipped as too slow) or restore. Envoy sends the app's memory
routes straight to memory, so what the app reads and rates there is memory's own answer. Nothing of either
service is imitated: the relay forwards bytes and the person's credentials, or refuses the connection.
"""

from __future__ import annotations

import shutil
import threading
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc

from services.common.signing import keyset_path
from services.generator.bootstrap import GeneratorRuntime, create_runtime
from services.generator.settings import GeneratorSettings
from tests.e2e.stack import HttpResponse, StackProcess, http
from tests.support import ServiceProcess, free_port, new_data_dir, start_gateway, wait_until

# How long the generator waits for past learning here; `MemoryLink.slow` past it skips retrieval as too slow.
RETRIEVAL_BUDGET_MS = 8_000


class MemoryLink:
    """A relay on a fixed loopback port to `upstream` (memory): every unary call forwarded with its
    metadata and deadline (the calls of the methods named in `slow` after that many seconds); `cut()` closes
    the port, `restore()` opens it again."""

    def __init__(self, upstream: str) -> None:
        self.port = free_port()
        self.target = f"127.0.0.1:{self.port}"
        self.slow: dict[str, float] = {}  # method name (e.g. "SearchItems") -> seconds
        self._released = threading.Event()
        self._channel = grpc.insecure_channel(upstream)
        self._server: grpc.Server | None = None
        self.restore()

    def restore(self) -> None:
        self.slow = {}
        if self._server is None:
            self._released.clear()
            server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
            server.add_generic_rpc_handlers([_Relay(self)])
            server.add_insecure_port(self.target)
            server.start()
            self._server = server

    def cut(self) -> None:
        if self._server is not None:
            self._released.set()
            self._server.stop(0).wait()
            self._server = None

    def forward(self, method: str, request: bytes, context: grpc.ServicerContext) -> bytes:
        delay = self.slow.get(method.rsplit("/", 1)[-1], 0.0)
        if delay and self._released.wait(delay):
            context.abort(grpc.StatusCode.UNAVAILABLE, "memory link cut")
        metadata = [
            (k, v) for k, v in context.invocation_metadata() if not k.startswith(("grpc-", ":", "user-agent"))
        ]
        remaining = context.time_remaining()
        try:
            answer: bytes = self._channel.unary_unary(method)(
                request, metadata=metadata, timeout=min(remaining, 60.0) if remaining else 60.0
            )
        except grpc.RpcError as exc:
            context.abort(exc.code(), exc.details() or "")
        return answer

    def close(self) -> None:
        self.cut()
        self._channel.close()


class _Relay(grpc.GenericRpcHandler):  # type: ignore[misc]
    def __init__(self, link: MemoryLink) -> None:
        self._link = link

    def service(self, details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler | None:
        method = details.method
        return grpc.unary_unary_rpc_method_handler(lambda req, ctx: self._link.forward(method, req, ctx))


class Outage:
    """A generator of its own (on a fixed port, so it can stop and start again) reaching the stack's memory
    through a `MemoryLink`, and Envoy in front of both. Sign-in is the stack's: the generator reads the
    stack's signing keys, so the people's tokens the stack gives out are good here too."""

    def __init__(self, stack: StackProcess, **settings: Any) -> None:
        self.stack = stack
        self.data_dir = new_data_dir("ui-outage")
        target = keyset_path(self.data_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(keyset_path(stack.data_dir), target)
        self.link = MemoryLink(stack.memory_target)
        self.generator_port = free_port()
        self.settings = settings
        self.generator: GeneratorRuntime | None = None
        self.start_generator()
        self._gateway: ServiceProcess
        self._gateway, self.gateway_url = start_gateway(
            self.data_dir, generator=f"127.0.0.1:{self.generator_port}", memory=stack.memory_target
        )

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "generator" / "spool"

    def memory_back(self) -> None:
        """Restores the link and waits until the generator reaches memory again (its health says so)."""
        self.link.restore()
        wait_until(
            lambda: self.call("GET", "/api/health").status == 200, 30, what="the generator to reach memory"
        )

    def deliver_queued(self, client_id: str) -> None:
        """Once memory is back: the client's queued learning delivered, by a replay or by the spool's own
        retry (one under way while memory was away delivers as soon as it is back)."""

        def delivered() -> bool:
            for batch in self.queue():
                if batch["client_id"] == client_id:
                    self.call("POST", f"/api/aicmo/learning_queue/{batch['name']}/replay", {})
            return not any(b["client_id"] == client_id for b in self.queue())

        wait_until(delivered, 30, interval=0.5, what="the queued learning to be delivered")

    def call(self, method: str, path: str, body: object | None = None) -> HttpResponse:
        """A REST call through this environment's gateway, as the stack's first admin."""
        admin = {"Authorization": f"Bearer {self.stack.admin_token()}"}
        return http(method, self.gateway_url + path, body, headers=admin)

    def queue(self) -> list[dict[str, Any]]:
        """The generator's learning queue (its batches, queued then set aside)."""
        listed = self.call("GET", "/api/aicmo/learning_queue")
        assert listed.status == 200, listed.body
        batches: list[dict[str, Any]] = listed.json().get("batches", [])
        return batches

    def start_generator(self) -> None:
        config = GeneratorSettings(
            data_dir=self.data_dir,
            generator_port=self.generator_port,
            memory_target=self.link.target,
            auth="required",
            # Tests restore memory and then replay: the spool waits for that instead of retrying by itself.
            spool_retry_seconds=300,
            # As the stack's: a busy machine must not skip retrieval (a test slows memory's search past it).
            retrieval_budget_ms=RETRIEVAL_BUDGET_MS,
            record_budget_ms=30_000,
            **{"openai_api_key": None, **self.settings},
        )
        self.generator = create_runtime(config)
        self.generator.start()

    def stop_generator(self) -> None:
        if self.generator is not None:
            self.generator.stop()
            self.generator = None

    def close(self) -> None:
        self._gateway.stop()
        self.stop_generator()
        self.link.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)
