"""The client commands' config file: named profiles, each a server, a token and a default module.

``$XDG_CONFIG_HOME/bulkwrite/config.toml`` (default ``~/.config/bulkwrite/config.toml``)::

    default_profile = "local"          # optional: the profile used without --profile

    [profiles.local]
    server = "http://127.0.0.1:8000"
    token = "1000.xxxx"
    module = "Leads"                   # optional: bulkwrite import's default --module

A value is taken from the flag, else the environment (``BULKWRITE_URL``, ``BULKWRITE_TOKEN``),
else the profile, else the built-in default. Keys the commands do not act on are refused.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulkwrite.cli.common import InputError

PROFILE_KEYS = frozenset({"server", "token", "module"})
TOP_KEYS = frozenset({"default_profile", "profiles"})


@dataclass(frozen=True)
class Profile:
    """One profile of the config file; a key it leaves out is None."""

    name: str
    server: str | None = None
    token: str | None = None
    module: str | None = None


def config_path(environ: dict[str, str] | None = None) -> Path:
    """Where the config file is (it need not exist)."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "bulkwrite" / "config.toml"


def load_profile(name: str | None, path: Path | None = None) -> Profile | None:
    """The profile ``name`` (else the file's ``default_profile``), or None when there is no
    file or no profile was asked for; ``InputError`` for a bad file or an unknown profile."""
    path = path or config_path()
    if not path.exists():
        if name:
            raise InputError(f"--profile {name}: there is no config file {path}")
        return None
    data = _read(path)
    chosen = name or data.get("default_profile")
    if chosen is None:
        return None
    if not isinstance(chosen, str):
        raise InputError(f"{path}: default_profile must be a profile's name")
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict) or chosen not in profiles:
        known = ", ".join(sorted(profiles)) if isinstance(profiles, dict) else ""
        raise InputError(f"{path} has no profile {chosen!r} (profiles: {known or 'none'})")
    return _profile(path, chosen, profiles[chosen])


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: {exc}") from None
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise InputError(f"{path}: unknown key {unknown[0]!r} (known: default_profile, profiles)")
    return data


def _profile(path: Path, name: str, raw: Any) -> Profile:
    where = f"{path}: [profiles.{name}]"
    if not isinstance(raw, dict):
        raise InputError(f"{where} must be a table")
    unknown = sorted(set(raw) - PROFILE_KEYS)
    if unknown:
        raise InputError(f"{where}: unknown key {unknown[0]!r} (known: module, server, token)")
    for key, value in raw.items():
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{where}: {key} must be a non-empty string")
    return Profile(name, raw.get("server"), raw.get("token"), raw.get("module"))
