"""Bad generate requests are INVALID_ARGUMENT naming the field: checked at the edge, without a server.

(The real-stack journey through gRPC and Envoy is in tests/e2e/test_bad_input.py.)
"""

from __future__ import annotations

from typing import Any

import pytest
from aicmo.generator.v1 import generator_service_pb2 as pb

from services.common.domain_errors import InvalidArgument
from services.generator.entrypoints.convert import generation_request

BRIEF: dict[str, Any] = {"client_name": "Northwind Coffee Co.", "brand_name": "Northwind Roasters"}


def request(package_key: str = "strategy_campaign_standard", **kw: Any) -> pb.GenerateReportRequest:
    brief = pb.ClientBrief(**{**BRIEF, **kw.pop("brief", {})})
    return pb.GenerateReportRequest(client_brief=brief, package_key=package_key, **kw)


def field_of(req: pb.GenerateReportRequest, prefix: str = "") -> str:
    with pytest.raises(InvalidArgument) as err:
        generation_request(req, prefix=prefix)
    return err.value.field


@pytest.mark.parametrize(
    ("req", "field"),
    [
        (request("no_such_package"), "package_key"),
        (request(""), "package_key"),
        (request(brief={"brand_name": " "}), "client_brief.brand_name"),
        (request(brief={"client_name": ""}), "client_brief.client_name"),
        (request(brief={"launch_date": "02/03/2026"}), "client_brief.launch_date"),
        (request(brief={"raw_brief_text": "x" * 20_001}), "client_brief.raw_brief_text"),
        (request(brief={"audience": "a" * 2_001}), "client_brief.audience"),
        (request(stage="publish"), "stage"),
        (request(report_stage=7), "report_stage"),
        (request(report_id="abc"), "report_id"),
        (request(feedback="f" * 5_001), "feedback"),
        (request(brief={"brand_name": "Nul\x00Brand"}), "client_brief.brand_name"),
        (request(feedback="stop\x00"), "feedback"),
        (request(previous_draft="\x00"), "previous_draft"),
    ],
)
def test_invalid_requests_name_the_field(req: pb.GenerateReportRequest, field: str) -> None:
    assert field_of(req) == field


def test_nul_in_metadata_names_the_metadata() -> None:
    req = request()
    req.client_brief.metadata.update({"note": "a\x00b"})
    assert field_of(req).startswith("client_brief.metadata")


def test_unknown_package_lists_the_valid_keys() -> None:
    with pytest.raises(InvalidArgument) as err:
        generation_request(request("premium_pack"))
    assert (
        "strategy_campaign_standard" in err.value.description
        and "quick_social_basic" in err.value.description
    )


def test_streaming_validation_names_the_wrapped_field() -> None:
    assert field_of(request(brief={"brand_name": ""}), prefix="request.") == "request.client_brief.brand_name"


def test_report_stage_wins_over_the_older_stage_string() -> None:
    assert generation_request(request(stage="draft", report_stage=pb.REPORT_STAGE_FINAL)).stage == "final"
    assert generation_request(request(stage="refine")).stage == "refine"
    assert generation_request(request()).stage == "draft"


def test_errors_never_echo_unbounded_input() -> None:
    with pytest.raises(InvalidArgument) as err:
        generation_request(request("k" * 20_000))
    assert len(err.value.message) < 500 and "20000 characters" in err.value.message
