"""The bad-input table's rows whose bad input is in the create request (``test_adversarial.py``):
file ids, mappings, module ids, encodings, JSON, the file's header, default values, find_by,
formats, HTTP framing."""

from __future__ import annotations

import httpx

from tests.integration.adversarial import (
    FULLWIDTH,
    HOST,
    INVALID,
    LAST_NAME,
    Bad,
    W,
    callback,
    create,
    default,
    encoding,
    framing,
    get,
    mapping,
    nested,
    post_bytes,
    post_head,
    refused,
)
from tests.integration.helpers import (
    WRITE,
    job_body,
)

BODY_ROWS: list[Bad] = [
    # --- file_id -------------------------------------------------------------------------------
    *(
        refused(name, create(body), "INVALID_FILE_ID")
        for name, body in [
            ("file_id \u00b9", lambda t: job_body("\u00b9")),
            ("file_id in fullwidth digits", lambda t: job_body(t.leads.translate(FULLWIDTH))),
            ("file_id of 100,000 digits", lambda t: job_body("1" * 100_000)),
            ("file_id an object", lambda t: job_body({"id": t.leads})),
            ("file_id negative", lambda t: job_body(-1)),
        ]
    ),
    refused(
        "file_id a number of 100,000 digits",
        post_bytes(
            b'{"operation":"insert","resource":[{"type":"data","module":"Leads",'
            b'"file_id":' + b"1" * 100_000 + b"}]}"
        ),
    ),
    # --- mapping indexes -----------------------------------------------------------------------
    *(
        mapping(f"index {index!r}"[:30], {"api_name": "Last_Name", "index": index}, code=code)
        for index, code in [
            ("\u00b9", INVALID),
            ("-\u00b9", INVALID),
            ("\u2460", INVALID),
            ("\uff10", INVALID),  # fullwidth 0
            ("\u0660", INVALID),  # Arabic-Indic 0
            (" 0", INVALID),
            ("0x0", INVALID),
            (0.0, INVALID),
            (True, INVALID),
            ([0], INVALID),
            (10**12, INVALID),
            ("9" * 5000, INVALID),
            (-1, "COLUMN_INDEX_NOT_FOUND"),
            ("-1", "COLUMN_INDEX_NOT_FOUND"),
            (3, "COLUMN_INDEX_NOT_FOUND"),
        ]
    ),
    # --- module.id -----------------------------------------------------------------------------
    *(
        refused(name, create(lambda t, m=module: job_body(t.leads, module=m(t))), code)
        for name, module, code in [
            (
                "module.id another module's",
                lambda t: {"api_name": "Leads", "id": t.contacts_id},
                INVALID,
            ),
            (
                "module.id unknown",
                lambda t: {"api_name": "Leads", "id": "111111000000000001"},
                INVALID,
            ),
            ("module.id \u00b9", lambda t: {"api_name": "Leads", "id": "\u00b9"}, INVALID),
            (
                "module.id alone, unknown",
                lambda t: {"id": "111111000000000001"},
                "MODULE_NOT_AVAILABLE",
            ),
        ]
    ),
    # --- character_encoding --------------------------------------------------------------------
    *(
        refused(f"character_encoding {name!r}"[:40], encoding(name))
        for name in [
            "UTF-16",  # the file has no byte-order mark
            "utf_32",
            "idna",
            "undefined",
            "punycode",
            "utf-8\x00",
            "\x00",
            "utf-7",
            "unicode_escape",
            "raw_unicode_escape",
            "palmos",
            "rot13",
            "base64",
            "zlib",
            "hex",
            "mbcs",
            "x" * 200,
            12,
            ["utf-8"],
        ]
    ),
    refused("UTF-16 on a UTF-32 file", encoding("UTF-16", "utf32")),
    # --- JSON ----------------------------------------------------------------------------------
    refused("JSON nested 1,000 deep", post_bytes(nested(1000))),
    refused("JSON nested 100,000 deep", post_bytes(nested(100_000))),
    refused("JSON over 1 MiB", post_bytes(b'{"x": "' + b"a" * 2**20 + b'"}'), "LIMIT_EXCEEDED"),
    refused("JSON cut short", post_bytes(b'{"operation": "insert",')),
    refused("JSON not UTF-8", post_bytes(b'{"operation": "\xff"}')),
    refused("JSON an array", post_bytes(b"[]")),
    refused("JSON empty", post_bytes(b"")),
    # --- the file's header ---------------------------------------------------------------------
    refused(
        "a header line over 32 Mi characters",
        create(lambda t: t.mapped(LAST_NAME, file_id=t.long_header)),
    ),
    # --- default_value typed against its field -------------------------------------------------
    default("Company", {"x": [1]}),
    default("Company", [1]),
    default("Company", ["a"]),
    default("Company", True),
    default("Company", 5),
    default("Company", None),
    default("Company", ""),
    default("No_of_Employees", True),
    default("No_of_Employees", "many"),
    default("No_of_Employees", {"value": 1}),
    default("Email_Opt_Out", 1),
    default("Lead_Source", ["Trade Show"]),
    default("Annual_Revenue", float("inf")),
    default("Annual_Revenue", float("nan")),
    # --- find_by only on lookups (and on the resource) ----------------------------------------
    mapping("find_by on a text mapping", {**LAST_NAME, "find_by": "id"}),
    mapping(
        "find_by on a picklist mapping",
        LAST_NAME,
        {"api_name": "Lead_Source", "index": 1, "find_by": "Lead_Source"},
    ),
    refused(
        "find_by on the id mapping",
        create(
            lambda t: job_body(
                t.leads,
                None,
                "update",
                [{"api_name": "id", "index": 2, "find_by": "id"}],
                find_by="id",
            )
        ),
    ),
    # --- format --------------------------------------------------------------------------------
    mapping("format of 100 KB", {**LAST_NAME, "format": "x" * 100_000}, code="INVALID_FORMAT"),
    mapping("format of 101 characters", {**LAST_NAME, "format": "y" * 101}, code="INVALID_FORMAT"),
    mapping("format a number", {**LAST_NAME, "format": 7}),
    mapping("format on a text field", {**LAST_NAME, "format": "MM/dd/yyyy"}, code="INVALID_FORMAT"),
    # --- HTTP framing --------------------------------------------------------------------------
    framing("a header line without a colon", b"GET /health HTTP/1.1\r\n" + HOST + b"Oops\r\n\r\n"),
    framing("a non-ASCII request target", b"GET /crm/v8/\xc2\xb9 HTTP/1.1\r\n" + HOST + b"\r\n"),
    framing("Content-Length not a number", post_head(b"Content-Length: 1\xc2\xb9\r\n\r\n")),
    framing("two Content-Lengths", post_head(b"Content-Length: 1\r\nContent-Length: 2\r\n\r\nab")),
    framing("a broken chunk size", post_head(b"Transfer-Encoding: chunked\r\n\r\nzz\r\n")),
    framing("no request line at all", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"),
    framing("HTTP/1.1 without Host", b"GET /health HTTP/1.1\r\n\r\n"),
    # --- already covered elsewhere, kept here so the table holds every kind -------------------
    Bad("an unknown path", get("/crm/v8/no-such-thing"), 404, "INVALID_URL_PATTERN"),
    Bad("an unknown version", get("/crm/bulk/v9/write/{job}"), 404, "INVALID_URL_PATTERN"),
    Bad("a wrong method", lambda t: t.http.delete(WRITE), 400, "INVALID_REQUEST_METHOD"),
    Bad(
        "no token",
        lambda t: httpx.get(f"{t.server.base_url}{W}{t.job}"),
        401,
        "AUTHENTICATION_FAILURE",
    ),
    Bad(
        "an unknown token",
        lambda t: t.http.get(f"{W}{t.job}", headers={"Authorization": "Zoho-oauthtoken 1000.x"}),
        401,
        "INVALID_TOKEN",
    ),
    refused(
        "operation missing",
        create(lambda t: {"resource": job_body(t.leads)["resource"]}),
        "MANDATORY_NOT_FOUND",
    ),
    refused("operation unknown", create(lambda t: t.body(operation="merge"))),
    refused(
        "an unknown module",
        create(lambda t: job_body(t.leads, module={"api_name": "Nope"})),
        "MODULE_NOT_AVAILABLE",
    ),
    mapping("an unknown field", {"api_name": "Nope", "index": 0}, code="INVALID_FIELD"),
    refused(
        "an unknown file id", create(lambda t: job_body("111111000009999999")), "INVALID_FILE_ID"
    ),
    refused(
        "a bad date format",
        create(
            lambda t: job_body(
                t.leads,
                {"api_name": "Contacts"},
                mappings=[
                    LAST_NAME,
                    {"api_name": "Date_of_Birth", "index": 1, "format": "yyyy-QQ"},
                ],
            )
        ),
        "INVALID_FORMAT",
    ),
    refused(
        "callback method get",
        create(callback(url="http://example.com/", method="get")),
        "INVALID_CALLBACK_METHOD",
    ),
    refused("ignore_empty a string", create(lambda t: t.body(ignore_empty="yes"))),
]
