"""The LLM path with the real openai SDK against an OpenAI-compatible server on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aicmo.generator.v1 import generator_service_pb2 as gpb
from aicmo.memory.v1 import memory_service_pb2 as mpb

from tests.integration.generator.conftest import StackFactory, T, brief, generate_request
from tests.openai_stub_server import OpenAIStubServer


@pytest.fixture
def openai_server() -> Iterator[OpenAIStubServer]:
    server = OpenAIStubServer()
    yield server
    server.stop()


def test_sections_are_written_by_the_model_with_retrieved_examples(
    make_stack: StackFactory, openai_server: OpenAIStubServer
) -> None:
    stack = make_stack(
        openai_api_key="sk-test-123", openai_base_url=openai_server.base_url, llm_model="test-model"
    )
    example = (
        "Past channel plan that worked: Instagram reels 40%, Meta ads 35%, email 25% for a coffee roaster."
    )
    stack.memory.RecordItem(
        mpb.RecordItemRequest(
            item=mpb.LearningItem(
                kind="uploaded_example",
                section_id="channel_plan",
                text=example,  # the agency library
            )
        ),
        timeout=T,
    )
    report = stack.generator.GenerateReport(generate_request(), timeout=T)
    assert report.generation_mode == "llm"
    assert all(s.mode == "llm" for s in report.sections)
    assert len(openai_server.chat_requests) == 17
    assert all(h == "Bearer sk-test-123" for h in openai_server.auth_headers)
    prompts = {
        r["messages"][1]["content"].splitlines()[1]: r["messages"][1]["content"]
        for r in openai_server.chat_requests
    }
    channel_prompt = prompts["Section to write: Channel Plan (channel_plan)"]
    assert example in channel_prompt and "Northwind Roasters" in channel_prompt
    assert "## Agency library examples" in channel_prompt
    channel = next(s for s in report.sections if s.id == "channel_plan")
    assert channel.markdown.startswith("LLM-written content for Channel Plan")
    assert channel.learned_from and channel.learned_from[0].score > 0.3


def test_failing_and_slow_sections_fall_back_and_report_mixed(
    make_stack: StackFactory, openai_server: OpenAIStubServer
) -> None:
    openai_server.behaviour.fail_markers.add("(persona_cards)")
    openai_server.behaviour.slow_markers["(ad_concepts)"] = 30.0
    stack = make_stack(
        openai_api_key="sk-test-123", openai_base_url=openai_server.base_url, llm_section_timeout_seconds=1.0
    )
    report = stack.generator.GenerateReport(generate_request(), timeout=T)
    assert report.generation_mode == "mixed"
    modes = {s.id: s.mode for s in report.sections}
    assert modes["persona_cards"] == "offline" and modes["ad_concepts"] == "offline"
    assert modes["overview"] == "llm"
    assert any("persona_cards" in w for w in report.warnings)
    persona = next(s for s in report.sections if s.id == "persona_cards")
    assert "Northwind Roasters" in persona.markdown and len(persona.markdown.split()) > 60
    assert report.timings["total_ms"] < 20_000  # the slow section (30 s) was not waited for


def test_a_model_section_that_breaks_a_brief_rule_falls_back(
    make_stack: StackFactory, openai_server: OpenAIStubServer
) -> None:
    openai_server.behaviour.inject["(channel_plan)"] = "Push cheap bundles on TikTok every weekend."
    stack = make_stack(openai_api_key="sk-test-123", openai_base_url=openai_server.base_url)
    rules = brief(constraints='Never use the word "cheap". No TikTok.')
    report = stack.generator.GenerateReport(
        generate_request(client_brief=rules, use_learning=False), timeout=T
    )
    modes = {s.id: s.mode for s in report.sections}
    assert modes["channel_plan"] == "offline" and modes["overview"] == "llm"
    assert modes["campaign_objective"] == "llm"  # the model stated the objectives as briefed
    assert any("channel_plan" in w and "broke a brief rule" in w for w in report.warnings)
    assert "cheap" not in report.report_markdown.lower() and "tiktok" not in report.report_markdown.lower()
    prompt = next(
        r["messages"][1]["content"]
        for r in openai_server.chat_requests
        if "(channel_plan)" in r["messages"][1]["content"]
    )
    assert '- Never use these words: "cheap"' in prompt and "grow subscriptions by 30%" in prompt


PASTED = (
    "Forwarded from Lena (founder, Kettlewood Bakes): we bake gluten-free sourdough and sell it from two "
    "shops in Utrecht and online. Budget is EUR 20,000 for the autumn... Lena corrected it later: EUR 24,000. "
    "We want 1,500 loyalty members by 31 December 2026. People compare us with Bakkerij Bolle."
)


def test_the_model_reads_a_pasted_brief_and_only_grounded_values_are_used(
    make_stack: StackFactory, openai_server: OpenAIStubServer
) -> None:
    """Structured output through the real SDK: the grounded budget is used, the competitor the brief never
    names is dropped, and the operator is told."""
    openai_server.behaviour.reading = {
        "product": {"value": "gluten-free sourdough", "quote": "we bake gluten-free sourdough"},
        "market": {"value": "Utrecht", "quote": "two shops in Utrecht"},
        "audience": None,
        "budget": {"amount": "EUR 24,000", "quote": "Lena corrected it later: EUR 24,000"},
        "objectives": [{"target": "1,500", "metric": "loyalty members",
                        "quote": "We want 1,500 loyalty members by 31 December 2026"}],
        "competitors": [
            {"name": "Bakkerij Bolle", "quote": "People compare us with Bakkerij Bolle"},
            {"name": "Crumbl", "quote": "Crumbl is our main rival"},  # not in the brief: must be dropped
        ],
        "languages": [],
        "channels_ruled_out": [],
        "business_type": "b2c_retail_fmcg",
    }  # fmt: skip
    stack = make_stack(
        openai_api_key="sk-test", openai_base_url=openai_server.base_url, llm_model="test-model"
    )
    pasted = brief(
        client_name="Kettlewood Bakes BV", brand_name="Kettlewood", product_service="", industry="", geography="",
        audience="", objectives="", budget="", timeline="", constraints="", raw_brief_text=PASTED,
    )  # fmt: skip
    understood = stack.generator.UnderstandBrief(gpb.UnderstandBriefRequest(client_brief=pasted), timeout=T)
    u = understood.understood_brief
    assert openai_server.structured_requests, "the model was asked to read the brief"
    schema = openai_server.structured_requests[0]["response_format"]["json_schema"]
    assert schema["strict"] is True and "competitors" in schema["schema"]["properties"]
    assert "Crumbl" not in [c.name for c in u.competitors]
    assert "Bakkerij Bolle" in [c.name for c in u.competitors]
    assert u.budget.amount == 24000 and u.budget.currency_code == "EUR"

    report = stack.generator.GenerateReport(generate_request(client_brief=pasted), timeout=T)
    assert any("Crumbl" in w for w in report.warnings)  # the operator is told what was not used
    assert "Crumbl" not in report.report_markdown


def test_a_failing_reader_leaves_the_deterministic_reading(
    make_stack: StackFactory, openai_server: OpenAIStubServer
) -> None:
    openai_server.behaviour.fail_reading = True
    stack = make_stack(
        openai_api_key="sk-test", openai_base_url=openai_server.base_url, llm_model="test-model"
    )
    pasted = brief(budget="", raw_brief_text=PASTED)
    report = stack.generator.GenerateReport(generate_request(client_brief=pasted), timeout=T)
    assert report.sections and openai_server.structured_requests
    assert any("without the language model" in w for w in report.warnings)
