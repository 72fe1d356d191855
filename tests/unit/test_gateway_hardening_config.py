"""The gateway's Envoy config: hardening settings are in it, route order is right, and Envoy accepts it.
Behaviour through the real Envoy is tested in tests/e2e/test_gateway_hardening.py."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gateway.envoy_config import (
    GRPC_TIMEOUT_PATTERN,
    build_config,
    http_bindings,
    lua_pattern,
    template_regex,
    url_utf8_filter,
    url_utf8_lua,
    write_config,
)
from gateway.settings import GatewaySettings

DESCRIPTOR = GatewaySettings().gateway_descriptor
needs_descriptor = pytest.mark.skipif(not DESCRIPTOR.exists(), reason="run `make protos` first")


def connection_manager(config: dict[str, Any]) -> dict[str, Any]:
    listener = config["static_resources"]["listeners"][0]
    return dict(listener["filter_chains"][0]["filters"][0]["typed_config"])


@pytest.mark.parametrize(
    ("template", "matches", "misses"),
    [
        (
            "/api/learn/items/{id}",
            ["/api/learn/items/abc-1"],
            ["/api/learn/items", "/api/learn/items/a/rating"],
        ),
        ("/api/learn/items:batchRecord", ["/api/learn/items:batchRecord"], ["/api/learn/itemsXbatchRecord"]),
        ("/v1/{name=shelves/*}/books", ["/v1/shelves/s1/books"], ["/v1/shelves/s1/x/books", "/v1/s1/books"]),
        ("/v1/{path=**}:run", ["/v1/a/b/c:run"], ["/v1/:run"]),
    ],
)
def test_path_templates_become_anchored_regexes(template: str, matches: list[str], misses: list[str]) -> None:
    regex = re.compile(template_regex(template))
    for path in matches:
        assert regex.fullmatch(path), (template, path)
    for path in misses:
        assert not regex.fullmatch(path), (template, path)


@pytest.mark.parametrize(
    ("template", "pattern", "names"),
    [
        ("/api/learn/items/{id}/rating", "^/api/learn/items/([^/]+)/rating$", ["id"]),
        ("/api/learn/items:batchRecord", "^/api/learn/items:batchRecord$", []),
        ("/v1/{name=shelves/*}/books/{book}", "^/v1/(shelves/[^/]+)/books/([^/]+)$", ["name", "book"]),
        ("/v1/{path=**}:run", "^/v1/(.+):run$", ["path"]),
        ("/v1/a.b-c", "^/v1/a%.b%-c$", []),
    ],
)
def test_path_templates_become_lua_patterns_naming_their_variables(
    template: str, pattern: str, names: list[str]
) -> None:
    assert lua_pattern(template) == (pattern, names)


@needs_descriptor
def test_the_url_check_knows_every_binding_and_runs_before_the_transcoder(tmp_path: Path) -> None:
    lua = url_utf8_lua(DESCRIPTOR)
    for method, template in http_bindings(DESCRIPTOR):
        assert f'{{"{method}", "{lua_pattern(template)[0]}", ' in lua, (method, template)
    hcm = connection_manager(build_config(GatewaySettings(data_dir=tmp_path), DESCRIPTOR, tmp_path))
    names = [f["name"] for f in hcm["http_filters"]]
    check = hcm["http_filters"].index(url_utf8_filter(DESCRIPTOR))
    assert check < names.index("envoy.filters.http.grpc_json_transcoder")
    assert hcm["local_reply_config"]["mappers"][0]["body_format_override"]["json_format"]["code"] == 3


def test_grpc_timeout_pattern_is_grpcs_syntax() -> None:
    pattern = re.compile(GRPC_TIMEOUT_PATTERN)
    assert all(pattern.fullmatch(v) for v in ("1S", "30S", "99999999H", "250m", "7u", "1n", "2M"))
    assert not any(pattern.fullmatch(v) for v in ("garbage", "5", "123456789S", "-1S", "1.5S", "5s ", ""))


@needs_descriptor
def test_hardening_is_configured(tmp_path: Path) -> None:
    settings = GatewaySettings(data_dir=tmp_path)
    config = build_config(settings, DESCRIPTOR, tmp_path)
    hcm = connection_manager(config)
    assert hcm["request_headers_timeout"] == "10.000s"
    assert hcm["request_timeout"] == "60.000s"
    assert hcm["common_http_protocol_options"]["idle_timeout"] == "120.000s"
    assert hcm["max_request_headers_kb"] == 8
    assert hcm["http_filters"][0]["name"] == "envoy.filters.http.lua"  # sees every reply, local ones too
    monitors = config["overload_manager"]["resource_monitors"]
    assert monitors[0]["typed_config"]["max_active_downstream_connections"] == 1024

    routes = hcm["route_config"]["virtual_hosts"][0]["routes"]
    assert routes[0]["match"]["headers"][0] == {"name": "grpc-timeout", "present_match": True}
    upstream = [r for r in routes if "route" in r]
    assert upstream and all(r["match"].get("grpc") == {} for r in upstream)
    assert routes[-1]["match"] == {"prefix": "/"} and routes[-1]["direct_response"]["status"] == 404
    not_allowed = [r for r in routes if r.get("direct_response", {}).get("status") == 405]
    assert len(not_allowed) == len({template for _, template in http_bindings(DESCRIPTOR)})
    assert routes.index(not_allowed[0]) > routes.index(upstream[-1])


@needs_descriptor
def test_envoy_accepts_the_config(tmp_path: Path) -> None:
    settings = GatewaySettings(data_dir=tmp_path)
    config = write_config(settings, DESCRIPTOR)
    envoy = Path(sys.executable).parent / "envoy"
    result = subprocess.run([str(envoy), "--mode", "validate", "-c", str(config)], capture_output=True,
                            text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
