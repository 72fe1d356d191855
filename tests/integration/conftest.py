"""Integration tests exercise memory and the generator in-process or one service at a time; sign-in and roles
are tested through the whole stack (tests/e2e/test_people.py) and in tests/unit/test_auth.py, so here the
services run with AICMO_AUTH=off (everyone an admin) unless a test sets it."""

from __future__ import annotations

import os

os.environ.setdefault("AICMO_AUTH", "off")
