"""Orgs, profiles, users, tokens, module definitions and ids in PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from psycopg import Connection

from bulkwrite.clock import now
from bulkwrite.domain.identity import Org, Principal, Profile, User
from bulkwrite.domain.modules import Field, Module
from bulkwrite.errors import StateConflict
from bulkwrite.store.postgres.pg_catalog import Catalog
from bulkwrite.store.postgres.pg_ddl import add_column_ddl, record_table_ddl, record_table_name
from bulkwrite.store.serialize import (
    module_from_json,
    module_to_json,
    rights_from_json,
    rights_to_json,
)

ALLOCATE_IDS = "SELECT bw_allocate_ids(%s)"
INSERT_ORG = "INSERT INTO orgs (id, zgid, name, created_time) VALUES (%s, %s, %s, %s)"
GET_ORG = "SELECT id, zgid, name, created_time FROM orgs WHERE id = %s"
LIST_ORGS = "SELECT id, zgid, name, created_time FROM orgs ORDER BY id"
INSERT_PROFILE = """INSERT INTO profiles (id, org_id, name, is_admin, can_import, rights)
    VALUES (%s, %s, %s, %s, %s, %s)"""
GET_PROFILE = """SELECT id, name, is_admin, can_import, rights FROM profiles
    WHERE org_id = %s AND name = %s"""
INSERT_USER = """INSERT INTO users (id, org_id, email, full_name, profile_id, status, created_time)
    VALUES (%s, %s, %s, %s, %s, 'active', %s)"""
_USER_COLUMNS = """u.id, u.org_id, u.email, u.full_name, u.status,
    p.id, p.name, p.is_admin, p.can_import, p.rights"""
LIST_USERS = f"""SELECT {_USER_COLUMNS} FROM users u JOIN profiles p ON p.id = u.profile_id
    WHERE u.org_id = %s ORDER BY u.id"""
GET_USER = f"""SELECT {_USER_COLUMNS} FROM users u JOIN profiles p ON p.id = u.profile_id
    WHERE u.org_id = %s AND u.id = %s"""
INSERT_TOKEN = """INSERT INTO tokens (hash, user_id, scopes, created_time, expires_time)
    VALUES (%s, %s, %s, %s, %s)"""
PRINCIPAL = f"""SELECT {_USER_COLUMNS}, t.scopes, t.revoked, t.expires_time,
    o.zgid, o.name, o.created_time FROM tokens t JOIN users u ON u.id = t.user_id
    JOIN profiles p ON p.id = u.profile_id JOIN orgs o ON o.id = u.org_id WHERE t.hash = %s"""
REVOKE_TOKEN = "UPDATE tokens SET revoked = TRUE WHERE hash = %s AND NOT revoked"
INSERT_MODULE = """INSERT INTO modules (id, org_id, api_name, table_name, definition)
    VALUES (%s, %s, %s, %s, %s)"""
SET_DEFINITION = "UPDATE modules SET definition = %s WHERE id = %s"
LIST_MODULES = "SELECT id, definition FROM modules WHERE org_id = %s ORDER BY id"
GET_MODULE = "SELECT id, definition FROM modules WHERE org_id = %s AND lower(api_name) = lower(%s)"
RECORD_TABLE = "SELECT table_name FROM modules WHERE org_id = %s AND api_name = %s"
REPLACE_MODULE = """UPDATE modules SET definition = %s
    WHERE org_id = %s AND id = %s AND definition = %s"""


class ControlQueries:
    conn: Connection[Any]
    catalog: Catalog
    ddl_tables: set[str]

    def allocate_ids(self, count: int) -> int:
        """Reserve ``count`` consecutive ids; returns the first."""
        row = self.conn.execute(ALLOCATE_IDS, (count,)).fetchone()
        assert row is not None
        return int(row[0])

    def new_id(self) -> str:
        return str(self.allocate_ids(1))

    # orgs -------------------------------------------------------------------------------
    def create_org(self, name: str) -> Org:
        org_id, zgid = self.allocate_ids(2), self.allocate_ids(1)
        created = now()
        self.conn.execute(INSERT_ORG, (org_id, str(zgid), name, created))
        return Org(str(org_id), str(zgid), name, created)

    def get_org(self, org_id: str) -> Org | None:
        row = self.conn.execute(GET_ORG, (int(org_id),)).fetchone()
        return Org(str(row[0]), row[1], row[2], utc(row[3])) if row else None

    def list_orgs(self) -> list[Org]:
        rows = self.conn.execute(LIST_ORGS)
        return [Org(str(r[0]), r[1], r[2], utc(r[3])) for r in rows]

    # profiles and users -------------------------------------------------------------------
    def create_profile(self, profile: Profile) -> Profile:
        profile_id = self.new_id()
        self.conn.execute(
            INSERT_PROFILE,
            (
                int(profile_id),
                int(profile.org_id),
                profile.name,
                profile.is_admin,
                profile.can_import,
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
        row = self.conn.execute(GET_PROFILE, (int(org_id), name)).fetchone()
        return _profile(org_id, row) if row else None

    def create_user(self, org_id: str, email: str, full_name: str, profile: Profile) -> User:
        user_id = self.new_id()
        self.conn.execute(
            INSERT_USER, (int(user_id), int(org_id), email, full_name, int(profile.id), now())
        )
        return User(user_id, org_id, email, full_name, profile)

    def list_users(self, org_id: str) -> list[User]:
        return [_user(r) for r in self.conn.execute(LIST_USERS, (int(org_id),))]

    def get_user(self, org_id: str, user_id: str) -> User | None:
        row = self.conn.execute(GET_USER, (int(org_id), int(user_id))).fetchone()
        return _user(row) if row else None

    # tokens -------------------------------------------------------------------------------
    def insert_token(
        self, token_hash: str, user_id: str, scopes: frozenset[str], expires: datetime | None
    ) -> None:
        scope_text = " ".join(sorted(scopes))
        self.conn.execute(INSERT_TOKEN, (token_hash, int(user_id), scope_text, now(), expires))

    def principal_for(self, token_hash: str, at: datetime) -> Principal | None:
        """The caller behind a live token, or None if unknown, revoked or expired."""
        row = self.conn.execute(PRINCIPAL, (token_hash,)).fetchone()
        if row is None or row[11] or (row[12] is not None and row[12] <= at):
            return None
        user = _user(row[:10])
        org = Org(user.org_id, row[13], row[14], utc(row[15]))
        return Principal(user, org, frozenset(str(row[10]).split()))

    def revoke_token(self, token_hash: str) -> bool:
        return self.conn.execute(REVOKE_TOKEN, (token_hash,)).rowcount == 1

    # modules ------------------------------------------------------------------------------
    def create_module(self, org_id: str, module: Module) -> Module:
        module_id = self.new_id()
        fields = tuple(replace(f, id=self.new_id()) for f in module.fields)
        stored = Module(
            module.api_name,
            module_id,
            fields,
            module.name_field,
            module.singular_label,
            module.plural_label,
        )
        table = record_table_name(org_id, module.api_name)
        self.conn.execute(
            INSERT_MODULE,
            (int(module_id), int(org_id), module.api_name, table, module_to_json(stored)),
        )
        self._ddl(table, record_table_ddl(table, fields))
        return stored

    def add_field(self, org_id: str, module: Module, field: Field) -> Module:
        """Add a column to a module that may already hold records."""
        stored_field = replace(field, id=self.new_id())
        updated = Module(
            module.api_name,
            module.id,
            (*module.fields, stored_field),
            module.name_field,
            module.singular_label,
            module.plural_label,
        )
        table = self.record_table(org_id, module.api_name)
        self._ddl(table, add_column_ddl(table, field))
        self.conn.execute(SET_DEFINITION, (module_to_json(updated), int(module.id)))
        return updated

    def _ddl(self, table: str, statements: list[Any]) -> None:
        self.ddl_tables.add(table)
        self.catalog.forget(table)
        for statement in statements:
            self.conn.execute(statement)

    def list_modules(self, org_id: str) -> list[Module]:
        rows = self.conn.execute(LIST_MODULES, (int(org_id),))
        return [module_from_json(str(r[0]), r[1]) for r in rows]

    def get_module(self, org_id: str, api_name: str) -> Module | None:
        row = self.conn.execute(GET_MODULE, (int(org_id), api_name)).fetchone()
        return module_from_json(str(row[0]), row[1]) if row else None

    def record_table(self, org_id: str, api_name: str) -> str:
        row = self.conn.execute(RECORD_TABLE, (int(org_id), api_name)).fetchone()
        if row is None:
            raise LookupError(api_name)
        return str(row[0])

    def replace_module(self, org_id: str, old: Module, new: Module) -> None:
        """Compare-and-set a module's definition (field attributes; columns are not touched)."""
        cur = self.conn.execute(
            REPLACE_MODULE,
            (module_to_json(new), int(org_id), int(old.id), module_to_json(old)),
        )
        if cur.rowcount != 1:
            raise StateConflict(f"module {old.api_name} changed meanwhile")


def utc(moment: datetime) -> datetime:
    """A TIMESTAMPTZ as the SQLite store returns it: aware, in UTC."""
    return moment.astimezone(UTC)


def _profile(org_id: str, row: tuple[Any, ...]) -> Profile:
    rights = rights_from_json(str(row[4]))
    return Profile(str(row[0]), org_id, str(row[1]), bool(row[2]), bool(row[3]), rights)


def _user(row: tuple[Any, ...]) -> User:
    org_id = str(row[1])
    profile = _profile(org_id, row[5:10])
    return User(str(row[0]), org_id, str(row[2]), str(row[3]), profile, str(row[4]))
