"""TLS settings: files that go together, Envoy's upstream TLS (which Envoy accepts), and plaintext when
nothing is set. The stack running on TLS is tested in tests/e2e/test_tls.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from gateway.envoy_config import build_config, write_config
from gateway.settings import GatewaySettings
from services.common.settings import CommonSettings
from services.common.tls import channel_credentials, server_credentials
from tests.tls_certs import make_pki

DESCRIPTOR = GatewaySettings().gateway_descriptor
needs_descriptor = pytest.mark.skipif(not DESCRIPTOR.exists(), reason="run `make protos` first")


def test_no_certificates_is_plaintext(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AICMO_TLS_CERT_FILE", "AICMO_TLS_KEY_FILE", "AICMO_TLS_CA_FILE", "AICMO_TLS_CLIENT_AUTH"):
        monkeypatch.delenv(name, raising=False)
    settings = CommonSettings(_env_file=None)  # type: ignore[call-arg]
    assert server_credentials(settings) is None and channel_credentials(settings) is None
    assert not settings.tls_enabled


@pytest.mark.parametrize(
    "values",
    [  # (the files exist: what is refused is the combination)
        {"tls_cert_file": "a.crt"},  # a certificate without its key
        {"tls_key_file": "a.key"},
        {"tls_client_auth": True, "tls_ca_file": "ca.crt"},  # mutual TLS without an own certificate
        {"tls_client_auth": True, "tls_cert_file": "a.crt", "tls_key_file": "a.key"},  # ... or without a CA
    ],
)
def test_incomplete_tls_settings_are_refused(values: dict[str, object], tmp_path: Path) -> None:
    for name in ("a.crt", "a.key", "ca.crt"):
        (tmp_path / name).write_text("-")
    with pytest.raises(ValidationError):
        CommonSettings.model_validate(
            {k: tmp_path / v if isinstance(v, str) else v for k, v in values.items()}
        )


def test_a_missing_file_is_refused_as_a_setting(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        CommonSettings.model_validate({"tls_ca_file": tmp_path / "missing.crt"})


def _upstream_tls(config: dict[str, object], cluster: str) -> dict[str, object]:
    clusters = config["static_resources"]["clusters"]  # type: ignore[index]
    found = next(c for c in clusters if c["name"] == cluster)
    context: dict[str, object] = found["transport_socket"]["typed_config"]
    return context


@needs_descriptor
def test_envoy_verifies_the_services_and_presents_its_certificate(tmp_path: Path) -> None:
    pki = make_pki(tmp_path / "certs")
    settings = GatewaySettings(
        data_dir=tmp_path,
        tls_ca_file=pki.ca,
        tls_cert_file=pki.server.cert,
        tls_key_file=pki.server.key,
        tls_client_auth=True,
        memory_target="memory-ready:50052",
        generator_target="127.0.0.1:50051",
    )
    config = build_config(settings, DESCRIPTOR, tmp_path)
    memory = _upstream_tls(config, "memory")
    assert memory["sni"] == "memory-ready"
    common = memory["common_tls_context"]
    assert common["validation_context"]["match_typed_subject_alt_names"] == [  # type: ignore[index]
        {"san_type": "DNS", "matcher": {"exact": "memory-ready"}}
    ]
    assert common["tls_certificates"]  # type: ignore[index]
    generator = _upstream_tls(config, "generator")
    assert generator["common_tls_context"]["validation_context"]["match_typed_subject_alt_names"] == [  # type: ignore[index]
        {"san_type": "IP_ADDRESS", "matcher": {"exact": "127.0.0.1"}}
    ]
    path = write_config(settings, DESCRIPTOR)
    envoy = Path(sys.executable).parent / "envoy"
    result = subprocess.run(
        [str(envoy), "--mode", "validate", "-c", str(path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


@needs_descriptor
def test_without_a_ca_envoy_speaks_plaintext_to_the_services(tmp_path: Path) -> None:
    config = build_config(GatewaySettings(data_dir=tmp_path, tls_ca_file=None), DESCRIPTOR, tmp_path)
    clusters = config["static_resources"]["clusters"]
    assert all("transport_socket" not in c for c in clusters if c["name"] in ("memory", "generator"))
