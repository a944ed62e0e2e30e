"""Every GET route refuses a query parameter it does not act on, and a repeated one, over real
HTTP: 400 ``INVALID_DATA`` naming the parameter, in the contract's envelope."""

from __future__ import annotations

import pytest

from tests.integration.helpers import assert_at, client
from tests.server import LiveServer

JOB = "1000000000000000001"  # no such job: the parameters are checked before the job is read
#: Each GET route of the API (its OpenAPI path), a URL of it, and one parameter it acts on
#: (``None``: it acts on none).
ROUTES: list[tuple[str, str, str | None]] = [
    ("/health", "/health", None),
    ("/crm/{version}/users", "/crm/v8/users", "type"),
    ("/crm/{version}/org", "/crm/v8/org", None),
    ("/crm/{version}/settings/modules", "/crm/v8/settings/modules", None),
    ("/crm/{version}/settings/modules/{api_name}", "/crm/v8/settings/modules/Leads", None),
    ("/crm/{version}/settings/layouts", "/crm/v8/settings/layouts", "module"),
    ("/crm/{version}/settings/fields", "/crm/v8/settings/fields", "module"),
    ("/crm/{version}/settings/fields/{field_id}", "/crm/v8/settings/fields/1", "module"),
    ("/crm/bulk/{version}/write", "/crm/bulk/v8/write", "per_page"),
    ("/crm/bulk/{version}/write/{job_id}", f"/crm/bulk/v8/write/{JOB}", None),
    ("/crm/bulk/{version}/write/{job_id}/events", f"/crm/bulk/v8/write/{JOB}/events", None),
    ("/crm/bulk/{version}/write/{job_id}/errors", f"/crm/bulk/v8/write/{JOB}/errors", "page"),
    (
        "/crm/bulk/{version}/write/{job_id}/failed_rows",
        f"/crm/bulk/v8/write/{JOB}/failed_rows",
        None,
    ),
    (
        "/v2/crm/{zgid}/bulk-write/{job_id}/{file_name}",
        f"/v2/crm/1/bulk-write/{JOB}/{JOB}.zip",
        None,
    ),
    ("/crm/{version}/{module}", "/crm/v8/Leads", "per_page"),
    ("/crm/{version}/{module}/{record_id}", f"/crm/v8/Leads/{JOB}", "fields"),
]
URLS = [(url, acted_on) for _, url, acted_on in ROUTES] + [("/docs", None)]


@pytest.mark.parametrize(("url", "acted_on"), URLS)
def test_an_unknown_parameter_is_refused_naming_it(
    shared_server: LiveServer, url: str, acted_on: str | None
) -> None:
    with client(shared_server) as http:
        response = http.get(url, params={"frobnicate": "1"})
    body = assert_at(response, "INVALID_DATA", "frobnicate", "frobnicate")
    assert body["message"] == "frobnicate is not a parameter of this request."


@pytest.mark.parametrize(("url", "acted_on"), URLS)
def test_a_repeated_parameter_is_refused_naming_it(
    shared_server: LiveServer, url: str, acted_on: str | None
) -> None:
    name = acted_on or "frobnicate"
    value = "Leads" if name == "module" else "1"
    with client(shared_server) as http:
        response = http.get(url, params=[(name, value), (name, value)])
    expected = f"{name} is given more than once." if acted_on else None
    body = assert_at(response, "INVALID_DATA", name, name)
    if expected:
        assert body["message"] == expected


def test_the_table_holds_every_get_route(shared_server: LiveServer) -> None:
    with client(shared_server) as http:
        document = http.get("/openapi.json").json()
    served = {path for path, operations in document["paths"].items() if "get" in operations}
    assert served == {path for path, _, _ in ROUTES}


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/crm/v8/Leads", "cvid"),
        ("/crm/v8/Leads", "include_child"),
        ("/crm/v8/Leads", "$state"),
        ("/crm/v8/Leads", "territory_id"),
        (f"/crm/v8/Leads/{JOB}", "converted"),
        ("/crm/v8/users", "per_page"),
        ("/crm/v8/settings/fields", "type"),
        ("/crm/v8/settings/modules", "status"),
    ],
)
def test_a_zoho_parameter_not_implemented_is_refused_as_not_supported(
    shared_server: LiveServer, url: str, name: str
) -> None:
    params = {name: "true", **({"module": "Leads"} if "fields" in url else {})}
    with client(shared_server) as http:
        response = http.get(url, params=params)
    body = assert_at(response, "INVALID_DATA", name, name)
    assert body["message"] == f"{name} is not supported by this server."


def test_a_parameter_acted_on_is_still_taken(shared_server: LiveServer) -> None:
    with client(shared_server) as http:
        fields = http.get("/crm/v8/settings/fields", params={"module": "Leads"})
        jobs = http.get("/crm/bulk/v8/write", params={"per_page": "1"})
    assert fields.status_code == 200, fields.text
    assert jobs.status_code == 200, jobs.text


def test_a_bad_token_is_still_401_before_the_parameters(shared_server: LiveServer) -> None:
    with client(shared_server, token="not-a-token") as http:
        response = http.get("/crm/v8/Leads", params={"frobnicate": "1"})
    assert response.status_code == 401, response.text
