"""Requests the HTTP server cannot parse, answered in the contract's error envelope.

A request whose framing is broken (a header line without a colon, a bad ``Content-Length``, a
non-ASCII request target, headers past h11's size bound…) never reaches the application:
uvicorn's h11 protocol answers it itself, with a plain-text 400. ``EnvelopeH11Protocol`` is that
protocol answering with the envelope (``INVALID_DATA``) instead; ``bulkwrite serve`` runs
uvicorn with it (``http=``), so every answer the service gives is JSON in one shape.
"""

from __future__ import annotations

import json
from typing import Final

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from bulkwrite.api.envelope import JSON_TYPE
from bulkwrite.errors import DataInvalid

#: The answer to a request that cannot be parsed.
FRAMING_ERROR: Final = json.dumps(
    {
        "code": DataInvalid.code,
        "details": {},
        "message": "The HTTP request cannot be read: its framing is malformed.",
        "status": "error",
    }
).encode()


class EnvelopeH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, but a request it cannot parse gets the error envelope."""

    def send_400_response(self, msg: str) -> None:
        cycle = self.cycle  # a request whose body broke off: its handler's answer goes nowhere
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True
            cycle.message_event.set()
        if self.conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE) or (
            cycle is not None and cycle.response_started
        ):
            self.transport.close()  # an answer has begun: all that is left is to hang up
            return
        headers = [
            (b"content-type", JSON_TYPE.encode()),
            (b"content-length", str(len(FRAMING_ERROR)).encode()),
            (b"connection", b"close"),
        ]
        for event in (
            h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
            h11.Data(data=FRAMING_ERROR),
            h11.EndOfMessage(),
        ):
            output = self.conn.send(event)
            if output:
                self.transport.write(output)
        self.transport.close()
