"""Stacks of their own for end-to-end tests that stop, restart or reconfigure them (the shared
`running_stack` lives in tests/conftest.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.e2e.stack import StackProcess
from tests.support import new_data_dir


@pytest.fixture
def fresh_stack() -> Iterator[StackProcess]:
    """A stack of its own (no UI) for tests that stop, restart or reconfigure it."""
    stack = StackProcess(new_data_dir("fresh-stack"))
    yield stack
    stack.stop()
    shutil.rmtree(stack.data_dir, ignore_errors=True)
