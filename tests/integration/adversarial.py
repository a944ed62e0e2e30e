"""The bad-input table's parts (``test_adversarial.py``): the target server, a row (``Bad``),
the ways a row sends its request, and the rows whose bad input is in the URL: ids in paths,
``page`` and ``per_page``."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from tests.integration.helpers import (
    WRITE,
    job_body,
    raw_request,
)
from tests.server import LiveServer


def digits(zero: int) -> dict[int, int]:
    """A translation of ASCII digits into the ten digits from code point ``zero`` on."""
    return str.maketrans("0123456789", "".join(chr(zero + n) for n in range(10)))


FULLWIDTH, ARABIC_INDIC = digits(0xFF10), digits(0x0660)
SUPERSCRIPT = str.maketrans(
    "0123456789", "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"
)
#: A header line longer than any line is read (csvsource.LINE_LIMIT: 32 Mi characters).
LONG_HEADER = b"Last_Name," + b"x" * (32 * 1024 * 1024 + 10) + b",Company\nDoe,,Acme\n"


@dataclass
class Target:
    """The server under attack and what it holds: files, a finished job, a record."""

    server: LiveServer
    http: httpx.Client
    leads: str  # a file id
    utf32: str  # a UTF-32 file with its byte-order mark
    long_header: str
    job: str  # a COMPLETED job of two rows
    record: str  # a Leads record id
    contacts_id: str  # the Contacts module's id

    def body(self, **changes: Any) -> dict[str, Any]:
        """A valid create body (a Leads insert of ``leads``) with top-level ``changes``."""
        return {**job_body(self.leads), **changes}

    def mapped(self, *mappings: dict[str, Any], file_id: str | None = None) -> dict[str, Any]:
        """A create body whose mappings are ``mappings`` then those of Company and Email."""
        rest = [{"api_name": "Company", "index": 1}, {"api_name": "Email", "index": 2}]
        names = {m["api_name"] for m in mappings}
        kept = [m for m in rest if m["api_name"] not in names]
        return job_body(file_id or self.leads, mappings=[*mappings, *kept])


Send = Callable[[Target], httpx.Response]


@dataclass(frozen=True)
class Bad:
    name: str
    send: Send
    status: int
    code: str


def get(path: str) -> Send:
    """A GET of ``path``, formatted with the target's ids (``{job_fw}``: in fullwidth…)."""

    def send(t: Target) -> httpx.Response:
        ids = {"job": t.job, "record": t.record, "zgid": t.server.zgid}
        variants = {
            f"{name}_{kind}": value.translate(table)
            for name, value in ids.items()
            for kind, table in (("fw", FULLWIDTH), ("ar", ARABIC_INDIC), ("sup", SUPERSCRIPT))
        }
        return t.http.get(path.format(**ids, **variants))

    return send


def create(body: Callable[[Target], Any]) -> Send:
    """A create request of ``body`` as JSON (``Infinity`` and ``NaN`` as Python writes them)."""
    return lambda t: t.http.post(WRITE, content=json.dumps(body(t)), headers=JSON)


def post_bytes(content: bytes) -> Send:
    return lambda t: t.http.post(WRITE, content=content, headers=JSON)


def raw(request: bytes) -> Send:
    """Bytes sent as they are over a socket: what no HTTP client would send."""
    return lambda t: raw_request(t.server, request)


def encoding(name: Any, file_id: str = "leads") -> Send:
    return create(lambda t: {**job_body(getattr(t, file_id)), "character_encoding": name})


def nested(depth: int) -> bytes:
    return b'{"operation": "insert", "resource": ' + b"[" * depth + b"]" * depth + b"}"


HOST = b"Host: 127.0.0.1\r\n"
JSON = {"Content-Type": "application/json"}
NOT_FOUND, INVALID = "RESOURCE_NOT_FOUND", "INVALID_DATA"
LAST_NAME = {"api_name": "Last_Name", "index": 0}


def missing(name: str, path: str) -> Bad:
    """A GET that must find nothing."""
    return Bad(name, get(path), 404, NOT_FOUND)


def refused(name: str, send: Send, code: str = INVALID) -> Bad:
    """A request refused with 400 and ``code``."""
    return Bad(name, send, 400, code)


def mapping(name: str, *mappings: dict[str, Any], code: str = INVALID) -> Bad:
    """A create whose mappings are ``mappings`` (and Company, Email), refused with ``code``."""
    return refused(name, create(lambda t: t.mapped(*mappings)), code)


def framing(name: str, request: bytes) -> Bad:
    return refused(name, raw(request))


def post_head(*lines: bytes) -> bytes:
    return b"POST /crm/bulk/v8/write HTTP/1.1\r\n" + HOST + b"".join(lines)


def default(field: str, value: Any) -> Bad:
    shown = f"default_value {value!r} on {field}".replace("[", "(").replace("]", ")")
    return mapping(shown, LAST_NAME, {"api_name": field, "default_value": {"value": value}})


def callback(**value: Any) -> Callable[[Target], Any]:
    return lambda t: t.body(callback=value)


W = "/crm/bulk/v8/write/"
DOWNLOAD = "/v2/crm/{zgid}/bulk-write/"
PATH_ROWS: list[Bad] = [
    # --- ids in paths: ASCII digits only, bounded --------------------------------------------
    missing("job id \u00b9", W + "%C2%B9"),
    missing("job id \u2460", W + "%E2%91%A0"),
    missing("job id \u00b2\u00b3", W + "%C2%B2%C2%B3"),
    missing("job id in fullwidth digits", W + "{job_fw}"),
    missing("job id in Arabic-Indic digits", W + "{job_ar}"),
    missing("job id in superscripts", W + "{job_sup}"),
    missing("job id with a leading 0", W + "0{job}"),
    missing("job id of 20 digits", W + "9" * 20),
    missing("job id past int64", W + "9223372036854775808"),
    missing("job id of 4,000 digits", W + "1" * 4000),
    missing("job id -1", W + "-1"),
    missing("job id with a NUL", W + "1%00"),
    missing("download \u00b9", DOWNLOAD + "%C2%B9/%C2%B9.zip"),
    missing("download of a fullwidth job id", DOWNLOAD + "{job_fw}/{job_fw}.zip"),
    missing("download of a fullwidth org", "/v2/crm/{zgid_fw}/bulk-write/{job}/{job}.zip"),
    missing("record id \u00b9", "/crm/v8/Leads/%C2%B9"),
    missing("record id in fullwidth digits", "/crm/v8/Leads/{record_fw}"),
    missing("record id in Arabic-Indic digits", "/crm/v8/Leads/{record_ar}"),
    missing("record id of 30 digits", "/crm/v8/Leads/" + "1" * 30),
    # --- page and per_page ---------------------------------------------------------------------
    *(
        refused(f"{query}", get(f"/crm/v8/Leads?{query}"))
        for query in [
            "page=%C2%B9",
            "page=%EF%BC%91",  # fullwidth 1
            "per_page=%D9%A1",  # Arabic-Indic 1
            "per_page=%E2%91%A0",
            "page=0",
            "page=-1",
            "page=" + "9" * 5000,
            "per_page=201",
            "per_page=1.5",
        ]
    ),
]
