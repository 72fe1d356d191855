"""The embedded Postgres as root (CI runs as root): it runs as the service user with that user's own group
and no supplementary groups, and works when the clone lives under a 0700 directory owned by root."""

from __future__ import annotations

import os
import pwd
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from services.memory.adapters.embedded_postgres import (
    SERVICE_USER,
    EmbeddedPostgres,
    grant_traverse,
    pid_alive,
)
from tests.support import free_port, new_data_dir

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="the as-root path needs root (CI runs as root)")


@pytest.fixture
def private_dir() -> Iterator[Path]:
    """A 0700 root-owned directory, like root's home, inside the test data root."""
    path = new_data_dir("private")
    path.chmod(0o700)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {key: value.strip() for key, _, value in (line.partition(":") for line in lines)}


@pytest.mark.integration
@as_root
def test_starts_under_a_0700_root_directory_with_its_own_group(private_dir: Path) -> None:
    assert private_dir.stat().st_uid == 0 and private_dir.stat().st_gid == 0
    data_dir = private_dir / "clone" / "var"
    data_dir.mkdir(parents=True)
    (private_dir / "clone").chmod(0o700)
    server = EmbeddedPostgres(data_dir, free_port(), supervised=False)
    try:
        assert server.ensure_running() is True
        conn = psycopg2.connect(host=server.host, port=server.port, user="aicmo", dbname="aicmo")
        with conn, conn.cursor() as cur:
            cur.execute("SELECT 1")
            assert cur.fetchone() == (1,)
        conn.close()

        service = pwd.getpwnam(SERVICE_USER)
        pid = server.postmaster_pid()
        assert pid is not None
        status = _status(pid)
        assert status["Uid"].split()[0] == str(service.pw_uid)
        assert status["Gid"].split() == [str(service.pw_gid)] * 4
        assert status["Groups"] == ""  # no supplementary groups (root's would be "0")

        # Only the traverse bit for "other" was added to the private directories: nothing became listable.
        for path in (private_dir, private_dir / "clone"):
            assert stat.S_IMODE(path.stat().st_mode) == 0o701
        assert (data_dir / "postgres").stat().st_uid == service.pw_uid
        assert stat.S_IMODE((data_dir / "postgres").stat().st_mode) == 0o700
    finally:
        server.stop()
    assert not server.is_running()
    assert pid is not None and not pid_alive(pid)

    # A second start on the same data (now already prepared) works too, and finds what was there.
    again = EmbeddedPostgres(data_dir, free_port(), supervised=False)
    try:
        assert again.ensure_running() is True
        assert again.accepting()
    finally:
        again.stop()


@pytest.mark.integration
@as_root
def test_postmaster_as_a_child_runs_as_the_service_user(private_dir: Path) -> None:
    server = EmbeddedPostgres(private_dir / "var", free_port(), supervised=False)
    server.prepare()
    proc = server.spawn_postmaster()
    try:
        server.wait_accepting(60)
        server.ensure_database()
        assert server.postmaster_pid() == proc.pid
        assert _status(proc.pid)["Groups"] == ""
    finally:
        server.stop()
        proc.wait(30)
    assert proc.returncode == 0


def test_grant_traverse_opens_the_class_that_applies(tmp_path: Path) -> None:
    uid, gid = 54321, 54322  # an identity that owns nothing here, unless chown is possible
    other = tmp_path / "other"
    other.mkdir(mode=0o700)
    other.chmod(0o700)
    assert grant_traverse(other, uid, gid) is True
    assert stat.S_IMODE(other.stat().st_mode) == 0o701
    assert grant_traverse(other, uid, gid) is False  # already traversable: untouched

    if os.geteuid() != 0:
        return
    group_owned = tmp_path / "group"
    group_owned.mkdir()
    os.chown(group_owned, 0, gid)
    group_owned.chmod(0o700)
    assert grant_traverse(group_owned, uid, gid) is True
    # The group class applies to this identity, so o+x would not help: g+x is what it gets.
    assert stat.S_IMODE(group_owned.stat().st_mode) == 0o710

    user_owned = tmp_path / "user"
    user_owned.mkdir()
    os.chown(user_owned, uid, 0)
    user_owned.chmod(0o600)
    assert grant_traverse(user_owned, uid, gid) is True
    assert stat.S_IMODE(user_owned.stat().st_mode) == 0o700


def test_supervised_server_is_waited_for_not_started(data_dir: Path) -> None:
    server = EmbeddedPostgres(data_dir, free_port(), supervised=True)
    from services.memory.adapters.embedded_postgres import EmbeddedPostgresError

    with pytest.raises(EmbeddedPostgresError, match="did not accept connections"):
        server.ensure_running(wait_seconds=1)
    assert not (data_dir / "postgres" / "PG_VERSION").exists()
