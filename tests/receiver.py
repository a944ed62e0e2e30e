"""A callback receiver for tests: a real HTTP server on 127.0.0.1 that records every POST and
answers with the status codes it is told (then 200), and that can be taken down and brought
back up on the same port. An answer of ``HOLD`` keeps the POST waiting, unanswered, until
``release`` is set (a sender killed meanwhile never hears back)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.server import free_port

#: An answer that is not given until ``Receiver.release`` is set (then 200).
HOLD = 0


@dataclass(frozen=True)
class Call:
    """One POST as it arrived, with the status code it was answered."""

    path: str
    headers: dict[str, str]
    raw: bytes
    answered: int

    @property
    def body(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.raw)
        return loaded

    @property
    def delivery_id(self) -> str:
        return self.headers["X-Bulkwrite-Delivery"]


class Receiver:
    """Records POSTs; ``answers`` are used up one per POST, then ``default`` is answered."""

    def __init__(self, answers: list[int] | None = None, default: int = 200) -> None:
        self.port = free_port()
        self.answers = list(answers or [])
        self.default = default
        self.calls: list[Call] = []
        self._changed = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self.release = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook?x=1"

    def up(self) -> None:
        """Listen (again) on the receiver's port."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver._changed:
                    code = receiver.answers.pop(0) if receiver.answers else receiver.default
                    receiver.calls.append(Call(self.path, dict(self.headers), raw, code))
                    receiver._changed.notify_all()
                if code == HOLD:
                    receiver.release.wait(60)
                    code = 200
                try:
                    self.send_response(code)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender is gone

            def log_message(self, *args: object) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server = self._server
        threading.Thread(target=lambda: server.serve_forever(0.05), daemon=True).start()

    def down(self) -> None:
        """Stop listening: connections are refused until ``up()``."""
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def wait_for(self, count: int, timeout: float) -> list[Call]:
        """The calls once at least ``count`` have arrived; AssertionError after ``timeout``."""
        with self._changed:
            arrived = self._changed.wait_for(lambda: len(self.calls) >= count, timeout)
            assert arrived, f"{len(self.calls)} of {count} callbacks arrived in {timeout} s"
            return list(self.calls)

    def attempts(self) -> int:
        with self._changed:
            return len(self.calls)


@contextmanager
def receiving(answers: list[int] | None = None, default: int = 200) -> Iterator[Receiver]:
    """A receiver that is up for the block."""
    receiver = Receiver(answers, default)
    receiver.up()
    try:
        yield receiver
    finally:
        receiver.down()
