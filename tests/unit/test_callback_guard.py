"""The SSRF guard of callbacks (beyond-zoho.md §7, issue 14): every spelling of an internal
address refused, public ones taken, BULKWRITE_CALLBACK_ALLOW's exceptions, the URL rules."""

from __future__ import annotations

import ipaddress

import pytest

from bulkwrite.errors import DataInvalid
from bulkwrite.services.callbacks.check import check_callback_url
from bulkwrite.services.callbacks.guard import (
    Allowance,
    CallbackRefused,
    check_address,
    check_url,
    host_address,
)
from bulkwrite.settings import Settings

NONE = Allowance()

#: Hosts the server must never call by default: the issue's list, then each kind of §7.
REFUSED_HOSTS = [
    "127.0.0.1",
    "localhost",
    "LOCALHOST.",
    "api.localhost",
    "[::1]",
    "0.0.0.0",
    "10.0.0.1",
    "169.254.169.254",
    "2130706433",  # 127.0.0.1 in decimal
    "0177.0.0.1",  # octal
    "0x7f.1",  # hex, short form
    "0x7f000001",
    "127.1",  # short form
    "017700000001",  # octal, whole
    "0",  # 0.0.0.0
    "[::ffff:127.0.0.1]",  # IPv4-mapped
    "[::ffff:7f00:1]",
    "[::ffff:10.1.2.3]",
    "[::127.0.0.1]",  # IPv4-compatible
    "[2002:7f00:1::]",  # 6to4 of 127.0.0.1
    "[2002:c0a8:101::1]",  # 6to4 of 192.168.1.1
    "[64:ff9b::a9fe:a9fe]",  # NAT64 of 169.254.169.254
    "[::]",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.0.1",
    "100.64.0.1",  # CGNAT
    "100.127.255.254",
    "169.254.0.1",
    "[fe80::1]",
    "[fc00::1]",
    "[fd12:3456::1]",
    "224.0.0.1",  # multicast
    "239.255.255.250",
    "[ff02::1]",
    "240.0.0.1",  # reserved
    "255.255.255.255",  # broadcast
    "192.0.2.1",  # documentation: not global
    "[2001:db8::1]",
    "[fec0::1]",  # site-local (deprecated)
]

PUBLIC_HOSTS = [
    "example.com",
    "hooks.example.com",
    "93.184.215.14",
    "8.8.8.8",
    "[2606:4700:4700::1111]",
    "[::ffff:8.8.8.8]",
    "1.1.1.1",
    "100.63.255.255",  # just below CGNAT
    "172.32.0.1",  # just above 172.16/12
]


@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_internal_addresses_are_refused_in_every_spelling(host: str) -> None:
    with pytest.raises(CallbackRefused, match="internal addresses"):
        check_url(f"http://{host}:8080/hook", NONE)


@pytest.mark.parametrize("host", PUBLIC_HOSTS)
def test_public_hosts_are_taken(host: str) -> None:
    target = check_url(f"https://{host}/hook?x=1", NONE)
    assert target.scheme == "https" and target.port == 443


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("::ffff:127.0.0.1", "::ffff:7f00:1"),
        ("example.com", None),
        ("deadbeef", None),  # a name: inet_aton takes no hex without 0x
        ("1.2.3.4.5", None),
    ],
)
def test_host_spellings_read_as_addresses(host: str, address: str | None) -> None:
    found = host_address(host)
    assert (str(found) if found else None) == address


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://example.com/x", "http"),
        ("file:///etc/passwd", "http"),
        ("gopher://example.com", "http"),
        ("http:///path", "host"),
        ("http://user:pw@example.com/", "credentials"),
        ("http://user@example.com/", "credentials"),
        ("http://example.com/a\r\nX-Injected: 1", "whitespace or control"),
        ("http://example.com/a\nb", "whitespace or control"),
        ("http://example.com/a b", "whitespace or control"),
        ("http://example.com/\x00", "whitespace or control"),
        ("http://example.com/\u00a0", "whitespace or control"),
        ("http://example.com\\@127.0.0.1/", "whitespace or control"),
        ("http://example.com:99999/", "not a valid URL"),
        ("http://[::1/", "not a valid URL"),
        ("http://[fe80::1%25eth0]/", "zone"),
        ("http://example.com/" + "a" * 2030, "longer than 2048"),
        (42, "string"),
    ],
)
def test_bad_urls_are_refused(url: object, why: str) -> None:
    with pytest.raises(CallbackRefused, match=why):
        check_url(url, NONE)


def test_a_host_is_kept_as_dns_and_the_host_header_take_it() -> None:
    target = check_url("https://Bücher.example/x", NONE)
    assert target.host == "xn--bcher-kva.example" and target.authority == target.host
    assert check_url("http://example.com:8080/", NONE).authority == "example.com:8080"
    assert check_url("http://[2606:4700::1]:81/", NONE).authority == "[2606:4700::1]:81"
    with pytest.raises(CallbackRefused, match="not a valid name"):
        check_url("http://" + "ü" * 70 + ".example/", NONE)


def test_a_url_of_2048_characters_is_taken() -> None:
    url = "https://example.com/" + "a" * (2048 - len("https://example.com/"))
    assert check_url(url, NONE).host == "example.com"


def test_the_allow_list_opens_networks_and_names() -> None:
    allow = Allowance.parse(" 127.0.0.0/8, 10.1.0.0/16 ,hooks.internal, *.svc.local, ::1 ")
    assert check_url("http://127.0.0.1:9/x", allow).port == 9
    assert check_url("http://2130706433/x", allow).literal == ipaddress.ip_address("127.0.0.1")
    assert check_url("http://[::1]/x", allow).host == "::1"
    assert check_url("http://10.1.2.3/x", allow).host == "10.1.2.3"
    assert check_url("http://localhost:8000/x", allow).host == "localhost"  # opened as loopback
    assert check_url("http://hooks.internal/x", allow).host == "hooks.internal"
    assert check_url("http://a.b.svc.local/x", allow).host == "a.b.svc.local"
    for still in ("10.2.0.1", "192.168.1.1", "169.254.169.254", "[::ffff:10.2.0.1]"):
        with pytest.raises(CallbackRefused):
            check_url(f"http://{still}/x", allow)
    with pytest.raises(CallbackRefused):
        check_address(ipaddress.ip_address("fe80::1"), allow)


def test_create_answers_invalid_data_at_the_callback_url() -> None:
    with pytest.raises(DataInvalid) as raised:
        check_callback_url("http://169.254.169.254/latest/meta-data", Settings())
    assert raised.value.details == {"api_name": "url", "json_path": "$.callback.url"}
    check_callback_url(None, Settings())
    check_callback_url("http://127.0.0.1:9/x", Settings(callback_allow="127.0.0.0/8"))
