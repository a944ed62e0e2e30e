"""The dashboard over plain HTTP (no browser): where ``/`` and ``/ui`` lead, the sign-in
redirect, pages for errors, the security headers, assets served by the package itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files

import httpx

from tests.server import LiveServer
from tests.ui_client import form_csrf, ui_sign_in


@contextmanager
def _signed_in(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        answer = ui_sign_in(client, server.token, "/ui/modules")
        assert answer.status_code == 303 and answer.headers["location"] == "/ui/modules"
        yield client


def test_root_and_ui_lead_to_the_jobs_page_after_sign_in(shared_server: LiveServer) -> None:
    with httpx.Client(base_url=shared_server.base_url) as client:
        for path in ("/", "/ui", "/ui/"):
            assert client.get(path).headers["location"] == "/ui/jobs", path
        answer = client.get("/ui/jobs")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/ui/login?next=/ui/jobs"
        login = client.get("/ui/login?next=//evil.example/x")
        assert 'name="next" value="/ui/jobs"' in login.text  # only a page of this server


def test_errors_are_pages_and_bad_parameters_are_refused(shared_server: LiveServer) -> None:
    with _signed_in(shared_server) as client:
        for path, status in (
            ("/ui/no-such-page", 404),
            ("/ui/jobs/1", 404),
            ("/ui/jobs/not-an-id", 404),
            ("/ui/jobs?colour=red", 400),
            ("/ui/jobs?status=DONE", 400),
            ("/ui/live?job=x", 400),
            ("/ui/live", 400),
            ("/ui/live?new=1&after=x", 400),
            ("/ui/live?new=1&status=DONE", 400),
            ("/ui/import/123?module=Leads&operation=insert", 400),
        ):
            answer = client.get(path)
            assert answer.status_code == status, (path, answer.text)
            assert answer.headers["content-type"].startswith("text/html"), path
            assert 'role="alert"' in answer.text, path
        answer = client.put("/ui/jobs")
        assert answer.status_code == 405 and "text/html" in answer.headers["content-type"]


def test_pages_carry_the_security_headers(shared_server: LiveServer) -> None:
    with _signed_in(shared_server) as client:
        answer = client.get("/ui/modules")
    assert answer.status_code == 200
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "no-store"
    cookie = client.cookies.get("bulkwrite_session")
    assert cookie and shared_server.token not in answer.text


def test_every_asset_ships_in_the_package(shared_server: LiveServer) -> None:
    package = files("bulkwrite.ui")
    texts = [
        p.read_text() for folder in ("templates", "static") for p in (package / folder).iterdir()
    ]
    for text in texts:
        assert not re.search(r"(src|href)=\"(https?:)?//", text)  # nothing from elsewhere
    with httpx.Client(base_url=shared_server.base_url) as client:
        for name in ("dash.css", "dash.js"):
            answer = client.get(f"/ui/static/{name}")
            assert (
                answer.status_code == 200
                and answer.content == (package / "static" / name).read_bytes()
            )


def test_the_sign_in_form_needs_its_own_csrf_token(shared_server: LiveServer) -> None:
    with httpx.Client(base_url=shared_server.base_url) as client:
        form = {"token": shared_server.token, "next": "/ui/jobs"}
        refused = client.post("/ui/login", data=form)  # a form posted from another site
        assert refused.status_code == 403 and "bulkwrite_session" not in client.cookies
        csrf = form_csrf(client.get("/ui/login").text)
        assert client.post("/ui/login", data={**form, "csrf": "forged"}).status_code == 403
        assert client.post("/ui/login", data={**form, "csrf": csrf}).status_code == 303
        assert "bulkwrite_session" in client.cookies


def test_the_jobs_pages_next_link_carries_a_signed_token(shared_server: LiveServer) -> None:
    """The Jobs page's "Next page" sends the job list's signed token back with the page's
    filters; the first page watches for new jobs, the next one does not; an altered token is
    an error page naming page_token."""
    import html

    from bulkwrite import Client, WriteJob

    org = shared_server.new_org("UI Pages Org")
    with Client(shared_server.base_url, org.token) as api:
        file_id = api.upload(b"Last_Name\nPaged\n", "contacts.csv")
        made = [api.create_job(WriteJob("Contacts").body(file_id)) for _ in range(3)]
    with httpx.Client(base_url=shared_server.base_url, timeout=30) as client:
        assert ui_sign_in(client, org.token).status_code == 303
        first = client.get("/ui/jobs", params={"module": "Contacts", "per_page": "2"})
        assert first.status_code == 200 and made[1] in first.text and made[0] not in first.text
        assert 'data-watch="new=1&amp;after=' in first.text
        found = re.search(r'href="(/ui/jobs\?page_token=[^"]+)">Next page', first.text)
        assert found is not None, first.text
        following = html.unescape(found.group(1))
        assert "module=Contacts" in following and "per_page=2" in following
        second = client.get(following)
        assert second.status_code == 200 and made[0] in second.text and made[1] not in second.text
        assert "data-watch" not in second.text
        other = client.get(following.replace("module=Contacts", "module=Leads"))
        assert other.status_code == 400 and "page_token" in other.text
