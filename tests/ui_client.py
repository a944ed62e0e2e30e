"""Signing in to the dashboard without a browser (an httpx client keeps the cookies)."""

from __future__ import annotations

import re

import httpx

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def form_csrf(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None, "the page has no CSRF field"
    return found.group(1)


def ui_sign_in(client: httpx.Client, token: str, next_page: str = "/ui/jobs") -> httpx.Response:
    """Post the sign-in form as a browser would (its login CSRF token and cookie first)."""
    csrf = form_csrf(client.get("/ui/login").text)
    return client.post("/ui/login", data={"token": token, "next": next_page, "csrf": csrf})
