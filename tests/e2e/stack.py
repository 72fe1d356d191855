"""The whole system started the way an operator starts it (`python -m services.launcher`, what `make run`
runs), on free ports with its own data directory.

Sign-in is on, as in `make run`. The first admin is `admin` with ADMIN_PASSWORD, and `get`/`post`/`delete`
send an admin's token unless told otherwise (`token=None` sends none, `token="..."` another); direct gRPC
callers pass `stack.metadata()` (an admin's) or `stack.metadata(stack.token_for("name", "viewer"))`."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support import ROOT, free_port, wait_until

ADMIN = "admin"
ADMIN_PASSWORD = "admin-password-for-tests"
# Accounts token_for() makes have this password.
TEST_PASSWORD = "a-long-test-password"
_DEFAULT = "admin"
# Paths that need no token (the helpers send none there, so they work while memory is down).
OPEN_PATHS = {"/api/health", "//api//health", "/api/auth/sign_in"}


@dataclass
class HttpResponse:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


def http(method: str, url: str, body: object | bytes | None = None, headers: dict[str, str] | None = None,
         timeout: float = 130.0) -> HttpResponse:  # fmt: skip
    """A plain HTTP call (the UI's kind of client), returning errors as responses rather than raising."""
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json",
                                                                             **(headers or {})})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return HttpResponse(response.status, response.read(), dict(response.headers))
    except urllib.error.HTTPError as err:
        return HttpResponse(err.code, err.read(), dict(err.headers))


