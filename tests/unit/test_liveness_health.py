"""The `liveness` health service Kubernetes' liveness probes ask (deploy/kubernetes): SERVING while the
process answers, whatever the service's own health says (memory is NOT_SERVING while its database is away,
and a restart would not bring the database back)."""

from __future__ import annotations

from services.common.server import LIVENESS_SERVICE, GrpcApp
from tests.support import health_status


def test_liveness_stays_serving_when_the_service_is_not() -> None:
    app = GrpcApp(name="t", host="127.0.0.1", port=0, service_names=["aicmo.t.v1.T"], register=lambda _: None)
    port = app.start()
    target = f"127.0.0.1:{port}"
    try:
        app.set_serving(False)
        assert health_status(target, timeout=5) == "NOT_SERVING"
        assert health_status(target, "aicmo.t.v1.T", timeout=5) == "NOT_SERVING"
        assert health_status(target, LIVENESS_SERVICE, timeout=5) == "SERVING"
        app.set_serving(True)
        assert health_status(target, LIVENESS_SERVICE, timeout=5) == "SERVING"
    finally:
        app.stop()
    assert health_status(target, LIVENESS_SERVICE) == "UNREACHABLE"
