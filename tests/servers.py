"""Real servers for integration tests: Redis, PostgreSQL and Daphne, each in a temp directory.

Every server listens on a free loopback port and is stopped at teardown.
PostgreSQL refuses to run as root, so when the tests run as root (as CI does)
the cluster is created and started as the unprivileged ``nobody`` user.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import glob
import hashlib
import hmac
import html
import http.cookiejar
import json
import os
import pwd
import re
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")
STARTUP_TIMEOUT = 40.0
TEST_SECRETS = {
    "SECRET_KEY": "integration-secret-key-0123456789abcdefghijklmnop",
    "PSEUDONYM_KEY": "integration-pseudonym-key-0123456789abcdefghij",
    "ENCRYPTION_KEYS": "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY",
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening_sockets(port: int) -> set[str]:
    """The sockets (as /proc/<pid>/fd links name them) listening on TCP ``port`` (Linux)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{inode}]")
    return inodes


def listening_socket_owner(pid: int, port: int) -> bool:
    """Whether process ``pid`` holds the socket listening on loopback ``port``.

    ``free_port()`` lets the port go before the server binds it, so another process on
    the machine (another test run, a benchmark) can take it in between; an answer on
    the port then proves nothing about which server gave it.
    """
    inodes = listening_sockets(port)
    if not inodes:
        return False
    for descriptor in glob.glob(f"/proc/{pid}/fd/*"):
        try:
            if os.readlink(descriptor) in inodes:
                return True
        except OSError:
            continue
    return False


class PortTaken(RuntimeError):
    """The server could not bind its port: another process listens there."""


