"""An OpenAI-compatible HTTP server on loopback, for driving the real openai SDK in tests.

It serves /v1/chat/completions and /v1/embeddings, records every request, and can be told to fail or to
be slow for prompts containing a given marker. It stands in only for the OpenAI cloud, which cannot be
reached from here.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Behaviour:
    fail_markers: set[str] = field(default_factory=set)
    slow_markers: dict[str, float] = field(default_factory=dict)
    # Text appended to the answer for prompts containing the marker (e.g. a word the brief forbids).
    inject: dict[str, str] = field(default_factory=dict)
    # The answer to a structured-output call (a request with response_format): a brief reading.
    reading: dict[str, Any] = field(default_factory=lambda: dict(EMPTY_READING))
    fail_reading: bool = False


EMPTY_READING: dict[str, Any] = {
    "product": None, "market": None, "audience": None, "budget": None, "objectives": [], "competitors": [],
    "languages": [], "channels_ruled_out": [], "business_type": None,
}  # fmt: skip


class OpenAIStubServer:
    def __init__(self) -> None:
        self.behaviour = Behaviour()
        self.chat_requests: list[dict[str, Any]] = []
        self.structured_requests: list[dict[str, Any]] = []
        self.embedding_requests: list[dict[str, Any]] = []
        self.auth_headers: list[str] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    server.auth_headers.append(self.headers.get("Authorization", ""))
                if self.path.endswith("/chat/completions"):
                    server._chat(self, body)
                elif self.path.endswith("/embeddings"):
                    server._embeddings(self, body)
                else:
                    self._send(404, {"error": {"message": "not found"}})

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._handler = Handler
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _chat(self, handler: Any, body: dict[str, Any]) -> None:
        if "response_format" in body:
            self._structured(handler, body)
            return
        with self._lock:
            self.chat_requests.append(body)
        prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
        for marker, delay in self.behaviour.slow_markers.items():
            if marker in prompt:
                time.sleep(delay)
        if any(marker in prompt for marker in self.behaviour.fail_markers):
            handler._send(500, {"error": {"message": "injected failure", "type": "server_error"}})
            return
        section = next((line for line in prompt.splitlines() if line.startswith("Section to write:")), "")
        text = (
            f"LLM-written content for {section.removeprefix('Section to write: ')}.\n\n- A concrete action."
        )
        # A compliant model repeats what the prompt says must appear verbatim (objectives as stated).
        lines = prompt.splitlines()
        if "## Must appear verbatim in this section" in lines:
            start = lines.index("## Must appear verbatim in this section") + 1
            required = [line for line in lines[start:] if line.startswith("- ")]
            text += "\n" + "\n".join(required)
        for marker, extra in self.behaviour.inject.items():
            if marker in prompt:
                text += f"\n\n{extra}"
        handler._send(
            200,
            {
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "test-model"),
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            },
        )

    def _structured(self, handler: Any, body: dict[str, Any]) -> None:
        """A structured-output call: answers with `behaviour.reading` as the JSON content."""
        with self._lock:
            self.structured_requests.append(body)
        if self.behaviour.fail_reading:
            handler._send(500, {"error": {"message": "injected failure", "type": "server_error"}})
            return
        handler._send(
            200,
            {
                "id": "chatcmpl-reading",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "test-model"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": json.dumps(self.behaviour.reading)},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            },
        )

    def _embeddings(self, handler: Any, body: dict[str, Any]) -> None:
        with self._lock:
            self.embedding_requests.append(body)
        inputs = body.get("input", [])
        if isinstance(inputs, str):
            inputs = [inputs]
        dims = 1536
        data = []
        for i, text in enumerate(inputs):
            seed = hashlib.sha256(str(text).encode()).digest()
            vector = [((seed[j % 32] + j) % 17 - 8) / 8.0 for j in range(dims)]
            data.append({"object": "embedding", "index": i, "embedding": vector})
        handler._send(
            200,
            {
                "object": "list",
                "data": data,
                "model": body.get("model"),
                "usage": {"prompt_tokens": 1, "total_tokens": 1},
            },
        )
