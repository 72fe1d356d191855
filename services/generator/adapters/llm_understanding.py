"""Brief understanding by a language model through the OpenAI SDK's structured outputs (any
OpenAI-compatible endpoint). The answer is only a proposal: domain/readers/model_reading.py grounds every
value against the brief's words before anything uses it."""

from __future__ import annotations

import json
from typing import Any

import openai

from services.common.observability import metrics
from services.generator.domain.brief import Brief
from services.generator.domain.readers.model_reading import SCHEMA, instructions
from services.generator.service_layer.ports import ReaderFailed


class LlmBriefReader:
    def __init__(self, *, api_key: str, model: str, base_url: str | None = None) -> None:
        self.model = model
        self._client = openai.OpenAI(api_key=api_key, base_url=base_url, max_retries=0)

    def read(self, brief: Brief, *, timeout: float) -> dict[str, Any]:
        text = "\n".join(
            f"{name}: {value}"
            for name, value in (
                ("Client", brief.client_name), ("Brand", brief.brand_name), ("Product", brief.product_service),
                ("Industry", brief.industry), ("Geography", brief.geography), ("Audience", brief.audience),
                ("Objectives", brief.objectives), ("Budget", brief.budget), ("Timeline", brief.timeline),
                ("Constraints", brief.constraints),
            )
            if value
        )  # fmt: skip
        try:
            response = self._client.with_options(timeout=timeout).chat.completions.create(
                model=self.model,
                messages=[
                    {"role": "system", "content": instructions()},
                    {"role": "user", "content": f"{text}\n\nBrief as pasted:\n{brief.raw_brief_text}"},
                ],
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": "client_brief", "schema": SCHEMA, "strict": True},
                },
                temperature=0,
            )
        except openai.APIError as exc:
            metrics.LLM_CALLS.labels("failed").inc()
            raise ReaderFailed(type(exc).__name__) from exc
        content = (response.choices[0].message.content or "") if response.choices else ""
        try:
            answer = json.loads(content)
        except ValueError as exc:
            metrics.LLM_CALLS.labels("failed").inc()
            raise ReaderFailed("the answer is not JSON") from exc
        if not isinstance(answer, dict):
            raise ReaderFailed("the answer is not an object")
        metrics.LLM_CALLS.labels("ok").inc()
        return answer
