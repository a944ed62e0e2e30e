"""An upload cut off by a SIGKILL leaves its file part behind only until a server looks again:
the part's lock died with its writer (``files/partfile.py``), so the next start — or the next
upload of any process sharing the folder — removes it at once, not a day later."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from tests.integration.helpers import LEADS_CSV, upload_ok
from tests.server import LiveServer

BOUNDARY = "bulkwrite-part-boundary"


def start_upload(server: LiveServer, size: int) -> socket.socket:
    """An upload of a ``size``-byte CSV whose head and first 64 KiB are sent; it stays open."""
    port = int(server.base_url.rsplit(":", 1)[1])
    preamble = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n'
    ).encode()
    epilogue = f"\r\n--{BOUNDARY}--\r\n".encode()
    head = (
        f"POST /crm/v8/upload HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Zoho-oauthtoken {server.token}\r\nfeature: bulk-write\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(preamble) + size + len(epilogue)}\r\n\r\n"
    ).encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    sock.sendall(head + preamble + b"Last_Name,Company\r\n" + b"Doe,Acme\r\n" * 6000)
    return sock


def parts(server: LiveServer) -> list[Path]:
    return sorted(server.services.files.tmp_dir.glob(".part-*.upload"))


def wait_for_part(server: LiveServer) -> Path:
    deadline, pause = time.monotonic() + 30, 0.01
    while not (found := parts(server)):
        assert time.monotonic() < deadline, "the upload's part never appeared"
        time.sleep(pause)  # polling the real directory, not waiting for work to finish
        pause = min(pause * 1.5, 0.2)
    (part,) = found
    return part


def test_a_killed_uploads_part_is_swept_at_the_next_start(live_server: LiveServer) -> None:
    sock = start_upload(live_server, 50 * 1024 * 1024)
    part = wait_for_part(live_server)
    live_server.kill()
    sock.close()
    assert part.exists(), "the part was gone before anyone swept it"
    live_server.start()
    assert parts(live_server) == []
    upload_ok(live_server, LEADS_CSV, "after.csv")


def test_a_killed_uploads_part_is_swept_by_the_next_upload(live_server: LiveServer) -> None:
    """The part of a live upload stays; the dead writer's goes with the next upload."""
    sock = start_upload(live_server, 50 * 1024 * 1024)
    alive = wait_for_part(live_server)
    upload_ok(live_server, LEADS_CSV, "beside.csv")
    assert parts(live_server) == [alive]  # its writer still streams it in
    dead = alive.with_name(".part-dead0001.upload")
    dead.write_bytes(b"Last_Name\r\nhalf")  # as a writer killed elsewhere leaves it: unlocked
    upload_ok(live_server, LEADS_CSV, "next.csv")
    assert parts(live_server) == [alive]
    sock.close()
