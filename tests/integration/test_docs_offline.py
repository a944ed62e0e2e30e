"""``/docs`` of a real ``bulkwrite serve`` works offline: the page references no asset on
another host, every asset it references is served by bulkwrite itself (``/redoc``, whose
bundle loads a logo from a CDN, is not served), and the
OpenAPI document carries the ``Authorization`` security scheme on the authenticated operations
and the request bodies of upload and create."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import httpx

from tests.server import LiveServer

#: Attributes that make a browser fetch something.
FETCHED = {("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src")}
#: A URL with a scheme or a host (``https://…``, ``//cdn…``) inside a page's own script.
OUTSIDE_URL = re.compile(r"""["'(](?:https?:)?//[^"')\s]+""")


class Assets(HTMLParser):
    """The URLs a page's tags fetch, and the text of its inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if (tag, name) in FETCHED and value:
                self.urls.append(value)
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def page_assets(server: LiveServer, path: str) -> Assets:
    response = httpx.get(f"{server.base_url}{path}", timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assets = Assets()
    assets.feed(response.text)
    return assets


def test_the_docs_page_fetches_only_our_own_assets(shared_server: LiveServer) -> None:
    path = "/docs"
    assets = page_assets(shared_server, path)
    wanted = {"swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"}
    assert {url.rsplit("/", 1)[-1] for url in assets.urls} == wanted
    for url in assets.urls:
        assert url.startswith("/") and not url.startswith("//"), f"{path} fetches {url}"
        answer = httpx.get(f"{shared_server.base_url}{url}", timeout=30)
        assert answer.status_code == 200, f"{url}: {answer.status_code}"
        assert len(answer.content) > 1000, url
    outside = [m.group(0) for script in assets.scripts for m in OUTSIDE_URL.finditer(script)]
    assert outside == [], f"{path}'s script names another host"
    assert "/openapi.json" in "".join(assets.scripts)


def test_a_missing_asset_and_redoc_are_404s(shared_server: LiveServer) -> None:
    for path in ("/docs-assets/nothing.js", "/redoc"):
        answer = httpx.get(f"{shared_server.base_url}{path}", timeout=30)
        assert answer.status_code == 404, path


def _document(server: LiveServer) -> dict[str, Any]:
    response = httpx.get(f"{server.base_url}/openapi.json", timeout=30)
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def test_the_document_has_the_token_scheme_on_every_authenticated_operation(
    shared_server: LiveServer,
) -> None:
    document = _document(shared_server)
    (name,) = document["components"]["securitySchemes"]
    scheme = document["components"]["securitySchemes"][name]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert "Zoho-oauthtoken <token>" in scheme["description"]
    operations = {
        (path, method): operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }
    secured = {key for key, op in operations.items() if op.get("security") == [{name: []}]}
    open_ones = set(operations) - secured
    assert ("/health", "get") in open_ones
    for key in [
        ("/crm/{version}/upload", "post"),
        ("/crm/bulk/{version}/write", "post"),
        ("/crm/bulk/{version}/write/{job_id}", "get"),
        ("/v2/crm/{zgid}/bulk-write/{job_id}/{file_name}", "get"),
        ("/crm/{version}/{module}", "get"),
    ]:
        assert key in secured, key
    # Each secured operation does refuse a request without the header: the scheme is true.
    with httpx.Client(base_url=shared_server.base_url, timeout=30) as client:
        answer = client.post("/crm/bulk/v8/write", json={})
        assert answer.status_code == 401, answer.text
        answer = client.get("/health")
        assert answer.status_code == 200


def test_upload_and_create_document_their_request_bodies(shared_server: LiveServer) -> None:
    paths = _document(shared_server)["paths"]
    upload = paths["/crm/{version}/upload"]["post"]["requestBody"]
    form = upload["content"]["multipart/form-data"]["schema"]
    assert upload["required"] is True
    assert form["required"] == ["file"] and form["properties"]["file"]["format"] == "binary"
    create = paths["/crm/bulk/{version}/write"]["post"]["requestBody"]
    body = create["content"]["application/json"]["schema"]
    assert body["required"] == ["operation", "resource"]
    assert {"operation", "resource", "callback", "dry_run"} <= set(body["properties"])
    resource = body["properties"]["resource"]["items"]
    assert {"module", "file_id", "file_names", "field_mappings"} <= set(resource["properties"])
    mapping = resource["properties"]["field_mappings"]["items"]["properties"]
    assert {"api_name", "index", "find_by", "parent_column_index"} <= set(mapping)
