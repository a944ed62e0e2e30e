"""The callback POST of contract section 8, received by a real HTTP server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bulkwrite.client import Client
from tests.server import LiveServer


class Receiver:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, str], dict[str, Any]]] = []
        self.arrived = threading.Event()


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    got = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = json.loads(self.rfile.read(length))
            got.calls.append((self.path, dict(self.headers), body))
            self.send_response(200)
            self.end_headers()
            got.arrived.set()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield got, f"http://127.0.0.1:{server.server_address[1]}/hook?x=1"
    finally:
        server.shutdown()


def test_callback_posts_the_final_job_details_once(
    shared_server: LiveServer, receiver: tuple[Receiver, str]
) -> None:
    got, url = receiver
    with Client(shared_server.base_url, shared_server.token) as client:
        file_id = client.upload(b"Last_Name,Company\nA,Co\n,Co\n", "cb.csv")
        job_id = client.create_job(
            {
                "operation": "insert",
                "callback": {"url": url, "method": "post"},
                "resource": [{"type": "data", "module": "Leads", "file_id": file_id}],
            }
        )
        assert got.arrived.wait(timeout=60), "no callback arrived"
        final = client.job(job_id)
    path, headers, body = got.calls[0]
    assert path == "/hook?x=1"
    assert headers["Content-Type"].startswith("application/json")
    assert body["id"] == job_id and body["status"] == "COMPLETED"
    assert body["resource"][0]["file"]["total_count"] == 2
    assert body["callback"] == {"url": url, "method": "post"}
    assert final.status == "COMPLETED"  # the state was committed before the callback
    assert len(got.calls) == 1


def test_unreachable_callback_never_fails_the_job(shared_server: LiveServer) -> None:
    with Client(shared_server.base_url, shared_server.token) as client:
        file_id = client.upload(b"Last_Name,Company\nA,Co\n", "cb2.csv")
        job_id = client.create_job(
            {
                "operation": "insert",
                "callback": {"url": "http://127.0.0.1:9/none"},
                "resource": [{"type": "data", "module": "Leads", "file_id": file_id}],
            }
        )
        assert client.wait(job_id, timeout=60).status == "COMPLETED"
