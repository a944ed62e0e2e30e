"""Orgs, profiles, users, tokens and module definitions in SQLite."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bulkwrite.clock import iso, now, parse_iso
from bulkwrite.domain.identity import Org, Principal, Profile, User
from bulkwrite.domain.modules import Field, Module
from bulkwrite.errors import StateConflict
from bulkwrite.store.serialize import (
    module_from_json,
    module_to_json,
    rights_from_json,
    rights_to_json,
)
from bulkwrite.store.sqlite.sqlite_ddl import column_type, quote, record_table_ddl, unique_index_ddl

_USER_COLUMNS = """u.id, u.org_id, u.email, u.full_name, u.status,
    p.id, p.name, p.is_admin, p.can_import, p.rights"""


class ControlQueries:
    conn: sqlite3.Connection

    def allocate_ids(self, count: int) -> int:
        """Reserve ``count`` consecutive ids; returns the first."""
        row = self.conn.execute(
            "UPDATE sequences SET next = next + ? WHERE name = 'id' RETURNING next", (count,)
        ).fetchone()
        return int(row[0]) - count

    def new_id(self) -> str:
        return str(self.allocate_ids(1))

    # orgs -------------------------------------------------------------------------------
    def create_org(self, name: str) -> Org:
        org_id, zgid = self.allocate_ids(2), self.allocate_ids(1)
        created = now()
        self.conn.execute(
            "INSERT INTO orgs (id, zgid, name, created_time) VALUES (?, ?, ?, ?)",
            (org_id, str(zgid), name, iso(created)),
        )
        return Org(str(org_id), str(zgid), name, created)

    def get_org(self, org_id: str) -> Org | None:
        row = self.conn.execute(
            "SELECT id, zgid, name, created_time FROM orgs WHERE id = ?", (int(org_id),)
        ).fetchone()
        return Org(str(row[0]), row[1], row[2], parse_iso(row[3])) if row else None

    def list_orgs(self) -> list[Org]:
        rows = self.conn.execute("SELECT id, zgid, name, created_time FROM orgs ORDER BY id")
        return [Org(str(r[0]), r[1], r[2], parse_iso(r[3])) for r in rows]

    # profiles and users -------------------------------------------------------------------
    def create_profile(self, profile: Profile) -> Profile:
        profile_id = self.new_id()
        self.conn.execute(
            "INSERT INTO profiles (id, org_id, name, is_admin, can_import, rights) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                int(profile_id),
                int(profile.org_id),
                profile.name,
                int(profile.is_admin),
                int(profile.can_import),
                rights_to_json(profile.rights),
            ),
        )
        return Profile(
            profile_id,
            profile.org_id,
            profile.name,
            profile.is_admin,
            profile.can_import,
            profile.rights,
        )

    def get_profile(self, org_id: str, name: str) -> Profile | None:
        row = self.conn.execute(
            "SELECT id, name, is_admin, can_import, rights FROM profiles "
            "WHERE org_id = ? AND name = ?",
            (int(org_id), name),
        ).fetchone()
        return _profile(org_id, row) if row else None

    def create_user(self, org_id: str, email: str, full_name: str, profile: Profile) -> User:
        user_id = self.new_id()
        self.conn.execute(
            "INSERT INTO users (id, org_id, email, full_name, profile_id, status, created_time)"
            " VALUES (?, ?, ?, ?, ?, 'active', ?)",
            (int(user_id), int(org_id), email, full_name, int(profile.id), iso(now())),
        )
        return User(user_id, org_id, email, full_name, profile)

    def list_users(self, org_id: str) -> list[User]:
        rows = self.conn.execute(
            f"SELECT {_USER_COLUMNS} FROM users u JOIN profiles p ON p.id = u.profile_id "
            "WHERE u.org_id = ? ORDER BY u.id",
            (int(org_id),),
        )
        return [_user(r) for r in rows]

    def get_user(self, org_id: str, user_id: str) -> User | None:
        row = self.conn.execute(
            f"SELECT {_USER_COLUMNS} FROM users u JOIN profiles p ON p.id = u.profile_id "
            "WHERE u.org_id = ? AND u.id = ?",
            (int(org_id), int(user_id)),
        ).fetchone()
        return _user(row) if row else None

    # tokens -------------------------------------------------------------------------------
    def insert_token(
        self, token_hash: str, user_id: str, scopes: frozenset[str], expires: datetime | None
    ) -> None:
        self.conn.execute(
            "INSERT INTO tokens (hash, user_id, scopes, created_time, expires_time) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                token_hash,
                int(user_id),
                " ".join(sorted(scopes)),
                iso(now()),
                iso(expires) if expires else None,
            ),
        )

    def principal_for(self, token_hash: str, at: datetime) -> Principal | None:
        """The caller behind a live token, or None if unknown, revoked or expired."""
        row = self.conn.execute(
            f"SELECT {_USER_COLUMNS}, t.scopes, t.revoked, t.expires_time, "
            "o.zgid, o.name, o.created_time FROM tokens t JOIN users u ON u.id = t.user_id "
            "JOIN profiles p ON p.id = u.profile_id JOIN orgs o ON o.id = u.org_id "
            "WHERE t.hash = ?",
            (token_hash,),
        ).fetchone()
        if row is None or row[11] or (row[12] and parse_iso(row[12]) <= at):
            return None
        user = _user(row[:10])
        org = Org(user.org_id, row[13], row[14], parse_iso(row[15]))
        return Principal(user, org, frozenset(row[10].split()))

    def revoke_token(self, token_hash: str) -> bool:
        cur = self.conn.execute(
            "UPDATE tokens SET revoked = 1 WHERE hash = ? AND revoked = 0", (token_hash,)
        )
        return cur.rowcount == 1

    # modules ------------------------------------------------------------------------------
    def create_module(self, org_id: str, module: Module) -> Module:
        module_id = self.new_id()
        fields = tuple(_with_id(f, self.new_id()) for f in module.fields)
        stored = Module(
            module.api_name,
            module_id,
            fields,
            module.name_field,
            module.singular_label,
            module.plural_label,
        )
        table = f"rec_{org_id}_{module.api_name.lower()}"
        self.conn.execute(
            "INSERT INTO modules (id, org_id, api_name, table_name, definition) "
            "VALUES (?, ?, ?, ?, ?)",
            (int(module_id), int(org_id), module.api_name, table, module_to_json(stored)),
        )
        for statement in record_table_ddl(table, fields):
            self.conn.execute(statement)
        return stored

    def add_field(self, org_id: str, module: Module, field: Field) -> Module:
        """Add a column to a module that may already hold records."""
        stored_field = _with_id(field, self.new_id())
        updated = Module(
            module.api_name,
            module.id,
            (*module.fields, stored_field),
            module.name_field,
            module.singular_label,
            module.plural_label,
        )
        table = self.record_table(org_id, module.api_name)
        self.conn.execute(
            f"ALTER TABLE {quote(table)} ADD COLUMN {quote(field.api_name)} {column_type(field)}"
        )
        if field.unique:
            self.conn.execute(unique_index_ddl(table, field))
        self.conn.execute(
            "UPDATE modules SET definition = ? WHERE id = ?",
            (module_to_json(updated), int(module.id)),
        )
        return updated

    def list_modules(self, org_id: str) -> list[Module]:
        rows = self.conn.execute(
            "SELECT id, definition FROM modules WHERE org_id = ? ORDER BY id", (int(org_id),)
        )
        return [module_from_json(str(r[0]), r[1]) for r in rows]

    def get_module(self, org_id: str, api_name: str) -> Module | None:
        row = self.conn.execute(
            "SELECT id, definition FROM modules WHERE org_id = ? AND api_name = ? COLLATE NOCASE",
            (int(org_id), api_name),
        ).fetchone()
        return module_from_json(str(row[0]), row[1]) if row else None

    def record_table(self, org_id: str, api_name: str) -> str:
        row = self.conn.execute(
            "SELECT table_name FROM modules WHERE org_id = ? AND api_name = ?",
            (int(org_id), api_name),
        ).fetchone()
        if row is None:
            raise LookupError(api_name)
        return str(row[0])

    def replace_module(self, org_id: str, old: Module, new: Module) -> None:
        """Compare-and-set a module's definition (field attributes; columns are not touched)."""
        cur = self.conn.execute(
            "UPDATE modules SET definition = ? WHERE org_id = ? AND id = ? AND definition = ?",
            (module_to_json(new), int(org_id), int(old.id), module_to_json(old)),
        )
        if cur.rowcount != 1:
            raise StateConflict(f"module {old.api_name} changed meanwhile")


def _with_id(field: Field, field_id: str) -> Field:
    return Field(
        field.api_name,
        field.type,
        field_id,
        field.label,
        field.mandatory,
        field.unique,
        field.length,
        field.picklist,
        field.lookup_module,
        field.min_value,
        field.max_value,
        field.system,
    )


def _profile(org_id: str, row: tuple[object, ...]) -> Profile:
    rights = rights_from_json(str(row[4]))
    return Profile(str(row[0]), org_id, str(row[1]), bool(row[2]), bool(row[3]), rights)


def _user(row: tuple[object, ...]) -> User:
    org_id = str(row[1])
    profile = _profile(org_id, row[5:10])
    return User(str(row[0]), org_id, str(row[2]), str(row[3]), profile, str(row[4]))
