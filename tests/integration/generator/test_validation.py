"""Bad generate requests get INVALID_ARGUMENT naming the field (and the valid package keys)."""

from __future__ import annotations

import grpc
import pytest
from aicmo.generator.v1 import generator_service_pb2 as pb
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from tests.integration.generator.conftest import Stack, T, brief, generate_request


def violation(err: grpc.RpcError) -> tuple[str, str]:
    status = rpc_status.from_call(err)
    assert status is not None
    details = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(details)
    return str(details.field_violations[0].field), str(details.field_violations[0].description)


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (generate_request("no_such_package"), "package_key"),
        (generate_request(""), "package_key"),
        (generate_request(client_brief=brief(brand_name=" ")), "client_brief.brand_name"),
        (generate_request(client_brief=brief(client_name="")), "client_brief.client_name"),
        (generate_request(client_brief=brief(launch_date="02/03/2026")), "client_brief.launch_date"),
        (generate_request(client_brief=brief(raw_brief_text="x" * 20_001)), "client_brief.raw_brief_text"),
        (generate_request(client_brief=brief(audience="a" * 2_001)), "client_brief.audience"),
        (generate_request(stage="publish"), "stage"),
        (generate_request(report_id="abc"), "report_id"),
        (generate_request(feedback="f" * 5_001), "feedback"),
    ],
)
def test_invalid_generate_requests(stack: Stack, request_: pb.GenerateReportRequest, field: str) -> None:
    with pytest.raises(grpc.RpcError) as err:
        stack.generator.GenerateReport(request_, timeout=T)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violation(err.value)[0] == field


def test_unknown_package_lists_the_valid_keys(stack: Stack) -> None:
    with pytest.raises(grpc.RpcError) as err:
        stack.generator.GenerateReport(generate_request("premium_pack"), timeout=T)
    field, description = violation(err.value)
    assert field == "package_key" and "strategy_campaign_standard" in description
    assert "quick_social_basic" in description


def test_streaming_validation_names_the_wrapped_field(stack: Stack) -> None:
    bad = pb.StreamGenerateReportRequest(request=generate_request(client_brief=brief(brand_name="")))
    with pytest.raises(grpc.RpcError) as err:
        list(stack.generator.StreamGenerateReport(bad, timeout=T))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violation(err.value)[0] == "request.client_brief.brand_name"
