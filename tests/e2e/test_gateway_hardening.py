"""The REST gateway (the real Envoy, started by the launcher) against careless and hostile clients: slow
senders are cut off, errors never echo unbounded input, a malformed grpc-timeout is the client's error
(400), a wrong method is 405 with Allow, connections are bounded.

Timeouts are set low for this stack so the test is quick; outcomes are waited for with generous bounds and
no duration is asserted."""

from __future__ import annotations

import json
import shutil
import socket
import time
from collections.abc import Iterator

import pytest

from tests.e2e.stack import HttpResponse, StackProcess, http
from tests.support import new_data_dir

GENEROUS = 30.0
MAX_MESSAGE = 1024  # AICMO_GATEWAY_MAX_ERROR_MESSAGE_BYTES (default)
MAX_CONNECTIONS = 32


@pytest.fixture(scope="module")
def stack() -> Iterator[StackProcess]:
    stack = StackProcess(
        new_data_dir("gateway-hardening"),
        extra_env={
            "AICMO_GATEWAY_REQUEST_HEADERS_TIMEOUT_SECONDS": "1",
            "AICMO_GATEWAY_REQUEST_TIMEOUT_SECONDS": "2",
            "AICMO_GATEWAY_IDLE_TIMEOUT_SECONDS": "2",
            "AICMO_GATEWAY_MAX_CONNECTIONS": str(MAX_CONNECTIONS),
        },
    )
    stack.start()
    yield stack
    stack.stop()
    shutil.rmtree(stack.data_dir, ignore_errors=True)


def assert_bounded_json_error(response: HttpResponse, status: int) -> dict[str, object]:
    assert response.status == status, response.body[:300]
    assert len(response.body) < MAX_MESSAGE + 300, len(response.body)
    assert sum(len(k) + len(v) for k, v in response.headers.items()) < 1000, response.headers
    body = response.json()  # still valid JSON after the cut
    assert isinstance(body, dict) and set(body) == {"code", "message", "details"}
    return body


def test_a_huge_package_key_is_a_bounded_400(stack: StackProcess) -> None:
    response = stack.post(
        "/api/aicmo/generate_report",
        {"client_brief": {"client_name": "A", "brand_name": "B"}, "package_key": "k" * 20_000},
    )
    body = assert_bounded_json_error(response, 400)
    message = str(body["message"])
    # Bounded at the source (the generator echoes at most 64 characters), else cut by the gateway.
    assert message.startswith("package_key:") and len(message.encode()) <= 1200


def test_echoes_of_long_input_are_bounded(stack: StackProcess) -> None:
    # A value the transcoder cannot parse is quoted back in its error: cut.
    body = assert_bounded_json_error(
        stack.post("/api/learn/search", {"query": "x", "top_k": "7" * 20_000}), 400
    )
    assert str(body["message"]).startswith("top_k:") and "cut by the gateway" in str(body["message"])
    # An unknown query parameter is named in the error: cut.
    body = assert_bounded_json_error(stack.get("/api/learn/items?" + "q" * 5_000 + "=1"), 400)
    assert "Could not find field" in str(body["message"])
    # Non-ASCII text cut in the middle stays valid UTF-8 JSON.
    body = assert_bounded_json_error(
        stack.post("/api/learn/search", {"query": "x", "top_k": "é" * 3_000}), 400
    )
    assert "cut by the gateway" in str(body["message"])
    # A URL too long for the services' metadata limits is refused at the door (not 429 from gRPC).
    assert_bounded_json_error(stack.get("/api/learn/items/" + "i" * 20_000), 431)
    # Short errors are untouched, details included.
    short = stack.post("/api/aicmo/generate_report", {"client_brief": {"client_name": "A", "brand_name": "B"},
                                                      "package_key": "nope"})  # fmt: skip
    assert short.status == 400 and short.json()["details"][0]["field_violations"][0]["field"] == "package_key"
    assert "cut by the gateway" not in short.json()["message"]


def test_grpc_timeout_must_be_well_formed(stack: StackProcess) -> None:
    for garbage in ("garbage", "5", "123456789S", "-1S", "5s "):
        body = assert_bounded_json_error(
            stack.get("/api/aicmo/packages", headers={"grpc-timeout": garbage}), 400
        )
        assert "grpc-timeout" in str(body["message"])
    assert stack.get("/api/aicmo/packages", headers={"grpc-timeout": "5S"}).status == 200
    assert stack.get("/api/aicmo/packages").status == 200


