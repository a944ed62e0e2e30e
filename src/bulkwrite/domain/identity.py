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
class RowCount:
    """The data rows of one CSV, counted at upload by the reader a job uses, read with this
    encoding and delimiter (a job reading it otherwise counts again)."""

    rows: int
    encoding: str
    delimiter: str


@dataclass(frozen=True, slots=True)
class FileMember:
    """One CSV of an uploaded file: its name (in the zip), where it is stored, its size, the
    text encoding guessed at upload and its data rows (None: not counted, e.g. uploaded before
    uploads were counted, or not readable as CSV)."""

    name: str
    path: str
    size: int
    encoding_hint: str
    rows: RowCount | None = None


@dataclass(frozen=True, slots=True)
class StoredFile:
    """An uploaded file: its (first) CSV, and a zip's further CSVs in ``members``."""

    id: str
    org_id: str
    user_id: str
    name: str
    path: str
    size: int
    encoding_hint: str
    created_time: datetime
    #: A zip's CSVs after the first, in zip order (a job of several resources names each).
    members: tuple[FileMember, ...] = ()
    #: The first CSV's data rows, as counted at upload (see ``FileMember.rows``).
    rows: RowCount | None = None

    @property
    def csvs(self) -> tuple[FileMember, ...]:
        """Every CSV of the upload, the first one first."""
        first = FileMember(self.name, self.path, self.size, self.encoding_hint, self.rows)
        return (first, *self.members)

    def csv(self, name: str | None) -> FileMember | None:
        """The CSV named ``name`` (None: the first one); None if the upload has none so named."""
        if name is None:
            return self.csvs[0]
        return next((csv for csv in self.csvs if csv.name == name), None)
