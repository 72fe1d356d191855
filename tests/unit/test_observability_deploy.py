"""The monitoring pieces in deploy/observability match what the services export."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from services.common.observability.metrics import REGISTRY
from services.memory.figures import METRIC_NAMES as FIGURE_NAMES

ROOT = Path(__file__).resolve().parents[2]
OBSERVABILITY = ROOT / "deploy" / "observability"
_PROMQL_FUNCTIONS = {"sum", "by", "rate", "histogram_quantile", "max", "le", "without", "avg"}


def exported_names() -> set[str]:
    # The learning database's figures come from a collector memory registers at start (it reads the DB).
    names: set[str] = set(FIGURE_NAMES)
    for metric in REGISTRY.collect():
        names.add(metric.name)
        names.update(sample.name for sample in metric.samples)
    # Counters are collected without their _total suffix; histograms add _bucket/_count/_sum on samples.
    names.update(f"{n}_total" for n in list(names))
    names.update(f"{n}{suffix}" for n in list(names) for suffix in ("_bucket", "_count", "_sum"))
    return names


def test_every_dashboard_query_uses_metrics_the_services_export() -> None:
    dashboard = json.loads((OBSERVABILITY / "grafana-dashboard.json").read_text())
    exported = exported_names()
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    assert len(exprs) >= 10
    for expr in exprs:
        # Drop label matchers, ranges, strings and grouping clauses ("by (...)"): what is left names metrics.
        without_labels = re.sub(r"\{[^}]*\}|\[[^\]]*\]|\"[^\"]*\"|\bby \([^)]*\)", "", expr)
        names = set(re.findall(r"[a-z_][a-z0-9_]*", without_labels)) - _PROMQL_FUNCTIONS
        metric_names = {n for n in names if n.startswith(("grpc_", "aicmo_"))}
        assert metric_names, expr
        assert metric_names <= exported, f"{expr}: {metric_names - exported} not exported"


def test_the_pod_monitor_selects_pods_with_a_metrics_port() -> None:
    monitor = yaml.safe_load((OBSERVABILITY / "podmonitor.yaml").read_text())
    assert monitor["kind"] == "PodMonitor"
    selected = set(monitor["spec"]["selector"]["matchExpressions"][0]["values"])
    for app in selected:
        docs = [
            d for d in yaml.safe_load_all((ROOT / "deploy" / "kubernetes" / f"{app}.yaml").read_text()) if d
        ]
        workload = next(d for d in docs if d["kind"] in ("Deployment", "StatefulSet"))
        template = workload["spec"]["template"]
        assert template["metadata"]["labels"]["app"] == app
        ports = [p for c in template["spec"]["containers"] for p in c.get("ports", [])]
        assert any(p.get("name") == "metrics" for p in ports), app
    assert {e["port"] for e in monitor["spec"]["podMetricsEndpoints"]} == {"metrics"}
