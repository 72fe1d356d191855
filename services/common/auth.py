"""Bearer-token access control, checked by each service itself (direct gRPC callers included).

With AICMO_API_TOKEN set, every call except health checks must carry `authorization: Bearer <token>`
(Envoy forwards the HTTP header as gRPC metadata). Without it the API is open, and the services say so.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Iterable
from typing import Any

import grpc

from services.common.logging import register_secret
from services.common.settings import CommonSettings

log = logging.getLogger(__name__)

HEALTH_PREFIX = "/grpc.health.v1.Health/"


class TokenAuthInterceptor(grpc.ServerInterceptor):  # type: ignore[misc]
    def __init__(self, token: str, open_methods: Iterable[str] = ()) -> None:
        self._expected = f"Bearer {token}".encode()
        self._open = set(open_methods)

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        method = handler_call_details.method
        if method.startswith(HEALTH_PREFIX) or method in self._open:
            return continuation(handler_call_details)
        presented = ""
        for key, value in handler_call_details.invocation_metadata or ():
            if key == "authorization":
                presented = value if isinstance(value, str) else value.decode(errors="replace")
        if hmac.compare_digest(presented.encode(), self._expected):
            return continuation(handler_call_details)
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        message = "missing bearer token" if not presented else "invalid bearer token"

        def deny(_request: Any, context: grpc.ServicerContext) -> Any:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, message)

        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                deny, handler.request_deserializer, handler.response_serializer
            )
        return grpc.unary_unary_rpc_method_handler(
            deny, handler.request_deserializer, handler.response_serializer
        )


def auth_interceptors(settings: CommonSettings, service: str, open_methods: Iterable[str] = ()) -> list[Any]:
    """The interceptors enforcing AICMO_API_TOKEN, or none (with a warning) when it is unset."""
    if settings.api_token is None or not settings.api_token.get_secret_value():
        log.warning(
            "%s: AICMO_API_TOKEN is not set, so the API is open to anyone who can reach %s "
            "(set AICMO_API_TOKEN, or keep AICMO_BIND_HOST at 127.0.0.1)",
            service,
            settings.bind_host,
        )
        return []
    token = settings.api_token.get_secret_value()
    register_secret(token)
    return [TokenAuthInterceptor(token, open_methods)]
