"""The stack with TLS on, from certificates this test makes: every gRPC link (gateway -> services,
generator -> memory) is mutual TLS, a plaintext client (or one without a client certificate) is refused,
and memory reaches its Postgres with sslmode=verify-full against the server certificate made here (the
server accepts no unencrypted connection at all)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import grpc
import psycopg2
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.memory.adapters.embedded_postgres import EmbeddedPostgres
from tests.e2e.stack import StackProcess
from tests.pg_tls_terminator import PgTlsTerminator
from tests.support import free_port, health_status, new_data_dir
from tests.tls_certs import Pki, make_pki

T = 5.0


def _tls_postgres(data_dir: Path, pki: Pki) -> tuple[EmbeddedPostgres, PgTlsTerminator]:
    """The embedded Postgres behind a TLS endpoint presenting the test's server certificate (the wheel's
    server has no TLS of its own: tests/pg_tls_terminator.py)."""
    server = EmbeddedPostgres(data_dir, free_port())
    server.ensure_running()
    terminator = PgTlsTerminator(server.port, pki.server.cert, pki.server.key)
    terminator.start()
    return server, terminator


@pytest.fixture
def tls_stack() -> Iterator[tuple[StackProcess, Pki, PgTlsTerminator]]:
    data_dir = new_data_dir("tls-stack")
    pki = make_pki(data_dir / "certs")
    pg, terminator = _tls_postgres(new_data_dir("tls-pg"), pki)
    url = f"postgresql+psycopg2://aicmo@localhost:{terminator.port}/aicmo?sslmode=verify-full&sslrootcert={pki.ca}"
    stack = StackProcess(
        data_dir,
        extra_env={
            "AICMO_MEMORY_DB": url,
            "AICMO_TLS_CERT_FILE": str(pki.server.cert),
            "AICMO_TLS_KEY_FILE": str(pki.server.key),
            "AICMO_TLS_CA_FILE": str(pki.ca),
            "AICMO_TLS_CLIENT_AUTH": "true",
            "AICMO_FAKE_EMBEDDINGS": "1",
            "AICMO_MEMORY_HEALTH_PORT": str(free_port()),
        },
    )
    try:
        stack.start()
        yield stack, pki, terminator
    finally:
        stack.stop()
        terminator.stop()
        pg.stop()
        shutil.rmtree(stack.data_dir, ignore_errors=True)
        shutil.rmtree(pg.data_dir, ignore_errors=True)


def _tls_health(target: str, pki: Pki, *, with_client_cert: bool) -> str:
    credentials = grpc.ssl_channel_credentials(
        root_certificates=pki.ca.read_bytes(),
        private_key=pki.client.key.read_bytes() if with_client_cert else None,
        certificate_chain=pki.client.cert.read_bytes() if with_client_cert else None,
    )
    with grpc.secure_channel(target, credentials) as channel:
        try:
            response = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=T)
        except grpc.RpcError as exc:
            return str(exc.code().name)
    return str(health_pb2.HealthCheckResponse.ServingStatus.Name(response.status))


def test_the_stack_runs_on_tls_and_refuses_plaintext(
    tls_stack: tuple[StackProcess, Pki, PgTlsTerminator],
) -> None:
    stack, pki, terminator = tls_stack
    for target in (stack.memory_target, stack.generator_target):
        assert health_status(target, timeout=T) == "UNREACHABLE", target  # plaintext: refused
        assert _tls_health(target, pki, with_client_cert=False) == "UNAVAILABLE", target  # no client cert
        assert _tls_health(target, pki, with_client_cert=True) == "SERVING", target

    # Probes that cannot speak TLS (Kubernetes' grpc probes) ask the plaintext health-only listener.
    assert health_status(f"127.0.0.1:{stack.env['AICMO_MEMORY_HEALTH_PORT']}", timeout=T) == "SERVING"

    # Through Envoy (TLS upstream) to the generator, which asks memory (TLS) how it is.
    health = stack.get("/api/health", timeout=30)
    assert health.status == 200, health.body
    # A write and a read through the gateway to memory, which stores it in Postgres over verify-full.
    client = f"tls-{uuid.uuid4().hex[:6]}"
    created = stack.post(
        "/api/learn/items", {"item": {"kind": "uploaded_example", "text": "over TLS", "client_id": client}}
    )
    assert created.status == 200, created.body
    fetched = stack.get(f"/api/learn/items/{created.json()['item']['id']}")
    assert fetched.status == 200 and fetched.json()["item"]["client_id"] == client

    # A client's export and import through the REST routes (ClientTransferService).
    exported = stack.get(f"/api/learn/clients/{client}/export")
    assert exported.status == 200, exported.body
    assert stack.delete(f"/api/learn/clients/{client}").status == 200
    assert stack.get(f"/api/learn/items/{created.json()['item']['id']}").status == 404
    refused = stack.post("/api/learn/clients:import", {"data": exported.json()["data"]})
    assert refused.status == 400, refused.body  # forgotten here: bringing it back must be asked for
    imported = stack.post(
        "/api/learn/clients:import", {"data": exported.json()["data"], "bring_back_forgotten": True}
    )
    assert imported.status == 200 and imported.json()["was_forgotten"], imported.body
    assert stack.get(f"/api/learn/items/{created.json()['item']['id']}").status == 200

    # Memory reached Postgres only through TLS with verify-full: its connections are TLS sessions, and
    # the endpoint refuses any other.
    assert terminator.tls_sessions >= 1
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(
            host="127.0.0.1", port=terminator.port, user="aicmo", dbname="aicmo", sslmode="disable"
        )
    assert terminator.refused_plaintext >= 1
    verified = psycopg2.connect(
        host="localhost", port=terminator.port, user="aicmo", dbname="aicmo", sslmode="verify-full",
        sslrootcert=str(pki.ca),
    )  # fmt: skip
    verified.close()
    # verify-full checks the certificate: a client trusting another CA is refused.
    other = make_pki(stack.data_dir / "other-certs", "other")
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(
            host="localhost", port=terminator.port, user="aicmo", dbname="aicmo", sslmode="verify-full",
            sslrootcert=str(other.ca),
        )  # fmt: skip
