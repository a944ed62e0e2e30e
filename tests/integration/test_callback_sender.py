"""One signed callback POST (services/callbacks/sender.py) against real HTTP servers on
127.0.0.1: the headers and signature, the outcome of each answer, the pinned address, no
redirects, a bounded answer; over https, the certificate verified against the URL's name
while the connection goes to the pinned address."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bulkwrite.services.callbacks.guard import Address, Allowance
from bulkwrite.services.callbacks.sender import (
    Message,
    SendOptions,
    Verdict,
    send,
    signature,
)
from tests.receiver import Receiver, receiving

LOCAL = Allowance.parse("127.0.0.0/8")
BODY = b'{"id": "1", "status": "COMPLETED"}'


def options(allow: Allowance = LOCAL, timeout: float = 3.0, **kw: object) -> SendOptions:
    return SendOptions(allow, timeout, lambda: 1_700_000_000.0, **kw)  # type: ignore[arg-type]


def message(url: str, secrets: Sequence[str] = ("s3cret",)) -> Message:
    return Message(url, "5f0c2c1e-0000-4000-8000-000000000001", "job.completed", BODY, secrets)


def test_a_delivered_post_carries_the_signed_headers() -> None:
    with receiving() as receiver:
        attempt = send(message(receiver.url), options())
        (call,) = receiver.wait_for(1, 5)
    assert attempt.verdict is Verdict.DELIVERED and attempt.status_code == 200
    assert call.path == "/hook?x=1" and call.raw == BODY
    assert call.headers["Content-Type"] == "application/json"
    assert call.headers["X-Bulkwrite-Event"] == "job.completed"
    assert call.headers["X-Bulkwrite-Delivery"] == "5f0c2c1e-0000-4000-8000-000000000001"
    expected = hmac.new(b"s3cret", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert call.headers["X-Bulkwrite-Signature"] == f"t=1700000000,v1={expected}"


def test_two_secrets_give_two_v1_entries() -> None:
    header = signature(BODY, ["new", "old"], 12)
    t, first, second = header.split(",")
    assert t == "t=12"
    assert first == "v1=" + hmac.new(b"new", b"12." + BODY, hashlib.sha256).hexdigest()
    assert second == "v1=" + hmac.new(b"old", b"12." + BODY, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    ("code", "verdict"),
    [
        (200, Verdict.DELIVERED),
        (204, Verdict.DELIVERED),
        (302, Verdict.RETRY),
        (400, Verdict.FAILED),
        (404, Verdict.FAILED),
        (410, Verdict.FAILED),
        (408, Verdict.RETRY),
        (429, Verdict.RETRY),
        (500, Verdict.RETRY),
        (503, Verdict.RETRY),
    ],
)
def test_each_answer_has_its_verdict(code: int, verdict: Verdict) -> None:
    with receiving(default=code) as receiver:
        attempt = send(message(receiver.url), options())
        assert receiver.attempts() == 1  # a 302 is not followed
    assert attempt.verdict is verdict and attempt.status_code == code


def test_a_receiver_that_is_down_is_tried_again_later() -> None:
    receiver = Receiver()  # never up
    attempt = send(message(receiver.url), options())
    assert attempt.verdict is Verdict.RETRY and attempt.status_code is None
    assert attempt.error and "Connect" in attempt.error


def test_an_internal_address_is_refused_without_the_allow_list() -> None:
    with receiving() as receiver:
        attempt = send(message(receiver.url), options(Allowance()))
        assert receiver.attempts() == 0
    assert attempt.verdict is Verdict.FAILED and "internal addresses" in (attempt.error or "")


def test_the_resolved_address_is_checked_and_pinned() -> None:
    """A name is resolved once; the POST goes to the address that passed the guard, with the
    name in the Host header (no second look-up that a rebinding DNS could answer)."""
    looked_up: list[str] = []

    def resolver(host: str, port: int) -> list[Address]:
        looked_up.append(host)
        return [ipaddress.ip_address("10.0.0.7"), ipaddress.ip_address("127.0.0.1")]

    with receiving() as receiver:
        url = f"http://hooks.example.test:{receiver.port}/in"
        attempt = send(message(url), options(resolver=resolver))
        (call,) = receiver.wait_for(1, 5)
    assert attempt.verdict is Verdict.DELIVERED
    assert looked_up == ["hooks.example.test"]
    assert call.headers["Host"] == f"hooks.example.test:{receiver.port}"


def test_a_name_that_resolves_only_to_internal_addresses_is_refused() -> None:
    def resolver(host: str, port: int) -> list[Address]:
        return [ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("::1")]

    attempt = send(message("http://metadata.example.test/"), options(resolver=resolver))
    assert attempt.verdict is Verdict.FAILED
    assert "resolves to 169.254.169.254" in (attempt.error or "")


def test_a_name_that_does_not_resolve_is_tried_again() -> None:
    attempt = send(message("http://no-such-host.invalid/"), options())
    assert attempt.verdict is Verdict.RETRY and "resolving" in (attempt.error or "")


@pytest.fixture
def endless() -> Iterator[int]:
    """A server answering 200 with a body that never ends (it stops when the client goes)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            self.send_response(200)
            self.end_headers()
            try:
                while True:
                    self.wfile.write(b"x" * 65536)
            except OSError:
                return

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield int(server.server_address[1])
    server.shutdown()


