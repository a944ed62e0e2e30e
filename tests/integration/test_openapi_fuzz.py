"""Requests generated from the service's own OpenAPI document (schemathesis), sent to a real
``bulkwrite serve``: no answer is a 5xx, and every error answer is the contract's envelope.

Each operation gets a fixed number of cases, seeded (``derandomize``) so CI runs the same
requests every time: valid ones by the document's schemas and invalid ones (wrong types,
missing keys, values outside the schemas), half of them with real ids planted (a job, a file,
a record, the org) so they reach past "not found" into the checks behind it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

from tests.integration.helpers import LEADS_CSV, client, create_ok, job_body, upload_ok, wait_done
from tests.server import LiveServer, make_server

#: Cases per operation and generation mode (valid, invalid): ~1,000 requests in all.
CASES = 40
#: The codes of the contract's section 3: the only ones an error may carry.
CODES = frozenset(
    {
        "INVALID_URL_PATTERN", "INVALID_REQUEST_METHOD", "AUTHENTICATION_FAILURE",
        "INVALID_TOKEN", "OAUTH_SCOPE_MISMATCH", "NO_PERMISSION", "AUTHORIZATION_FAILED",
        "RESOURCE_NOT_FOUND", "INVALID_FILE_FORMAT", "FILE_TOO_LARGE", "NOT_SUPPORTED_FEATURE",
        "INVALID_FILE_ID", "MANDATORY_NOT_FOUND", "INVALID_DATA", "MODULE_NOT_AVAILABLE",
        "INVALID_FIELD", "COLUMN_INDEX_NOT_FOUND", "MANDATORY_FIELDS_NOT_MAPPED",
        "DUPLICATE_DATA", "COEXISTENCE_NOT_ALLOWED", "INVALID_FORMAT", "HEADER_LIMIT_EXCEEDED",
        "INVALID_CALLBACK_METHOD", "LIMIT_EXCEEDED",
        "NOT_ALLOWED",  # beyond-zoho.md section 3: cancel of a job that has ended
    }
)  # fmt: skip


@dataclass
class Tally:
    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def record(self, label: str, status: int, problem: str | None) -> None:
        self.sent += 1
        self.statuses[status] += 1
        if problem is not None and len(self.failures) < 20:
            self.failures.append(f"{label} -> {status}: {problem}")


@dataclass(frozen=True)
class Real:
    """Ids of things the server holds, planted into generated requests."""

    job: str
    file_id: str
    record: str
    zgid: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Real]]:
    server = make_server(tmp_path_factory.mktemp("fuzz") / "data", max_jobs_in_flight="1000")
    server.start()
    try:
        file_id = upload_ok(server, LEADS_CSV, "leads.csv")
        job = create_ok(server, job_body(file_id))
        wait_done(server, job)
        with client(server) as http:
            record = http.get("/crm/v8/Leads").json()["data"][0]["id"]
        yield server, Real(job, file_id, record, server.zgid)
    finally:
        server.stop()


def envelope_problem(status: int, content: bytes, content_type: str) -> str | None:
    """Why an answer breaks the rules (a 5xx, an error outside the envelope), or None."""
    if status >= 500:
        return "a server error"
    if status < 400:
        return None
    if not content_type.startswith("application/json"):
        return f"an error answered as {content_type!r}"
    try:
        body = json.loads(content)
    except ValueError:
        return "an error whose body is not JSON"
    if not isinstance(body, dict) or set(body) != {"code", "details", "message", "status"}:
        return f"an error outside the envelope: {content[:200]!r}"
    if body["status"] != "error" or body["code"] not in CODES:
        return f"an error with status {body['status']!r}, code {body['code']!r}"
    if not isinstance(body["details"], dict) or not isinstance(body["message"], str):
        return "an error whose details or message has the wrong type"
    return None


def plant(case: schemathesis.Case, real: Real) -> None:
    """Real ids in the case's path and body, where it has places for them."""
    ids = {"job_id": real.job, "record_id": real.record, "zgid": real.zgid}
    for name, value in ids.items():
        if case.path_parameters and name in case.path_parameters:
            case.path_parameters[name] = value
    if case.path_parameters and "file_name" in case.path_parameters:
        case.path_parameters["file_name"] = f"{real.job}.zip"
    if case.path_parameters and "module" in case.path_parameters:
        case.path_parameters["module"] = "Leads"
    body = case.body
    resources = body.get("resource") if isinstance(body, dict) else None
    if isinstance(resources, list) and resources and isinstance(resources[0], dict):
        resources[0]["file_id"] = real.file_id


def exercise(operation: Any, server: LiveServer, real: Real, tally: Tally) -> None:
    cases = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=2 * CASES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases, planted=st.booleans())
    def send(case: schemathesis.Case, planted: bool) -> None:
        if planted:
            plant(case, real)
        response = case.call(base_url=server.base_url, headers=server.headers(), timeout=60)
        problem = envelope_problem(
            response.status_code, response.content, response.headers.get("content-type", [""])[0]
        )
        tally.record(f"{case.method} {case.formatted_path}", response.status_code, problem)

    send()


@pytest.mark.slow
def test_generated_requests_never_get_a_5xx_and_errors_are_enveloped(
    served: tuple[LiveServer, Real],
) -> None:
    server, real = served
    schema = schemathesis.openapi.from_url(f"{server.base_url}/openapi.json")
    tally = Tally()
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    assert len(operations) >= 13
    for operation in operations:
        exercise(operation, server, real, tally)
    server_errors = sum(n for status, n in tally.statuses.items() if status >= 500)
    print(
        f"generated requests: {tally.sent} over {len(operations)} operations; "
        f"5xx: {server_errors}; statuses: {dict(sorted(tally.statuses.items()))}"
    )
    assert tally.failures == [], "\n".join(tally.failures)
    assert tally.sent >= len(operations) * CASES
    log = server.server_log()
    assert "Traceback" not in log, log[-5000:]
