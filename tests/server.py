"""A real ``bulkwrite serve`` process for tests, with its data directory and tokens."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bulkwrite.bootstrap import build_services
from bulkwrite.domain.scopes import FULL_SCOPES
from bulkwrite.services.accounts import NewOrg, create_org, ensure_demo_org
from bulkwrite.services.collaborators import Services
from bulkwrite.services.tokens import create_token
from bulkwrite.settings import Settings

STARTUP_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    base_url: str
    token: str
    zgid: str
    data_dir: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    demo: NewOrg | None = None
    _services: Services | None = field(default=None, repr=False)

    @property
    def services(self) -> Services:
        """In-process access to the same database (for tokens, orgs and users)."""
        if self._services is None:
            self._services = build_services(settings_from(self.env))
        return self._services

    def make_token(self, scopes: list[str], user_id: str | None = None) -> str:
        assert self.demo is not None
        return create_token(self.services, user_id or self.demo.admin.id, scopes)

    def new_org(self, name: str = "Other Org") -> NewOrg:
        return create_org(
            self.services, name, f"admin@{name.lower().replace(' ', '')}.test", "Other Admin"
        )

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Zoho-oauthtoken {token or self.token}"}

    def start(self, *serve_args: str) -> None:
        """Start ``bulkwrite serve`` (with extra CLI options) and wait until it is healthy."""
        assert self.process is None
        self.log_path = self.data_dir / f"server-{time.monotonic_ns()}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bulkwrite", "serve", *serve_args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until_healthy(self.base_url, self.process)

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        if self._services is not None:
            self._services.store.close()
            self._services = None

    def server_log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""


#: Test receivers listen on 127.0.0.1, which the SSRF guard refuses unless opened; callback
#: retries come quickly (a test may override either).
CALLBACK_TEST_ENV = {
    "BULKWRITE_CALLBACK_ALLOW": "127.0.0.0/8",
    "BULKWRITE_CALLBACK_RETRY_BASE_SECONDS": "0.2",
    "BULKWRITE_CALLBACK_RETRY_CAP_SECONDS": "1",
    "BULKWRITE_CALLBACK_POLL_INTERVAL": "0.2",
    "BULKWRITE_CALLBACK_TIMEOUT": "3",
}


def settings_from(env: dict[str, str]) -> Settings:
    keys = {
        k.removeprefix("BULKWRITE_").lower(): v
        for k, v in env.items()
        if k.startswith("BULKWRITE_")
    }
    return Settings(**keys)  # type: ignore[arg-type]


def wait_until_healthy(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"bulkwrite serve exited with {process.returncode}")
        try:
            if httpx.get(f"{base_url}/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)  # waiting for a process to listen, not for work
    raise RuntimeError("bulkwrite serve did not become healthy")


def make_server(data_dir: Path, **settings: str) -> LiveServer:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BULKWRITE_")}
    env.update(
        {
            "BULKWRITE_DATA_DIR": str(data_dir),
            "BULKWRITE_PORT": str(port),
            "BULKWRITE_HOST": "127.0.0.1",
            **CALLBACK_TEST_ENV,
        }
    )
    env.update({f"BULKWRITE_{k.upper()}": v for k, v in settings.items()})
    server = LiveServer(f"http://127.0.0.1:{port}", "", "", data_dir, env)
    demo = ensure_demo_org(server.services)
    assert demo is not None
    server.demo, server.token, server.zgid = demo, demo.token, demo.org.zgid
    assert list(FULL_SCOPES)
    return server


@contextmanager
def running(data_dir: Path, *serve_args: str, **settings: str) -> Iterator[LiveServer]:
    """A started server with custom settings (``BULKWRITE_*``) and CLI options, stopped when
    the block ends."""
    server = make_server(data_dir, **settings)
    server.start(*serve_args)
    try:
        yield server
    finally:
        server.stop()
