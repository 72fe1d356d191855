"""The running system for end-to-end tests: `running_stack` is shared by the whole session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.e2e.stack import StackProcess
from tests.support import new_data_dir


@pytest.fixture(scope="session")
def running_stack() -> Iterator[StackProcess]:
    """Memory, generator, Envoy and the Streamlit UI, started by the launcher on free ports."""
    stack = StackProcess(new_data_dir("stack"), with_ui=True)
    stack.start()
    yield stack
    stack.stop()
    shutil.rmtree(stack.data_dir, ignore_errors=True)


@pytest.fixture
def fresh_stack() -> Iterator[StackProcess]:
    """A stack of its own (no UI) for tests that stop, restart or reconfigure it."""
    stack = StackProcess(new_data_dir("fresh-stack"))
    yield stack
    stack.stop()
    shutil.rmtree(stack.data_dir, ignore_errors=True)
