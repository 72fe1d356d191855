"""People, roles, the audit trail and key rotation, through the whole stack (Envoy, both services, Postgres).

Each test asserts codes and states: who may do what, and what the audit trail says about each attempt.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from typing import Any

import grpc
import jwt
import psycopg2
import pytest
from aicmo.generator.v1 import generator_service_pb2 as gpb
from aicmo.generator.v1 import generator_service_pb2_grpc as gpb_grpc
from aicmo.memory.v1 import memory_service_pb2 as mpb
from aicmo.memory.v1 import memory_service_pb2_grpc as mpb_grpc

from services.common.client_ids import client_key
from tests.e2e.stack import StackProcess, http
from tests.support import ROOT, wait_until
from ui.contract import ACCOUNTS, ARCHIVE, AUDIT, GENERATOR, MEMORY, bindings

OPEN_PATHS = {"/api/health", "/api/auth/sign_in"}
BRIEF = {"client_name": "", "brand_name": "Tern", "industry": "Coffee & cafés"}


def rid() -> str:
    return f"req-{uuid.uuid4().hex[:12]}"


def audit(stack: StackProcess, **filters: str) -> list[dict[str, Any]]:
    query = "&".join(f"{k}={v}" for k, v in {"page_size": "500", **filters}.items())
    response = stack.get(f"/api/audit?{query}")
    assert response.status == 200, response.body[:300]
    return list(response.json()["entries"])


def entry(stack: StackProcess, request_id: str, **filters: str) -> dict[str, Any] | None:
    return next((e for e in audit(stack, **filters) if e["request_id"] == request_id), None)


def wait_for_entry(stack: StackProcess, request_id: str, **filters: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    def there() -> bool:
        got = entry(stack, request_id, **filters)
        if got:
            found.append(got)
        return got is not None

    wait_until(there, 60, interval=0.2, what=f"the audit entry of {request_id}")
    return found[0]


def test_without_sign_in_every_call_is_refused(running_stack: StackProcess) -> None:
    routes = bindings(GENERATOR, MEMORY, ARCHIVE, ACCOUNTS, AUDIT)
    checked = 0
    for route in routes:
        path = route.template
        for name in route.path_fields:
            value = "1" if name == "version" else "00000000-0000-4000-8000-000000000000"
            path = path.replace("{" + name + "}", value)
        if path in OPEN_PATHS:
            continue
        method = route.http_method
        body: dict[str, Any] | None = {} if method in ("POST", "PATCH") else None
        response = http(method, running_stack.gateway_url + path, body)
        assert response.status == 401, (method, path, response.status, response.body[:200])
        assert running_stack.get(path, token="not-a-token").status in (401, 405), path
        checked += 1
    assert checked >= 25
    # Direct gRPC callers too, on both services.
    with (
        grpc.insecure_channel(running_stack.memory_target) as channel,
        pytest.raises(grpc.RpcError) as caught,
    ):
        mpb_grpc.MemoryServiceStub(channel).GetSummary(mpb.GetSummaryRequest(), timeout=10)
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with (
        grpc.insecure_channel(running_stack.generator_target) as channel,
        pytest.raises(grpc.RpcError) as caught,
    ):
        gpb_grpc.GeneratorServiceStub(channel).ListPackages(gpb.ListPackagesRequest(), timeout=10)
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    # Health stays open.
    assert running_stack.get("/api/health", token=None).status == 200


def test_roles_are_enforced_and_every_attempt_is_audited(running_stack: StackProcess) -> None:
    stack = running_stack
    tag = uuid.uuid4().hex[:6]
    viewer = stack.token_for(f"vera-{tag}", "viewer")
    operator = stack.token_for(f"olive-{tag}", "operator")
    client_name = f"Tern Coffee {tag}"
    client_id = client_key(client_name)

    # An operator generates (the generator's change, audited through its outbox).
    generate_id = rid()
    report = stack.post("/api/aicmo/generate_report",
                        {"client_brief": {**BRIEF, "client_name": client_name}, "package_key": "quick_social_basic"},
                        token=operator, headers={"x-request-id": generate_id})  # fmt: skip
    assert report.status == 200, report.body[:300]
    item_id = report.json()["learned_item_id"]
    # A viewer may not.
    refused_generate = rid()
    answer = stack.post("/api/aicmo/generate_report",
                        {"client_brief": {**BRIEF, "client_name": client_name}, "package_key": "quick_social_basic"},
                        token=viewer, headers={"x-request-id": refused_generate})  # fmt: skip
    assert answer.status == 403

    # A viewer reads but cannot rate; an operator can.
    assert stack.get(f"/api/learn/items?client_id={client_id}", token=viewer).status == 200
    viewer_rate = rid()
    rate = {"verdict": "RATING_GOLD"}
    assert stack.post(f"/api/learn/items/{item_id}/rating", rate, token=viewer,
                      headers={"x-request-id": viewer_rate}).status == 403  # fmt: skip
    operator_rate = rid()
    assert stack.post(f"/api/learn/items/{item_id}/rating", rate, token=operator,
                      headers={"x-request-id": operator_rate}).status == 200  # fmt: skip

    # An operator edits a section (the generator's change, filed under the client of its report history);
    # a viewer may not.
    history_id, section_id = report.json()["history_id"], report.json()["sections"][0]["id"]
    edit_path = f"/api/aicmo/reports/{history_id}/sections/{section_id}/edit"
    operator_edit = rid()
    edited = stack.post(edit_path, {"markdown": "Our own words for this section."}, token=operator,
                        headers={"x-request-id": operator_edit})  # fmt: skip
    assert edited.status == 200, edited.body[:300]
    viewer_edit = rid()
    assert (
        stack.post(edit_path, {"markdown": "No."}, token=viewer, headers={"x-request-id": viewer_edit}).status
        == 403
    )

    # An operator cannot share or forget; an admin can.
    operator_share = rid()
    assert stack.post(f"/api/learn/items/{item_id}/scope", {"scope": "SCOPE_AGENCY"}, token=operator,
                      headers={"x-request-id": operator_share}).status == 403  # fmt: skip
    operator_forget = rid()
    assert stack.delete(f"/api/learn/clients/{client_id}", token=operator,
                        headers={"x-request-id": operator_forget}).status == 403  # fmt: skip
    admin_forget = rid()
    forgot = stack.delete(f"/api/learn/clients/{client_id}", headers={"x-request-id": admin_forget})
    assert forgot.status == 200 and forgot.json()["deleted_count"] >= 1

    expected = {
        generate_id: (f"olive-{tag}", "generate", "OK"),
        refused_generate: (f"vera-{tag}", "generate", "PERMISSION_DENIED"),
        operator_edit: (f"olive-{tag}", "edit", "OK"),
        viewer_edit: (f"vera-{tag}", "edit", "PERMISSION_DENIED"),
        viewer_rate: (f"vera-{tag}", "rate", "PERMISSION_DENIED"),
        operator_rate: (f"olive-{tag}", "rate", "OK"),
        operator_share: (f"olive-{tag}", "share", "PERMISSION_DENIED"),
        operator_forget: (f"olive-{tag}", "forget", "PERMISSION_DENIED"),
        admin_forget: ("admin", "forget", "OK"),
    }
    for request_id, (person, action, outcome) in expected.items():
        got = wait_for_entry(stack, request_id)
        assert (got["person"], got["action"], got["outcome"]) == (person, action, outcome), got
        assert got["client_id"] == client_id, got
    # The forget kept the client's audit entries (its content is gone).
    kept = audit(stack, client_id=client_id)
    assert {e["request_id"] for e in kept} >= set(expected)
    assert stack.get(f"/api/learn/items?client_id={client_id}").json()["items"] == []
    # Filtered by person.
    mine = audit(stack, person=f"vera-{tag}")
    assert {e["request_id"] for e in mine} >= {refused_generate, viewer_rate}
    assert all(e["person"] == f"vera-{tag}" for e in mine)
    # Only admins read the audit trail.
    assert stack.get("/api/audit", token=operator).status == 403


def test_sign_in_attempts_are_audited_and_bad_input_is_named(running_stack: StackProcess) -> None:
    stack = running_stack
    name = f"wendy-{uuid.uuid4().hex[:6]}"
    stack.token_for(name, "viewer")
    wrong = rid()
    refused = stack.post("/api/auth/sign_in", {"name": name, "password": "not-the-password"}, token=None,
                         headers={"x-request-id": wrong})  # fmt: skip
    assert refused.status == 401
    got = wait_for_entry(stack, wrong)
    assert (got["person"], got["action"], got["outcome"]) == (name, "sign_in", "UNAUTHENTICATED")
    # Repeated wrong passwords pause that name's sign-in (the right password too, for a while).
    tara = f"tara-{uuid.uuid4().hex[:6]}"
    stack.token_for(tara, "viewer")
    for _ in range(5):
        assert stack.sign_in(tara, "guess-guess-guess").status == 401
    paused = rid()
    answer = stack.post("/api/auth/sign_in", {"name": tara, "password": "a-long-test-password"}, token=None,
                        headers={"x-request-id": paused})  # fmt: skip
    assert answer.status == 429
    assert wait_for_entry(stack, paused)["outcome"] == "RESOURCE_EXHAUSTED"
    # Disabled people cannot sign in.
    assert stack.post(f"/api/accounts/{name}/disabled", {"disabled": True}).status == 200
    assert stack.sign_in(name, "a-long-test-password").status == 401
    # Bad input: 400 naming the field; never the password in a log.
    short = "shortpw"
    made = stack.post("/api/accounts", {"name": f"x{name}", "role": "ROLE_VIEWER", "password": short})
    assert made.status == 400 and "password" in made.json()["message"]
    assert stack.post("/api/accounts", {"name": "bad name!", "role": "ROLE_VIEWER",
                                        "password": "long-enough-password"}).status == 400  # fmt: skip
    assert stack.post("/api/accounts", {"name": f"y{name}", "password": "long-enough-password"}).status == 400
    assert stack.get("/api/audit?page_size=-1").status == 400
    assert stack.get("/api/audit?page_token=abc").status == 400
    assert stack.post("/api/auth/sign_in", {"name": name}, token=None).status == 400
    logs = stack.all_logs()
    assert "not-the-password" not in logs and stack.env["AICMO_ADMIN_PASSWORD"] not in logs


def test_the_audit_trail_pages_and_refuses_changes(running_stack: StackProcess) -> None:
    stack = running_stack
    for _ in range(3):
        stack.sign_in("nobody-at-all", "wrong-password-here")
    first = stack.get("/api/audit?page_size=2").json()
    assert len(first["entries"]) == 2 and first["next_page_token"]
    second = stack.get(f"/api/audit?page_size=2&page_token={first['next_page_token']}").json()
    assert {e["entry_id"] for e in first["entries"]}.isdisjoint(e["entry_id"] for e in second["entries"])
    # Append-only in the database itself.
    conn = psycopg2.connect(host="127.0.0.1", port=stack.ports["pg"], user="aicmo", dbname="aicmo")
    try:
        with conn.cursor() as cur:
            for statement in ("DELETE FROM audit_entries", "UPDATE audit_entries SET person = 'x'"):
                with pytest.raises(psycopg2.Error):
                    cur.execute(statement)
                conn.rollback()
    finally:
        conn.close()


def test_audit_export_from_the_cli(running_stack: StackProcess) -> None:
    stack = running_stack
    out = subprocess.run(
        [sys.executable, "-m", "services.memory", "audit", "export", "--format", "csv", "--person", "admin"],
        cwd=ROOT, env=stack.env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    assert lines[0].startswith("seq,entry_id,at,person")
    assert len(lines) > 1 and all(",admin," in line for line in lines[1:])


def test_rotation_with_two_keys_refuses_nothing(fresh_stack: StackProcess) -> None:
    stack = fresh_stack
    stack.start()
    old_token = stack.admin_token()
    old_kid = jwt.get_unverified_header(old_token)["kid"]

    refused: list[int] = []
    stop = threading.Event()

    def keep_calling() -> None:
        # Reads with the old token and generates (generator → memory with the generator's own token).
        while not stop.is_set():
            for response in (
                stack.get("/api/learn/debug/summary", token=old_token),
                stack.post(
                    "/api/aicmo/generate_report",
                    {
                        "client_brief": {**BRIEF, "client_name": "Rotation Co"},
                        "package_key": "quick_social_basic",
                    },
                    token=old_token,
                ),
            ):
                if response.status != 200 or (
                    "learning_status" in response.json() and response.json()["learning_status"] != "recorded"
                ):
                    refused.append(response.status)

    caller = threading.Thread(target=keep_calling)
    caller.start()
    try:
        keys = subprocess.run([sys.executable, "-m", "services.memory", "keys", "add", "--kid", "second"],
                              cwd=ROOT, env=stack.env, capture_output=True, text=True, timeout=60)  # fmt: skip
        assert keys.returncode == 0, keys.stderr
        assert keys.stdout.splitlines()[0].startswith("second\t")

        def new_kid_signs() -> bool:
            answer = stack.sign_in("admin", stack.env["AICMO_ADMIN_PASSWORD"])
            return (
                answer.status == 200 and jwt.get_unverified_header(answer.json()["token"])["kid"] == "second"
            )

        wait_until(new_kid_signs, 30, interval=0.3, what="the new key to sign")
        new_token = stack.sign_in("admin", stack.env["AICMO_ADMIN_PASSWORD"]).json()["token"]
        # Both tokens work on both services while both keys are listed.
        for token in (old_token, new_token):
            assert stack.get("/api/learn/debug/summary", token=token).status == 200
            assert stack.get("/api/aicmo/packages", token=token).status == 200
    finally:
        stop.set()
        caller.join(120)
    assert refused == []

    # Retire the old key: its tokens stop working, the new ones and the generator's calls go on.
    retire = subprocess.run([sys.executable, "-m", "services.memory", "keys", "retire", old_kid],
                            cwd=ROOT, env=stack.env, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert retire.returncode == 0, retire.stderr
    wait_until(lambda: stack.get("/api/aicmo/packages", token=old_token).status == 401, 30, what="retirement")
    assert stack.get("/api/learn/debug/summary", token=old_token).status == 401
    assert stack.get("/api/learn/debug/summary", token=new_token).status == 200
    report = stack.post("/api/aicmo/generate_report",
                        {"client_brief": {**BRIEF, "client_name": "Rotation Co"}, "package_key": "quick_social_basic"},
                        token=new_token)  # fmt: skip
    assert report.status == 200 and report.json()["learning_status"] == "recorded"


def test_the_first_admin_password_is_made_up_and_shown_once(fresh_stack: StackProcess) -> None:
    """`make run` with no AICMO_ADMIN_PASSWORD: the first start makes `admin` with a random password, shown
    once in the launcher's banner (its terminal), never in a service's log; later starts show none."""
    stack = fresh_stack
    stack.env["AICMO_ADMIN_PASSWORD"] = ""
    stack.start()
    banner = [line for line in stack.launcher_log().splitlines() if "First admin" in line]
    assert len(banner) == 1
    password = banner[0].rsplit(" ", 1)[-1]
    answer = stack.sign_in("admin", password)
    assert answer.status == 200 and answer.json()["account"]["role"] == "ROLE_ADMIN"
    logs = stack.data_dir / "logs"
    assert all(
        password not in p.read_text(errors="replace") for p in logs.glob("*.log") if p.name != "launcher.log"
    )
    assert not (stack.data_dir / "auth" / "first-admin-password").exists()
    assert stack.stop() == 0
    stack.start()
    assert len([line for line in stack.launcher_log().splitlines() if "First admin" in line]) == 1
    assert stack.sign_in("admin", password).status == 200
