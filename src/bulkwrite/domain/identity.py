"""Orgs, users, profiles, tokens and uploaded files."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Right(StrEnum):
    READ = "read"
    CREATE = "create"
    EDIT = "edit"


@dataclass(frozen=True, slots=True)
class Org:
    id: str
    zgid: str
    name: str
    created_time: datetime


@dataclass(frozen=True, slots=True)
class Profile:
    """What a user may do. ``Administrator`` may do everything."""

    id: str
    org_id: str
    name: str
    is_admin: bool = False
    can_import: bool = False
    rights: dict[str, frozenset[Right]] = field(default_factory=dict)

    def may_import(self) -> bool:
        return self.is_admin or self.can_import

    def has(self, module: str, right: Right) -> bool:
        return self.is_admin or right in self.rights.get(module, frozenset())


@dataclass(frozen=True, slots=True)
class User:
    id: str
    org_id: str
    email: str
    full_name: str
    profile: Profile
    status: str = "active"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a token's user, org and scopes."""

    user: User
    org: Org
    scopes: frozenset[str]


@dataclass(frozen=True, slots=True)
class StoredFile:
    id: str
    org_id: str
    user_id: str
    name: str
    path: str
    size: int
    encoding_hint: str
    created_time: datetime