def test_the_answer_is_read_at_most_64_kib(endless: int) -> None:
    began = time.monotonic()
    attempt = send(message(f"http://127.0.0.1:{endless}/"), options(timeout=5))
    assert attempt.verdict is Verdict.DELIVERED
    assert time.monotonic() - began < 5  # it stopped reading; the body never ends


def test_a_receiver_that_never_answers_times_out() -> None:
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen(1)  # accepts the connection, never answers
        port = listening.getsockname()[1]
        attempt = send(message(f"http://127.0.0.1:{port}/"), options(timeout=0.5))
    assert attempt.verdict is Verdict.RETRY and "Timeout" in (attempt.error or "")


@dataclass
class Tls:
    """A CA, a server certificate it signed for ``name``, and a client context trusting it."""

    name: str
    server: ssl.SSLContext
    client: ssl.SSLContext


def make_tls(tmp_path: Path, name: str) -> Tls:
    x509 = pytest.importorskip("cryptography.x509", reason="cryptography makes the test's CA")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def subject(cn: str) -> Any:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    now = datetime.now(UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder().subject_name(subject("test CA")).issuer_name(subject("test CA"))
        .public_key(ca_key.public_key()).serial_number(1)
        .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    leaf = (
        x509.CertificateBuilder().subject_name(subject(name)).issuer_name(ca.subject)
        .public_key(key.public_key()).serial_number(2)
        .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    pem = serialization.Encoding.PEM
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(pem))
    (tmp_path / "leaf.pem").write_bytes(leaf.public_bytes(pem))
    (tmp_path / "leaf.key").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(tmp_path / "leaf.pem", tmp_path / "leaf.key")
    client = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
    return Tls(name, server, client)


@contextmanager
def https_receiver(tls: Tls) -> Iterator[tuple[int, list[str | None], list[str]]]:
    """An https server on 127.0.0.1: its port, the TLS server names asked for, the Host
    headers of the POSTs it answered."""
    names: list[str | None] = []
    hosts: list[str] = []

    def on_sni(_: ssl.SSLObject, name: str | None, __: ssl.SSLContext) -> None:
        names.append(name)

    tls.server.sni_callback = on_sni  # type: ignore[assignment]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            hosts.append(self.headers["Host"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        def get_request(self) -> tuple[socket.socket, Any]:
            conn, address = super().get_request()
            return tls.server.wrap_socket(conn, server_side=True), address

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=lambda: server.serve_forever(0.05), daemon=True).start()
    try:
        yield int(server.server_address[1]), names, hosts
    finally:
        server.shutdown()
        server.server_close()


def test_https_to_a_pinned_address_verifies_the_certificate_against_the_name(
    tmp_path: Path,
) -> None:
    tls = make_tls(tmp_path, "hooks.example.test")

    def resolver(host: str, port: int) -> list[Address]:
        return [ipaddress.ip_address("127.0.0.1")]

    with https_receiver(tls) as (port, names, hosts):
        good = send(
            message(f"https://hooks.example.test:{port}/in"),
            options(resolver=resolver, tls=tls.client),
        )
        wrong = send(
            message(f"https://other.example.test:{port}/in"),
            options(resolver=resolver, tls=tls.client),
        )
        untrusted = send(
            message(f"https://hooks.example.test:{port}/in"), options(resolver=resolver)
        )
    assert good.verdict is Verdict.DELIVERED and good.status_code == 204
    assert names[0] == "hooks.example.test" and hosts == [f"hooks.example.test:{port}"]
    assert wrong.verdict is Verdict.RETRY and "certificate" in (wrong.error or "").lower()
    assert untrusted.verdict is Verdict.RETRY and "certificate" in (untrusted.error or "").lower()