def wait_until(
    check: Callable[[], bool], timeout: float, what: str, log: Path | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise RuntimeError(f"{what} did not start within {timeout:.0f} s\n{tail}")


def wait_for_own_server(
    process: subprocess.Popen,
    port: int,
    answers: Callable[[], bool],
    what: str,
    log: Path,
    timeout: float = STARTUP_TIMEOUT,
) -> None:
    """Wait until ``process`` itself listens on ``port`` and ``answers()``.

    A process that exits while another holds the port raises ``PortTaken`` (the caller
    may try a new port); one that exits otherwise raises with the end of its log.
    """

    def ready() -> bool:
        if process.poll() is not None:
            if listening_sockets(port):
                raise PortTaken(
                    f"port {port} is held by another process, so {what} could not listen "
                    f"there; its log: {log}"
                )
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{tail}")
        return listening_socket_owner(process.pid, port) and answers()

    wait_until(ready, timeout, what, log)


def moving_on_when_taken(start_at: Callable[[int], T], port: int, attempts: int = 3) -> T:
    """``start_at(port)``; while another process holds the port (``PortTaken``), again on
    a new free port, ``attempts`` times in all."""
    for _ in range(attempts - 1):
        try:
            return start_at(port)
        except PortTaken:
            port = free_port()
    return start_at(port)


def start_on_a_free_port(
    start: Callable[[int], subprocess.Popen],
    answers: Callable[[int], bool],
    what: str,
    log: Path,
    attempts: int = 3,
) -> tuple[subprocess.Popen, int]:
    """Start a server with ``start(port)`` on a free port, moving on if another takes it."""

    def start_at(port: int) -> tuple[subprocess.Popen, int]:
        process = start(port)
        try:
            wait_for_own_server(process, port, functools.partial(answers, port), what, log)
        except BaseException:
            stop_process(process)
            raise
        return process, port

    return moving_on_when_taken(start_at, free_port(), attempts)


def stop_process(process: subprocess.Popen, timeout: float = 10) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


def find_program(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    # Debian keeps PostgreSQL's server programs off the PATH.
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if candidates:
        return candidates[0]
    raise RuntimeError(f"{name} is not installed (make test installs it: run make system-deps)")


# --- Redis -------------------------------------------------------------------------------


@contextmanager
def running_redis() -> Iterator[str]:
    """A real redis-server on a free port, empty, with persistence off; yields its URL."""
    directory = Path(tempfile.mkdtemp(prefix="test-redis-"))
    log = directory / "redis.log"

    def start(port: int) -> subprocess.Popen:
        return subprocess.Popen(
            [
                find_program("redis-server"),
                "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", str(directory), "--logfile", str(log),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def answers(port: int) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    process: subprocess.Popen | None = None
    try:
        process, port = start_on_a_free_port(start, answers, "redis-server", log)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        if process is not None:
            stop_process(process)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The URL of a real redis-server on a free port, shared by the test session."""
    with running_redis() as url:
        yield url


# --- PostgreSQL --------------------------------------------------------------------------


def _unprivileged() -> tuple[int, int] | None:
    """(uid, gid) to run PostgreSQL as when we are root, else None."""
    if os.geteuid() != 0:
        return None
    nobody = pwd.getpwnam("nobody")
    return nobody.pw_uid, nobody.pw_gid


@dataclass
class PostgresCluster:
    port: int
    directory: Path
    process: subprocess.Popen
    counter: int = 0

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        import psycopg

        self.counter += 1
        name = f"chat_{os.getpid()}_{self.counter}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextmanager
def running_postgres() -> Iterator[PostgresCluster]:
    """A real PostgreSQL cluster in a temp dir, run as ``nobody`` when we are root."""
    import psycopg

    directory = Path(tempfile.mkdtemp(prefix="test-postgres-"))
    data = directory / "data"
    log = directory / "postgres.log"
    owner = _unprivileged()
    if owner is not None:
        os.chown(directory, *owner)
    run_as = {"user": owner[0], "group": owner[1]} if owner else {}
    subprocess.run(
        [find_program("initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
         "--no-sync", "--locale=C"],
        check=True, capture_output=True, **run_as,
    )  # fmt: skip

    def start(port: int) -> subprocess.Popen:
        with open(log, "ab") as log_file:
            return subprocess.Popen(
                [
                    find_program("postgres"), "-D", str(data), "-p", str(port),
                    "-k", str(directory), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                    "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                    "-c", "max_connections=300",
                ],
                stdout=log_file, stderr=subprocess.STDOUT, **run_as,
            )  # fmt: skip

    def answers(port: int) -> bool:
        try:
            psycopg.connect(
                f"postgres://postgres@127.0.0.1:{port}/postgres", connect_timeout=1
            ).close()
            return True
        except psycopg.OperationalError:
            return False

    process: subprocess.Popen | None = None
    try:
        process, port = start_on_a_free_port(start, answers, "PostgreSQL", log)
        cluster = PostgresCluster(port=port, directory=directory, process=process)
        yield cluster
    finally:
        if process is not None:
            stop_process(process)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    with running_postgres() as cluster:
        yield cluster


@pytest.fixture(scope="session")
def postgres_database(postgres_cluster: PostgresCluster) -> Callable[[], str]:
    """Call it to get the URL of a new, empty database in a real PostgreSQL cluster."""
    return postgres_cluster.create_database


# --- Daphne ------------------------------------------------------------------------------


def server_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a production-like node: DEBUG off, test secrets, no proxy."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(TEST_SECRETS)
    env.update(
        {
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_COOKIES": "false",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra or {})
    return env


def manage(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``manage.py`` in a subprocess with this environment."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=check,
        timeout=300,
    )


def run_script_on_database(database_url: str, script: str) -> None:
    """Migrate the database, run ``script`` (Django set up by the script) against it in a
    subprocess from the repository root, and fail unless it exits 0 and prints OK last."""
    env = server_env(
        {"DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "chatplatform.settings"}
    )
    manage(env, "migrate", "--noinput", "-v0")
    run = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    assert run.stdout.strip().endswith("OK")


@dataclass
class Node:
    """One Daphne process. ``stop()`` and ``start()`` restart it on the same port."""

    env: dict[str, str]
    port: int
    log_path: Path
    process: subprocess.Popen | None = None
    # What the run commands start: Daphne with a deadline on receiving each request
    # (chatplatform/serve.py); ``"daphne"`` would start the stock server.
    server_module: str = "chatplatform.serve"
    # Set at the first start that answered: a restart keeps the port it was given.
    started_before: bool = field(default=False, init=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the node and wait until it answers on its own port.

        At the first start a port another process took after ``free_port()`` chose it is
        replaced by a new free port (up to three times); at a restart the node keeps its
        port, so a port taken meanwhile is a clear error, never a stranger's answers.
        """
        if not self.started_before:
            self.port = moving_on_when_taken(self._start_at, self.port)
        else:
            self._start_on_port()
        self.started_before = True

    def _start_at(self, port: int) -> int:
        self.port = port
        self._start_on_port()
        return port

    def _launch(self, root: Path) -> None:
        log_file = open(self.log_path, "ab")  # noqa: SIM115 (kept open for the process's life)
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.server_module, "-b", "127.0.0.1", "-p", str(self.port),
             "chatplatform.asgi:application"],
            cwd=root, env=self.env, stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
        log_file.close()

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.base_url + "/api/rooms/", timeout=1) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def _start_on_port(self, root: Path = REPO_ROOT, timeout: float = STARTUP_TIMEOUT) -> None:
        self._launch(root)
        assert self.process is not None
        try:
            wait_for_own_server(
                self.process, self.port, self._answers, "Daphne", self.log_path, timeout
            )
        except PortTaken:
            self.process = None
            raise

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class SeededDatabases:
    """Fill a node's new, empty database with the migrated schema and the demo data.

    ``manage.py migrate`` and ``seed_demo`` (five staff passwords at the production work
    factor) take 15 s of a core or more per node; the suite starts dozens of nodes. They
    run once per node environment, into a template, and each node gets its own copy: a
    file copy for SQLite, ``CREATE DATABASE ... TEMPLATE`` for PostgreSQL. The copy holds
    exactly what running both commands would have left, and no node sees another's data.
    """

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="test-seeded-"))
        self.templates: dict[tuple[Any, ...], str] = {}

    def fill(self, node_env: dict[str, str]) -> None:
        """Give ``node_env["DATABASE_URL"]`` (new and empty) the migrated, seeded contents."""
        target = node_env["DATABASE_URL"]
        # One template per database server and node settings: the environment but for
        # where this node keeps its files and data, and pytest's note of the running test.
        server = target.rsplit("/", 1)[0] if _is_postgres(target) else "sqlite"
        node_settings = (
            (name, value)
            for name, value in node_env.items()
            if name not in {"VAR_DIR", "DATABASE_URL"} and not name.startswith("PYTEST_")
        )
        key = (server, *sorted(node_settings))
        if key not in self.templates:
            self.templates[key] = self._seed_template(node_env, len(self.templates) + 1)
        template = self.templates[key]
        if _is_postgres(target):
            _recreate_from_template(target, template)
        else:
            with (
                closing(sqlite3.connect(template)) as source,
                closing(sqlite3.connect(_sqlite_path(target))) as copy,
            ):
                source.backup(copy)

    def _seed_template(self, node_env: dict[str, str], number: int) -> str:
        target = node_env["DATABASE_URL"]
        if _is_postgres(target):
            url = f"{target.rsplit('/', 1)[0]}/seed_template_{os.getpid()}_{number}"
            _recreate_from_template(url, None)
            template = url.rsplit("/", 1)[1]
        else:
            url = f"sqlite:///{self.directory}/template-{number}.sqlite3"
            template = _sqlite_path(url)
        env = {**node_env, "VAR_DIR": str(self.directory), "DATABASE_URL": url}
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo", "--quiet-logins")
        return template

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def _is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