@dataclass
class StackProcess:
    data_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    with_ui: bool = False
    proc: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        self.ports = {
            name: free_port()
            for name in ("memory", "generator", "gateway", "ui", "pg", "memory_metrics", "generator_metrics",
                         "gateway_admin")
        }  # fmt: skip
        self.env = {
            **os.environ,
            "AICMO_DATA_DIR": str(self.data_dir),
            "AICMO_MEMORY_PORT": str(self.ports["memory"]),
            "AICMO_GENERATOR_PORT": str(self.ports["generator"]),
            "AICMO_GATEWAY_PORT": str(self.ports["gateway"]),
            "AICMO_UI_PORT": str(self.ports["ui"]),
            "AICMO_EMBEDDED_PG_PORT": str(self.ports["pg"]),
            "AICMO_MEMORY_METRICS_PORT": str(self.ports["memory_metrics"]),
            "AICMO_GENERATOR_METRICS_PORT": str(self.ports["generator_metrics"]),
            "AICMO_GATEWAY_ADMIN_PORT": str(self.ports["gateway_admin"]),
            "AICMO_START_UI": "true" if self.with_ui else "false",
            # "recorded" must hold on a busy machine too (tests of queued learning set their own budget).
            "AICMO_RECORD_BUDGET_MS": "60000",
            "AICMO_RETRIEVAL_BUDGET_MS": "10000",
            "AICMO_AUTH": "required",
            "AICMO_ADMIN_PASSWORD": ADMIN_PASSWORD,
            **self.extra_env,
        }
        self._tokens: dict[str, str] = {}
        self.log_path = self.data_dir / "logs" / "launcher.log"

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['ui']}"

    @property
    def memory_target(self) -> str:
        return f"127.0.0.1:{self.ports['memory']}"

    @property
    def generator_target(self) -> str:
        return f"127.0.0.1:{self.ports['generator']}"

    def start(self, timeout: float = 180.0) -> None:
        self._tokens.clear()  # a restart may bring other keys (a test's AICMO_AUTH_KEYS)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "services.launcher"], cwd=ROOT, env=self.env, stdout=out,
                stderr=subprocess.STDOUT,
            )  # fmt: skip

        def ready() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"launcher exited with {self.proc.returncode}:\n{self.launcher_log()}")
            return "AICMO is running:" in self.launcher_log()[offset:]

        wait_until(ready, timeout, interval=0.2, what="the stack to start")
        # Signed in from the start, as a person at work is: a test that then stops memory (where sign-in
        # happens) still calls the generator with this token, as that person could.
        if self.env.get("AICMO_AUTH") != "off":
            with contextlib.suppress(AssertionError, OSError, KeyError):
                self.admin_token()

    def stop(self, timeout: float = 60.0) -> int:
        if self.proc is None or self.proc.poll() is not None:
            return 0 if self.proc is None else int(self.proc.returncode)
        self.proc.send_signal(signal.SIGTERM)
        try:
            return int(self.proc.wait(timeout))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise

    def launcher_log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def all_logs(self) -> str:
        logs = self.data_dir / "logs"
        return "\n".join(p.read_text(errors="replace") for p in sorted(logs.glob("*.log")))

    def sign_in(self, name: str, password: str) -> HttpResponse:
        return http("POST", self.gateway_url + "/api/auth/sign_in", {"name": name, "password": password})

    def admin_token(self) -> str:
        """A token of the first admin (signed in once per started stack)."""
        token = self._tokens.get(ADMIN)
        if token is None:
            response = self.sign_in(ADMIN, self.env["AICMO_ADMIN_PASSWORD"])
            assert response.status == 200, (response.status, response.body[:300])
            token = self._tokens[ADMIN] = str(response.json()["token"])
        return token

    def token_for(self, name: str, role: str) -> str:
        """A token of `name` with `role` (the account is made, or its role set, by the admin first)."""
        admin = {"Authorization": f"Bearer {self.admin_token()}"}
        made = http("POST", self.gateway_url + "/api/accounts",
                    {"name": name, "role": f"ROLE_{role.upper()}", "password": TEST_PASSWORD}, headers=admin)  # fmt: skip
        if made.status == 409:
            changed = http("POST", self.gateway_url + f"/api/accounts/{name}/role", {"role": f"ROLE_{role.upper()}"},
                           headers=admin)  # fmt: skip
            assert changed.status == 200, (changed.status, changed.body[:300])
        else:
            assert made.status == 200, (made.status, made.body[:300])
        response = self.sign_in(name, TEST_PASSWORD)
        assert response.status == 200, (response.status, response.body[:300])
        return str(response.json()["token"])

    def metadata(self, token: str | None = None) -> tuple[tuple[str, str], ...]:
        """gRPC metadata carrying `token` (default: an admin's)."""
        return (("authorization", f"Bearer {token or self.admin_token()}"),)

    def _headers(self, path: str, token: str | None, headers: dict[str, str] | None) -> dict[str, str]:
        merged = dict(headers or {})
        if token == _DEFAULT:
            wanted = (
                not any(k.lower() == "authorization" for k in merged) and self.env.get("AICMO_AUTH") != "off"
            )
            if wanted and path.split("?", 1)[0] not in OPEN_PATHS:
                # While memory is down (a test of that) the call goes without, as a signed-out one would.
                with contextlib.suppress(AssertionError, OSError):
                    merged["Authorization"] = f"Bearer {self.admin_token()}"
        elif token is not None:
            merged["Authorization"] = f"Bearer {token}"
        return merged

    def get(self, path: str, *, token: str | None = _DEFAULT, headers: dict[str, str] | None = None,
            **kw: Any) -> HttpResponse:  # fmt: skip
        return http("GET", self.gateway_url + path, headers=self._headers(path, token, headers), **kw)

    def post(self, path: str, body: object | bytes, *, token: str | None = _DEFAULT,
             headers: dict[str, str] | None = None, **kw: Any) -> HttpResponse:  # fmt: skip
        return http("POST", self.gateway_url + path, body, headers=self._headers(path, token, headers), **kw)

    def delete(self, path: str, *, token: str | None = _DEFAULT, headers: dict[str, str] | None = None,
               **kw: Any) -> HttpResponse:  # fmt: skip
        return http("DELETE", self.gateway_url + path, headers=self._headers(path, token, headers), **kw)

    def patch(self, path: str, body: object | bytes, *, token: str | None = _DEFAULT,
              headers: dict[str, str] | None = None, **kw: Any) -> HttpResponse:  # fmt: skip
        return http("PATCH", self.gateway_url + path, body, headers=self._headers(path, token, headers), **kw)
