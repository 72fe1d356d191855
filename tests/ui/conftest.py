"""Fixtures of the app's tests: the shared real stack (tests/conftest.py `running_stack`), and AICMO with
memory out of the generator's reach (tests/ui/outage.py), one per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.stack import StackProcess
from tests.ui.outage import Outage


@pytest.fixture(scope="session")
def outage_env(running_stack: StackProcess) -> Iterator[Outage]:
    env = Outage(running_stack)
    yield env
    env.close()


@pytest.fixture
def outage(outage_env: Outage) -> Iterator[Outage]:
    """The outage environment with memory reachable and the generator running (as each test leaves it)."""
    if outage_env.generator is None:
        outage_env.start_generator()
    outage_env.memory_back()
    yield outage_env
    if outage_env.generator is None:
        outage_env.start_generator()
    outage_env.memory_back()