def _sqlite_path(url: str) -> str:
    return url.removeprefix("sqlite:///")


def _recreate_from_template(url: str, template: str | None) -> None:
    """Drop the database at ``url`` if it exists and create it again, empty or as a copy
    of ``template`` (a database on the same server that nothing is connected to)."""
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


@pytest.fixture(scope="session")
def seeded_databases() -> Iterator[SeededDatabases]:
    databases = SeededDatabases()
    yield databases
    databases.remove()


@pytest.fixture
def start_nodes(seeded_databases: SeededDatabases) -> Iterator[Callable[..., list[Node]]]:
    """Start real Daphne nodes sharing one database (SQLite in a temp dir unless given).

    ``start_nodes(count=1, database_url=None, redis_url=None, env=None)`` gives the
    database the migrated schema and the demo data (``SeededDatabases``), and returns
    the running nodes.
    """
    started: list[Node] = []
    directories: list[Path] = []

    def start(
        count: int = 1,
        database_url: str | None = None,
        redis_url: str | None = None,
        env: dict[str, str] | None = None,
    ) -> list[Node]:
        directory = Path(tempfile.mkdtemp(prefix="test-nodes-"))
        directories.append(directory)
        extra = {"VAR_DIR": str(directory)}
        extra["DATABASE_URL"] = database_url or f"sqlite:///{directory}/db.sqlite3"
        if redis_url:
            extra["REDIS_URL"] = redis_url
        extra.update(env or {})
        node_env = server_env(extra)
        seeded_databases.fill(node_env)
        nodes = []
        for index in range(count):
            node = Node(env=node_env, port=free_port(), log_path=directory / f"daphne-{index}.log")
            started.append(node)
            node.start()
            nodes.append(node)
        return nodes

    yield start
    for node in started:
        node.stop()
    for directory in directories:
        shutil.rmtree(directory, ignore_errors=True)


# --- Clients -----------------------------------------------------------------------------

# Authenticator secrets set up by LiveClient.login, by (node's VAR_DIR, email): staff who
# must use two factors set up TOTP at their first sign-in, as a person would.
TOTP_SECRETS: dict[tuple[str, str], str] = {}
TOTP_PERIOD = 30
_SECRET_FIELD = re.compile(
    r'id="authenticator_secret"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*id="authenticator_secret"'
)


