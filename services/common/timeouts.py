"""The timeout chain of a report, derived from one setting: AICMO_GENERATE_TIMEOUT_SECONDS.

The gateway's generate routes time out after that long; the gateway hands the generator a gRPC deadline a
little shorter (so the generator's answer, even a degraded one, arrives before the route gives up); a
generator called without a deadline uses a shorter one still; and the app waits a little longer than the
route, so it always hears the gateway's answer rather than timing out first.
"""

from __future__ import annotations

DEFAULT_GENERATE_TIMEOUT_SECONDS = 120.0
GATEWAY_MARGIN_SECONDS = 2.0
GENERATOR_MARGIN_SECONDS = 5.0
APP_MARGIN_SECONDS = 5.0
# How long the app waits for the gateway to accept a connection (AICMO_UI_CONNECT_TIMEOUT_SECONDS).
APP_CONNECT_TIMEOUT_SECONDS = 10.0


def gateway_deadline(generate_timeout: float) -> float:
    """The gRPC deadline the gateway passes on to the generator."""
    return max(1.0, generate_timeout - GATEWAY_MARGIN_SECONDS)


def generation_deadline(generate_timeout: float) -> float:
    """The generator's own deadline when its caller set none."""
    return max(1.0, generate_timeout - GENERATOR_MARGIN_SECONDS)


def app_read_timeout(generate_timeout: float) -> float:
    """How long the app waits for a report's answer."""
    return generate_timeout + APP_MARGIN_SECONDS
