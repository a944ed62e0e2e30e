"""The SSRF guard of callbacks (beyond-zoho.md §7): which URLs a job may name, and which
addresses the server may call.

A URL must be http(s), at most 2,048 characters, with a host, no credentials, and no
whitespace or control characters. An address is refused when it is loopback, private
(RFC 1918, CGNAT 100.64/10), link-local (169.254/16, fe80::/10), unique-local (fc00::/7),
multicast, unspecified, reserved or broadcast — in any spelling: the legacy IPv4 forms that
``inet_aton`` takes (``2130706433``, ``0177.0.0.1``, ``0x7f.1``, ``127.1``), and IPv6 that
embeds an IPv4 address (mapped ``::ffff:a.b.c.d``, compatible ``::a.b.c.d``, 6to4, NAT64).
``localhost`` and ``*.localhost`` count as loopback. ``BULKWRITE_CALLBACK_ALLOW`` (CIDRs or
host names, comma-separated) opens exceptions.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

#: The longest callback URL taken.
MAX_URL_LENGTH = 2048
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_BAD_CHARACTERS = re.compile(r"[\x00-\x20\x7f-\x9f\s\\]")
#: What a host that ``inet_aton`` may read as an IPv4 address is made of.
_LEGACY_IPV4 = re.compile(r"^[0-9a-fx.]+$", re.IGNORECASE)
_LOOPBACK = ipaddress.ip_address("127.0.0.1")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_COMPATIBLE = ipaddress.ip_network("::/96")


class CallbackRefused(ValueError):
    """A callback URL or address the server will not call; the message says why."""


@dataclass(frozen=True)
class Target:
    """A checked URL: its scheme, host (lower case, no brackets), port and the address the
    host is written as (None: a name, resolved at delivery)."""

    url: str
    scheme: str
    host: str
    port: int
    literal: Address | None

    @property
    def authority(self) -> str:
        """``host[:port]`` as the ``Host`` header names it (the port unless the default)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == _default_port(self.scheme) else f"{host}:{self.port}"


@dataclass(frozen=True)
class Allowance:
    """The exceptions ``BULKWRITE_CALLBACK_ALLOW`` opens: networks, and host names (a name
    starting with ``.`` or ``*.`` opens its subdomains)."""

    networks: tuple[Network, ...] = ()
    names: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Allowance:
        """The setting's comma-separated entries; raises ValueError on an empty name."""
        networks: list[Network] = []
        names: list[str] = []
        for entry in (part.strip() for part in text.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                names.append(_normal_name(entry.removeprefix("*")))
        return cls(tuple(networks), tuple(names))

    def opens_address(self, address: Address) -> bool:
        return any(address.version == net.version and address in net for net in self.networks)

    def opens_name(self, host: str) -> bool:
        host = _normal_name(host)
        return any(
            host.endswith(name) if name.startswith(".") else host == name for name in self.names
        )


def check_url(url: object, allow: Allowance) -> Target:
    """The URL, checked by the URL rules and, when its host is an address (in any
    spelling) or a localhost name, by the address rules; raises ``CallbackRefused``."""
    if not isinstance(url, str):
        raise CallbackRefused("callback.url must be a string.")
    if len(url) > MAX_URL_LENGTH:
        raise CallbackRefused(f"callback.url is longer than {MAX_URL_LENGTH} characters.")
    if _BAD_CHARACTERS.search(url):
        raise CallbackRefused("callback.url must not hold whitespace or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise CallbackRefused(f"callback.url is not a valid URL ({exc}).") from None
    if parts.scheme not in ("http", "https"):
        raise CallbackRefused("callback.url must be an http(s) URL.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise CallbackRefused("callback.url must not hold credentials.")
    host = unquote(parts.hostname or "")
    if not host:
        raise CallbackRefused("callback.url must name a host.")
    if "%" in host:
        raise CallbackRefused("callback.url must not name an IPv6 zone.")
    host = _ascii_host(host)
    literal = host_address(host)
    target = Target(url, parts.scheme, host, port or _default_port(parts.scheme), literal)
    if allow.opens_name(host):
        return target
    if literal is not None:
        check_address(literal, allow)
    elif is_localhost(host):
        check_address(_LOOPBACK, allow, f"{host} is a loopback name")
    return target


def _ascii_host(host: str) -> str:
    """The host as DNS and the ``Host`` header take it (an IDN in its ``xn--`` form)."""
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        raise CallbackRefused("callback.url's host is not a valid name.") from None


def host_address(host: str) -> Address | None:
    """The address a URL's host is written as, in any spelling; None for a name."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    name = host.rstrip(".")
    if not name or not _LEGACY_IPV4.match(name):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(name))
    except OSError:
        return None


def is_localhost(host: str) -> bool:
    name = _normal_name(host)
    return name in ("localhost", "localhost.localdomain") or name.endswith(".localhost")


def check_address(address: Address, allow: Allowance, what: str | None = None) -> None:
    """Raise ``CallbackRefused`` if the address is one the server must not call."""
    if allow.opens_address(address):
        return
    reason = refusal(address)
    if reason is not None:
        shown = what or f"{address} is a {reason} address"
        raise CallbackRefused(
            f"callback.url may not point at internal addresses: {shown} "
            "(BULKWRITE_CALLBACK_ALLOW opens exceptions)."
        )


def refusal(address: Address) -> str | None:
    """Why the address is refused ("loopback", "private"…), or None if it may be called."""
    embedded = embedded_ipv4(address)
    if embedded is not None:
        inner = refusal(embedded)
        return f"{inner} (embedded in IPv6)" if inner else None
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("shared (CGNAT)", isinstance(address, ipaddress.IPv4Address) and address in _CGNAT),
        ("private", address.is_private),
        ("site-local", isinstance(address, ipaddress.IPv6Address) and address.is_site_local),
        ("reserved", address.is_reserved or not address.is_global),
    )
    return next((name for name, hit in checks if hit), None)


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries: mapped, compatible, 6to4 or NAT64."""
    if address.version != 6:
        return None
    assert isinstance(address, ipaddress.IPv6Address)
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    low = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _NAT64:
        return low
    if address in _COMPATIBLE and int(address) > 1:
        return low
    return None


def _normal_name(host: str) -> str:
    return host.strip().lower().rstrip(".")


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80