def totp_code(secret: str, steps_ahead: int = 0) -> str:
    """The RFC 6238 code an authenticator app shows now (or ``steps_ahead`` periods later)."""
    counter = int(time.time()) // TOTP_PERIOD + steps_ahead
    key = base64.b32decode(secret.encode("ascii"), casefold=True)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


class JsonSocket:
    """A websockets client connection that speaks JSON frames."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    async def send(self, frame: dict[str, Any] | str) -> None:
        await self.connection.send(frame if isinstance(frame, str) else json.dumps(frame))

    async def receive(self, timeout: float = 5) -> dict[str, Any]:
        return json.loads(await asyncio.wait_for(self.connection.recv(), timeout))

    async def receive_type(self, frame_type: str, timeout: float = 5) -> dict[str, Any]:
        """Skip frames until one of this type arrives, within ``timeout`` seconds in all."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"no {frame_type!r} frame within {timeout} s")
            frame = await self.receive(remaining)
            if frame.get("type") == frame_type:
                return frame

    async def close(self) -> None:
        await self.connection.close()


@dataclass
class Response:
    status: int
    url: str
    text: str


@dataclass
class LiveClient:
    """A browser-like HTTP client for one node: keeps cookies and handles CSRF."""

    node: Node
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)
    sockets: list[JsonSocket] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def _open(self, request: urllib.request.Request) -> Response:
        try:
            with self.opener.open(request, timeout=30) as response:
                return Response(response.status, response.url, response.read().decode())
        except urllib.error.HTTPError as error:
            return Response(error.code, error.url, error.read().decode(errors="replace"))

    def get(self, path: str) -> Response:
        return self._open(urllib.request.Request(self.node.base_url + path))

    def post(self, path: str, data: dict[str, str] | None = None) -> Response:
        if self.cookie("csrftoken") is None:
            self.get("/accounts/login/")
        form = dict(data or {})
        form["csrfmiddlewaretoken"] = self.cookie("csrftoken") or ""
        request = urllib.request.Request(
            self.node.base_url + path,
            data=urllib.parse.urlencode(form).encode(),
            headers={"Origin": self.node.base_url, "Referer": self.node.base_url + path},
            method="POST",
        )
        return self._open(request)

    def login(self, email: str, password: str) -> Response:
        """Sign in, completing two-factor sign-in (or its first-time setup) when asked."""
        self.get("/accounts/login/")
        response = self.post("/accounts/login/", {"login": email, "password": password})
        if "/accounts/login/" in response.url:
            raise AssertionError(f"login as {email} failed (status {response.status})")
        secret_key = (self.node.env.get("VAR_DIR", ""), email)
        if "/accounts/reauthenticate/" in response.url:
            # allauth asks for the password again before setting up an authenticator.
            response = self.post(
                response.url.split(self.node.base_url, 1)[-1], {"password": password}
            )
        if "/accounts/2fa/totp/activate/" in response.url:
            found = _SECRET_FIELD.search(response.text)
            if found is None:
                raise AssertionError("the TOTP setup page shows no secret")
            TOTP_SECRETS[secret_key] = html.unescape(found.group(1) or found.group(2))
            response = self._submit_code("/accounts/2fa/totp/activate/", TOTP_SECRETS[secret_key])
        elif "/accounts/2fa/authenticate/" in response.url:
            response = self._submit_code("/accounts/2fa/authenticate/", TOTP_SECRETS[secret_key])
        return response

    def _submit_code(self, path: str, secret: str) -> Response:
        # A code is accepted once, and the server accepts one period either side
        # (MFA_TOTP_TOLERANCE): a second sign-in within the period uses the next one. A
        # fourth sign-in of one account within a period finds all three used, as a person
        # would: they wait for the app's next code, and so does this.
        for attempt in range(2):
            for steps_ahead in (0, 1, -1):
                response = self.post(path, {"code": totp_code(secret, steps_ahead)})
                if path not in response.url:
                    return response
            if attempt == 0:
                time.sleep(TOTP_PERIOD - time.time() % TOTP_PERIOD + 0.5)
        raise AssertionError(f"two-factor code refused at {path}")

    async def websocket(self, path: str, origin: str | None = None) -> JsonSocket:
        from websockets.asyncio.client import connect

        cookies = "; ".join(f"{c.name}={c.value}" for c in self.jar)
        connection = await connect(
            self.node.ws_url + path,
            additional_headers={"Cookie": cookies, "Origin": origin or self.node.base_url},
            open_timeout=10,
        )
        socket_ = JsonSocket(connection)
        self.sockets.append(socket_)
        return socket_

    async def close(self) -> None:
        for socket_ in self.sockets:
            await socket_.close()
        self.sockets.clear()
