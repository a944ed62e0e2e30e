"""One signed callback POST, sent only to an address the SSRF guard checked.

The URL's host is resolved once; each address is checked (``guard.py``) and the request goes
to the first one that passes, by its address, with the ``Host`` header (and for https the
TLS server name, against which the certificate is verified) set to the URL's host: a DNS
answer that changes between the check and the connection (rebinding) cannot move it.
Redirects are not followed, proxies from the environment not used, and at most 64 KiB of the
answer is read.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit, urlunsplit

import httpx

from bulkwrite.services.callbacks.guard import (
    Address,
    Allowance,
    CallbackRefused,
    check_address,
    check_url,
)

#: The most of a receiver's answer that is read.
MAX_ANSWER_BYTES = 64 * 1024
#: The longest ``last_error`` kept.
MAX_ERROR = 500
#: Answers that are worth another attempt although they are 4xx.
RETRIED_4XX = frozenset({408, 429})

Resolver = Callable[[str, int], Sequence[Address]]


class Verdict(StrEnum):
    """What one attempt means for the delivery."""

    DELIVERED = "delivered"  #: the receiver answered 2xx
    FAILED = "failed"  #: a 4xx other than 408/429, or a refused address: never again
    RETRY = "retry"  #: anything else (no answer, 3xx, 408, 429, 5xx): again later


@dataclass(frozen=True)
class Message:
    """A callback to send: where, its delivery id and event, the raw JSON body, and the
    org's secrets that sign it (the current one first)."""

    url: str
    delivery_id: str
    event: str
    body: bytes
    secrets: Sequence[str]


@dataclass(frozen=True)
class Attempt:
    """How one POST went."""

    verdict: Verdict
    status_code: int | None = None
    error: str | None = None


def signature(body: bytes, secrets: Sequence[str], timestamp: int) -> str:
    """``t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` — one ``v1`` per secret."""
    signed = str(timestamp).encode("ascii") + b"." + body
    entries = [hmac.new(s.encode("utf-8"), signed, hashlib.sha256).hexdigest() for s in secrets]
    return ",".join([f"t={timestamp}", *(f"v1={entry}" for entry in entries)])


def headers(message: Message, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "bulkwrite-callback",
        "X-Bulkwrite-Delivery": message.delivery_id,
        "X-Bulkwrite-Event": message.event,
        "X-Bulkwrite-Signature": signature(message.body, message.secrets, timestamp),
    }


def resolve(host: str, port: int) -> list[Address]:
    """Every address the host resolves to (TCP), in the resolver's order."""
    found: list[Address] = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if address not in found:
            found.append(address)
    return found


def verdict_of(status_code: int) -> Verdict:
    if 200 <= status_code < 300:
        return Verdict.DELIVERED
    if 400 <= status_code < 500 and status_code not in RETRIED_4XX:
        return Verdict.FAILED
    return Verdict.RETRY


@dataclass(frozen=True)
class SendOptions:
    """How a POST is made: the guard's exceptions, the timeout, the clock, the resolver, and
    the TLS context that verifies receivers' certificates (None: the system's CAs)."""

    allow: Allowance
    timeout: float
    now: Callable[[], float]
    resolver: Resolver = resolve
    tls: ssl.SSLContext | None = None


def send(message: Message, options: SendOptions) -> Attempt:
    """POST the message once to a checked address; never raises for the receiver's faults."""
    try:
        target = check_url(message.url, options.allow)
        address = _checked_address(target.host, target.port, target.literal, options)
    except CallbackRefused as exc:
        return Attempt(Verdict.FAILED, error=str(exc)[:MAX_ERROR])
    except OSError as exc:
        return Attempt(Verdict.RETRY, error=f"resolving {message.url}: {exc}"[:MAX_ERROR])
    parts = urlsplit(message.url)
    shown = f"[{address}]" if address.version == 6 else str(address)
    pinned = urlunsplit(
        (parts.scheme, f"{shown}:{target.port}", parts.path or "/", parts.query, "")
    )
    request_headers = {"Host": target.authority, **headers(message, int(options.now()))}
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        with (
            httpx.Client(
                timeout=options.timeout,
                follow_redirects=False,
                trust_env=False,
                verify=options.tls or True,
            ) as http,
            http.stream(
                "POST",
                pinned,
                content=message.body,
                headers=request_headers,
                extensions=extensions,
            ) as response,
        ):
            _read_some(response)
    except (httpx.HTTPError, ssl.SSLError, UnicodeError, ValueError) as exc:
        failure = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return Attempt(Verdict.RETRY, error=failure[:MAX_ERROR])
    verdict = verdict_of(response.status_code)
    answered = f"the receiver answered {response.status_code}"
    return Attempt(
        verdict, response.status_code, None if verdict is Verdict.DELIVERED else answered
    )


def _checked_address(
    host: str, port: int, literal: Address | None, options: SendOptions
) -> Address:
    """The first of the host's addresses the guard lets through; raises ``CallbackRefused``
    when none does."""
    if literal is not None:
        return literal  # check_url has checked it
    addresses = options.resolver(host, port)
    if options.allow.opens_name(host) and addresses:
        return addresses[0]
    refused: CallbackRefused | None = None
    for address in addresses:
        try:
            check_address(address, options.allow, f"{host} resolves to {address}")
        except CallbackRefused as exc:
            refused = refused or exc
            continue
        return address
    raise refused or CallbackRefused(f"{host} resolves to no address.")


def _read_some(response: httpx.Response) -> None:
    """Read at most ``MAX_ANSWER_BYTES`` of the answer, then stop."""
    taken = 0
    for piece in response.iter_raw():
        taken += len(piece)
        if taken >= MAX_ANSWER_BYTES:
            return
