"""Prometheus metrics: the standard gRPC names (so existing dashboards work) and each service's figures.

Metric names follow the grpc-ecosystem conventions (`grpc_server_handled_total`, `grpc_server_handling_seconds`,
`grpc_client_handled_total`, ...). Everything lives in one registry per process, served by `serve_metrics`.
"""

from __future__ import annotations

import logging

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)
_RPC = ("grpc_type", "grpc_service", "grpc_method")  # the labels of every gRPC metric
_LATENCY = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)

# -- gRPC, server side (every service) -----------------------------------------------------------------
GRPC_SERVER_STARTED = Counter(
    "grpc_server_started_total",
    "RPCs started on the server.",
    _RPC,
    registry=REGISTRY,
)
GRPC_SERVER_HANDLED = Counter(
    "grpc_server_handled_total",
    "RPCs completed on the server, by status code.",
    [*_RPC, "grpc_code"],
    registry=REGISTRY,
)
GRPC_SERVER_HANDLING_SECONDS = Histogram(
    "grpc_server_handling_seconds",
    "Time to handle an RPC on the server.",
    _RPC,
    buckets=_LATENCY,
    registry=REGISTRY,
)
GRPC_SERVER_MSG_SENT = Counter(
    "grpc_server_msg_sent_total",
    "Stream messages sent by the server.",
    _RPC,
    registry=REGISTRY,
)

# -- gRPC, client side (the generator calling memory) ----------------------------------------------------
GRPC_CLIENT_HANDLED = Counter(
    "grpc_client_handled_total",
    "RPCs completed by the client, by status code.",
    [*_RPC, "grpc_code"],
    registry=REGISTRY,
)
GRPC_CLIENT_HANDLING_SECONDS = Histogram(
    "grpc_client_handling_seconds",
    "Time until an RPC's answer arrived at the client.",
    _RPC,
    buckets=_LATENCY,
    registry=REGISTRY,
)

# -- generator ---------------------------------------------------------------------------------------------
GENERATION_STAGE_SECONDS = Histogram(
    "aicmo_generation_stage_seconds",
    "Time per generation stage (retrieve, compose, record, total), by mode.",
    ["stage", "mode"],
    buckets=_LATENCY,
    registry=REGISTRY,
)
RETRIEVAL_SKIPPED = Counter(
    "aicmo_retrieval_skipped_total",
    "Reports written without past learning, by reason.",
    ["reason"],
    registry=REGISTRY,
)
LEARNING_OUTCOMES = Counter(
    "aicmo_learning_total",
    "Reports by what happened to their learning (recorded, queued, off).",
    ["state"],
    registry=REGISTRY,
)
LLM_CALLS = Counter(
    "aicmo_llm_calls_total",
    "Language-model calls by outcome (ok, failed, fallback).",
    ["outcome"],
    registry=REGISTRY,
)
LLM_TOKENS = Counter(
    "aicmo_llm_tokens_total",
    "Tokens used by the language model, by kind (prompt, completion).",
    ["kind"],
    registry=REGISTRY,
)
SPOOL_QUEUED = Gauge(
    "aicmo_spool_queued", "Learning batches waiting in this generator's spool.", registry=REGISTRY
)
SPOOL_OLDEST_AGE = Gauge(
    "aicmo_spool_oldest_age_seconds",
    "Age of the oldest queued learning batch (0 when none).",
    registry=REGISTRY,
)
SPOOL_SET_ASIDE = Gauge(
    "aicmo_spool_set_aside", "Learning batches memory rejected for good, set aside.", registry=REGISTRY
)

# -- memory ------------------------------------------------------------------------------------------------
EMBEDDING_SECONDS = Histogram(
    "aicmo_embedding_seconds", "Time to embed one batch of texts.", buckets=_LATENCY, registry=REGISTRY
)
EMBEDDING_BATCH_SIZE = Histogram(
    "aicmo_embedding_batch_size",
    "Texts per embedding batch.",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
    registry=REGISTRY,
)
SQL_SECONDS = Histogram(
    "aicmo_sql_seconds",
    "Time per SQL statement, by kind (select, insert, update, delete, other).",
    ["statement"],
    buckets=_LATENCY,
    registry=REGISTRY,
)
SEARCH_RESULTS = Histogram(
    "aicmo_search_results",
    "Results returned per search.",
    buckets=(0, 1, 2, 5, 10, 20, 50),
    registry=REGISTRY,
)
SEARCH_CANDIDATES = Histogram(
    "aicmo_search_candidates",
    "Candidates the index was asked for per search.",
    buckets=(10, 20, 40, 80, 160, 320, 640),
    registry=REGISTRY,
)
# aicmo_items{kind} and aicmo_database_bytes come from services/memory/figures.py (read from the database).


def serve_metrics(host: str, port: int, service: str) -> int:
    """Serves /metrics for this process on host:port (0 picks a free port); returns the port."""
    server, _thread = start_http_server(port, addr=host, registry=REGISTRY)
    bound = int(server.server_port)
    log.info("%s metrics on http://%s:%d/metrics", service, host, bound, extra={"metrics_port": bound})
    return bound