def test_wrong_method_is_405_with_allow(stack: StackProcess) -> None:
    cases = {
        ("DELETE", "/api/aicmo/packages"): "GET",
        ("GET", "/api/aicmo/generate_report"): "POST",
        ("GET", "/api/learn/search"): "POST",
        ("PUT", "/api/learn/items/2b7e1f6c-0000-4000-8000-000000000000"): "DELETE, GET",
        ("POST", "/api/learn/items"): None,  # right method (validation error): not 405
        ("GET", "/api/learn/items"): None,
    }
    for (method, path), allow in cases.items():
        response = http(method, stack.gateway_url + path, {} if method == "POST" else None)
        if allow is None:
            assert response.status != 405, (method, path)
            continue
        assert response.status == 405, (method, path, response.status, response.body[:200])
        assert response.headers.get("allow") == allow
        assert response.json()["message"] == f"method not allowed on this path; allowed: {allow}"
    assert stack.get("/api/nothing/here").status == 404
    assert stack.get("//api//health").status == 200  # one spelling of a path
    # A REST client cannot reach a service's raw gRPC path.
    raw = stack.post("/aicmo.generator.v1.GeneratorService/ListPackages", {})
    assert raw.status == 404 and raw.json()["message"] == "no such path"


def _read_until_closed(sock: socket.socket, bound: float) -> bytes:
    """Everything the gateway sends until it closes the connection (fails if it never does)."""
    sock.settimeout(bound)
    received = b""
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk
    raise AssertionError(f"the gateway kept the connection open; got {received[:200]!r}")


def _connect(stack: StackProcess) -> socket.socket:
    return socket.create_connection(("127.0.0.1", stack.ports["gateway"]), timeout=GENEROUS)


def test_slow_senders_are_cut_off(stack: StackProcess) -> None:
    # Headers that never finish.
    with _connect(stack) as sock:
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: gateway\r\nX-Slow: ")
        reply = _read_until_closed(sock, GENEROUS)
    assert reply == b"" or reply.startswith(b"HTTP/1.1 408"), reply[:200]

    # A body that never finishes.
    with _connect(stack) as sock:
        sock.sendall(
            b"POST /api/learn/search HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
            b'Content-Length: 1000\r\n\r\n{"query": '
        )
        reply = _read_until_closed(sock, GENEROUS)
    assert reply.startswith(b"HTTP/1.1 408"), reply[:200]
    assert b"request timeout" in reply.lower()

    # A connection that never says anything.
    with _connect(stack) as sock:
        assert _read_until_closed(sock, GENEROUS) == b""

    # Meanwhile, everyone else is served.
    assert stack.get("/api/health").status == 200


def test_connections_are_bounded(stack: StackProcess) -> None:
    held: list[socket.socket] = []
    try:
        refused = 0
        for _ in range(MAX_CONNECTIONS + 8):
            try:
                sock = _connect(stack)
            except OSError:
                refused += 1
                continue
            held.append(sock)
        # Envoy accepts and at once closes connections beyond the limit.
        closed = 0
        for sock in held:
            sock.settimeout(0.5)
            try:
                if sock.recv(1) == b"":
                    closed += 1
            except TimeoutError:
                pass
            except ConnectionResetError:
                closed += 1
        assert refused + closed >= 8 - 1, (refused, closed)  # the launcher's own checks may hold one
    finally:
        for sock in held:
            sock.close()

    def served() -> bool:
        return stack.get("/api/health", timeout=10).status == 200

    deadline = time.monotonic() + GENEROUS
    while not served():
        assert time.monotonic() < deadline, "the gateway did not serve again after the connections closed"
        time.sleep(0.2)


def test_the_config_is_valid_for_envoy(stack: StackProcess) -> None:
    import subprocess
    import sys
    from pathlib import Path

    config = stack.data_dir / "gateway" / "envoy.json"
    envoy = Path(sys.executable).parent / "envoy"
    result = subprocess.run([str(envoy), "--mode", "validate", "-c", str(config)], capture_output=True,
                            text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    routes = json.loads(config.read_text())["static_resources"]["listeners"][0]["filter_chains"][0][
        "filters"
    ][0]
    assert routes["typed_config"]["request_headers_timeout"] == "1.000s"
