"""One way for a server interceptor to run code around every call of a handler (unary or streaming)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import grpc

# Called per call with the call's context and its kind ("unary" or "server_stream"); the returned context
# manager is entered for the whole call (for a stream: until its last message, or until the caller stops
# reading, which it sees as GeneratorExit).
Around = Callable[[grpc.ServicerContext, str], AbstractContextManager[None]]


def around_calls(
    handler: grpc.RpcMethodHandler | None, around: Around, on_message: Callable[[], None] | None = None
) -> grpc.RpcMethodHandler | None:
    """The handler with `around` wrapped around each call (`on_message` runs per streamed message)."""
    if handler is None:
        return None
    if handler.unary_unary:
        inner = handler.unary_unary

        def unary(request: Any, context: grpc.ServicerContext) -> Any:
            with around(context, "unary"):
                return inner(request, context)

        return grpc.unary_unary_rpc_method_handler(
            unary, handler.request_deserializer, handler.response_serializer
        )
    if handler.unary_stream:
        inner_stream = handler.unary_stream

        def stream(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            with around(context, "server_stream"):
                for message in inner_stream(request, context):
                    if on_message is not None:
                        on_message()
                    yield message

        return grpc.unary_stream_rpc_method_handler(
            stream, handler.request_deserializer, handler.response_serializer
        )
    return handler
