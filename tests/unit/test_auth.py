"""Tokens, keys, the role table and password hashing, without a server."""

from __future__ import annotations

import base64
import importlib
import json
import pkgutil
import time
from pathlib import Path

import jwt
import pytest
from aicmo.generator.v1 import generator_service_pb2 as gpb
from aicmo.memory.v1 import accounts_pb2 as apb
from aicmo.memory.v1 import audit_pb2 as aupb
from aicmo.memory.v1 import memory_service_pb2 as mpb
from aicmo.memory.v1 import playbook_pb2 as ppb
from aicmo.memory.v1 import report_archive_pb2 as rpb

from services.common.auth import (
    ADMIN,
    METHOD_ROLES,
    OPERATOR,
    SERVICE,
    VIEWER,
    Authenticator,
    Identity,
    ServiceToken,
    allows,
    metadata_for,
)
from services.common.domain_errors import InvalidArgument
from services.common.signing import (
    InvalidToken,
    KeySet,
    KeySetError,
    KeySource,
    SigningKey,
    issue_token,
    keyset_path,
    load_or_create_keyset,
    new_key,
    verify_token,
    write_keyset,
)
from services.memory.service_layer.people import check_password, hash_password, password_matches

OLD = SigningKey("old", "o" * 40)
NEW = SigningKey("new", "n" * 40)

G = "/aicmo.generator.v1.GeneratorService/"
M = "/aicmo.memory.v1.MemoryService/"
A = "/aicmo.memory.v1.AccountService/"


def test_a_token_names_its_key_and_verifies_while_that_key_is_listed() -> None:
    token = issue_token(KeySet((OLD,)), "olive", OPERATOR, 60)
    assert jwt.get_unverified_header(token)["kid"] == "old"
    # Rotation: a new key signs, the old one still verifies.
    rotated = KeySet((NEW, OLD))
    claims = verify_token(rotated, token)
    assert (claims.subject, claims.role, claims.kid) == ("olive", OPERATOR, "old")
    fresh = issue_token(rotated, "olive", OPERATOR, 60)
    assert jwt.get_unverified_header(fresh)["kid"] == "new"
    # Retired: the old key's tokens stop verifying, the new ones go on.
    retired = KeySet((NEW,))
    with pytest.raises(InvalidToken):
        verify_token(retired, token)
    assert verify_token(retired, fresh).kid == "new"


def test_expired_forged_and_unsigned_tokens_are_refused() -> None:
    keys = KeySet((OLD,))
    with pytest.raises(InvalidToken):
        verify_token(keys, issue_token(keys, "olive", OPERATOR, 60, now=time.time() - 3600))
    forged = jwt.encode({"sub": "x", "role": ADMIN, "iat": 0, "exp": 2**40, "iss": "aicmo"}, "w" * 40,
                        algorithm="HS256", headers={"kid": "old"})  # fmt: skip
    with pytest.raises(InvalidToken):
        verify_token(keys, forged)
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "kid": "old"}).encode()).rstrip(b"=")
    body = base64.urlsafe_b64encode(json.dumps({"sub": "x", "role": ADMIN}).encode()).rstrip(b"=")
    with pytest.raises(InvalidToken):
        verify_token(keys, f"{header.decode()}.{body.decode()}.")
    with pytest.raises(InvalidToken):
        verify_token(keys, "not a token")


def test_key_sets_from_the_environment_and_bad_ones() -> None:
    keys = KeySet.parse_env(f"b:{'b' * 32}, a:{'a' * 32}")
    assert [k.kid for k in keys.keys] == ["b", "a"] and keys.active.kid == "b"
    for bad in ("nocolon", f"a:{'a' * 31}", f"a:{'a' * 32},a:{'b' * 32}", f"bad kid:{'a' * 32}"):
        with pytest.raises(KeySetError):
            KeySet.parse_env(bad)


def test_the_key_set_file_is_made_once_private_and_reread_on_change(tmp_path: Path) -> None:
    path = keyset_path(tmp_path)
    first = load_or_create_keyset(path)
    assert load_or_create_keyset(path) == first
    assert path.stat().st_mode & 0o777 == 0o600
    source = KeySource(path=path)
    token = ServiceToken(source, "generator")
    before = token.get()
    write_keyset(path, KeySet((new_key("second"), *first.keys)))
    time.sleep(1.1)  # the file is looked at once a second
    assert source.current().active.kid == "second"
    after = token.get()  # re-signed with the new key at once
    assert jwt.get_unverified_header(after)["kid"] == "second"
    assert verify_token(source.current(), before).kid == first.active.kid


def test_every_rpc_in_the_contract_has_a_deliberate_level() -> None:
    """Every service generated from protos/ (a new .proto file included): each method is in METHOD_ROLES."""
    import aicmo

    modules = [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(aicmo.__path__, "aicmo.")
        if info.name.endswith("_pb2")
    ]
    assert {gpb, mpb, rpb, ppb, apb, aupb} <= set(modules)
    methods = {
        f"/{service.full_name}/{method.name}"
        for module in modules
        for service in module.DESCRIPTOR.services_by_name.values()
        for method in service.methods
    }
    assert methods - set(METHOD_ROLES) == set()


@pytest.mark.parametrize(
    ("method", "viewer", "operator", "admin"),
    [
        (M + "GetSummary", True, True, True),
        (M + "RateItem", False, True, True),
        (G + "GenerateReport", False, True, True),
        (G + "EditSection", False, True, True),
        (M + "RecordItem", False, True, True),
        (M + "ForgetClient", False, False, True),
        (M + "DeleteItem", False, False, True),
        (M + "SetItemScope", False, False, True),
        (G + "ReplayLearningBatch", False, False, True),
        (G + "DropLearningBatch", False, False, True),
        (A + "CreateAccount", False, False, True),
        ("/aicmo.memory.v1.AuditService/ListAuditEntries", False, False, True),
        ("/aicmo.memory.v1.AuditService/AppendAuditEntries", False, False, False),
        ("/some.new.Service/Unlisted", False, False, True),
    ],
)
def test_roles(method: str, viewer: bool, operator: bool, admin: bool) -> None:
    assert [allows(Identity("p", role), method) for role in (VIEWER, OPERATOR, ADMIN)] == [
        viewer,
        operator,
        admin,
    ]


def test_a_service_may_call_memory_but_not_manage_people() -> None:
    service = Identity("", "", service="generator")
    assert allows(service, M + "BatchRecordItems") and allows(
        service, "/aicmo.memory.v1.AuditService/AppendAuditEntries"
    )
    assert not allows(service, A + "CreateAccount")


def test_a_forwarded_person_is_believed_only_from_a_service() -> None:
    keys = KeySet((OLD,))
    auth = Authenticator(KeySource(fixed=keys))
    service_token = issue_token(keys, "generator", SERVICE, 60)
    who, _ = auth.identify(dict(metadata_for(Identity("olive", OPERATOR), service_token)))
    assert who == Identity("olive", OPERATOR, service="generator")
    viewer_token = issue_token(keys, "vera", VIEWER, 60)
    who, _ = auth.identify(dict(metadata_for(Identity("mallory", ADMIN), viewer_token)))
    assert who == Identity("vera", VIEWER)  # a person cannot claim to act for another
    who, problem = auth.identify({})
    assert who is None and problem
    who, problem = auth.identify({"authorization": "Basic abc"})
    assert who is None and problem


def test_passwords_are_hashed_with_argon2_and_checked() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$") and "correct horse battery" not in stored
    assert password_matches(stored, "correct horse battery")
    assert not password_matches(stored, "correct horse battery!")
    assert not password_matches("not a hash", "x")
    with pytest.raises(InvalidArgument) as caught:
        check_password("short")
    assert caught.value.field == "password"


def test_a_verified_token_is_remembered_only_until_its_key_is_retired(tmp_path: Path) -> None:
    path = keyset_path(tmp_path)
    write_keyset(path, KeySet((NEW, OLD)))
    auth = Authenticator(KeySource(path=path))
    token = issue_token(KeySet((OLD,)), "olive", OPERATOR, 60)
    header = {"authorization": f"Bearer {token}"}
    assert auth.identify(header)[0] == Identity("olive", OPERATOR)
    assert auth.identify(header)[0] == Identity("olive", OPERATOR)  # from the cache
    write_keyset(path, KeySet((NEW,)))
    time.sleep(1.1)
    who, problem = auth.identify(header)
    assert who is None and problem


def test_repeated_wrong_passwords_pause_a_name_for_a_while() -> None:
    from services.memory.service_layer.people import SignInThrottle

    now = [1000.0]
    throttle = SignInThrottle(clock=lambda: now[0])
    for _ in range(SignInThrottle.MAX_FAILURES - 1):
        throttle.failed("olive")
    assert not throttle.paused("olive")
    throttle.succeeded("olive")  # a success starts the count again
    for _ in range(SignInThrottle.MAX_FAILURES):
        throttle.failed("olive")
    assert throttle.paused("olive") and not throttle.paused("vera")
    now[0] += SignInThrottle.PAUSE
    assert not throttle.paused("olive")
    # Failures spread wider than the window do not add up.
    for _ in range(SignInThrottle.MAX_FAILURES):
        throttle.failed("vera")
        now[0] += SignInThrottle.WINDOW
    assert not throttle.paused("vera")
