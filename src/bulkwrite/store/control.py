"""Orgs, profiles, users, tokens, module definitions and ids: one implementation for both
stores, over the named queries of ``sql/common.sql`` (and ``allocate_ids`` of each store's
own file)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from bulkwrite.clock import now
from bulkwrite.domain.children import child_indexes, stored_fields
from bulkwrite.domain.identity import Org, Principal, Profile, User
from bulkwrite.domain.modules import Field, Module
from bulkwrite.errors import StateConflict
from bulkwrite.store.serialize import (
    module_from_json,
    module_to_json,
    rights_from_json,
    rights_to_json,
)
from bulkwrite.store.sql_tx import C, SqlTx


class ControlQueries(SqlTx[C]):
    def allocate_ids(self, count: int) -> int:
        """Reserve ``count`` consecutive ids; returns the first."""
        return int(self.run("allocate_ids", count=count).fetchone()[0])

    def new_id(self) -> str:
        return str(self.allocate_ids(1))

    # orgs -------------------------------------------------------------------------------
    def create_org(self, name: str) -> Org:
        org_id, zgid = self.allocate_ids(2), self.allocate_ids(1)
        created = now()
        self.run(
            "insert_org",
            id=org_id,
            zgid=str(zgid),
            name=name,
            created_time=self.dialect.bind_time(created),
        )
        return Org(str(org_id), str(zgid), name, created)

    def get_org(self, org_id: str) -> Org | None:
        row = self.run("get_org", org_id=int(org_id)).fetchone()
        return self._org(row) if row else None

    def list_orgs(self) -> list[Org]:
        return [self._org(row) for row in self.run("list_orgs")]

    def _org(self, row: tuple[Any, ...]) -> Org:
        return Org(str(row[0]), row[1], row[2], self.dialect.read_time(row[3]))

    # profiles and users -------------------------------------------------------------------
    def create_profile(self, profile: Profile) -> Profile:
        stored = replace(profile, id=self.new_id())
        self.run(
            "insert_profile",
            id=int(stored.id),
            org_id=int(stored.org_id),
            name=stored.name,
            is_admin=stored.is_admin,
            can_import=stored.can_import,
            rights=rights_to_json(stored.rights),
        )
        return stored

    def get_profile(self, org_id: str, name: str) -> Profile | None:
        row = self.run("get_profile", org_id=int(org_id), name=name).fetchone()
        return _profile(org_id, row) if row else None

    def create_user(self, org_id: str, email: str, full_name: str, profile: Profile) -> User:
        user_id = self.new_id()
        self.run(
            "insert_user",
            id=int(user_id),
            org_id=int(org_id),
            email=email,
            full_name=full_name,
            profile_id=int(profile.id),
            created_time=self.dialect.bind_time(now()),
        )
        return User(user_id, org_id, email, full_name, profile)

    def list_users(self, org_id: str) -> list[User]:
        return [_user(row) for row in self.run("list_users", org_id=int(org_id))]

    def get_user(self, org_id: str, user_id: str) -> User | None:
        row = self.run("get_user", org_id=int(org_id), user_id=int(user_id)).fetchone()
        return _user(row) if row else None

    # tokens -------------------------------------------------------------------------------
    def insert_token(
        self, token_hash: str, user_id: str, scopes: frozenset[str], expires: datetime | None
    ) -> None:
        self.run(
            "insert_token",
            hash=token_hash,
            user_id=int(user_id),
            scopes=" ".join(sorted(scopes)),
            created_time=self.dialect.bind_time(now()),
            expires_time=self.dialect.bind_optional_time(expires),
        )

    def principal_for(self, token_hash: str, at: datetime) -> Principal | None:
        """The caller behind a live token, or None if unknown, revoked or expired."""
        row = self.run("principal_for", hash=token_hash).fetchone()
        if row is None or row[11]:
            return None
        expires = self.dialect.read_optional_time(row[12])
        if expires is not None and expires <= at:
            return None
        user = _user(row[:10])
        org = Org(user.org_id, row[13], row[14], self.dialect.read_time(row[15]))
        return Principal(user, org, frozenset(str(row[10]).split()))

    def revoke_token(self, token_hash: str) -> bool:
        return self.run("revoke_token", hash=token_hash).rowcount == 1

    # modules ------------------------------------------------------------------------------
    def create_module(self, org_id: str, module: Module) -> Module:
        module_id = self.new_id()
        fields = tuple(replace(f, id=self.new_id()) for f in module.fields)
        layout_id = module.layout_id or self.new_id()
        stored = replace(module, id=module_id, fields=fields, layout_id=layout_id)
        table = self.record_table_name(org_id, module.api_name)
        self.run(
            "insert_module",
            id=int(module_id),
            org_id=int(org_id),
            api_name=module.api_name,
            table_name=table,
            definition=module_to_json(stored),
        )
        self.create_record_table(table, fields, child_indexes(stored))
        return stored

    def add_field(self, org_id: str, module: Module, field: Field) -> Module:
        """Add a column to a module that may already hold records."""
        updated = replace(module, fields=(*module.fields, replace(field, id=self.new_id())))
        if stored_fields((field,)):
            self.add_record_column(self.record_table(org_id, module.api_name), field)
        self.run("set_definition", definition=module_to_json(updated), module_id=int(module.id))
        return updated

    def list_modules(self, org_id: str) -> list[Module]:
        rows = self.run("list_modules", org_id=int(org_id))
        return [module_from_json(str(r[0]), r[1]) for r in rows]

    def get_module(self, org_id: str, api_name: str) -> Module | None:
        row = self.run("get_module", org_id=int(org_id), api_name=api_name).fetchone()
        return module_from_json(str(row[0]), row[1]) if row else None

    def record_table(self, org_id: str, api_name: str) -> str:
        row = self.run("record_table", org_id=int(org_id), api_name=api_name).fetchone()
        if row is None:
            raise LookupError(api_name)
        return str(row[0])

    def replace_module(self, org_id: str, old: Module, new: Module) -> None:
        """Compare-and-set a module's definition (field attributes; columns are not touched).

        The definition stored is compared as a module, not as text: one stored by an older
        release lacks the attributes added since (their defaults)."""
        conflict = f"module {old.api_name} changed meanwhile"
        row = self.run("get_module", org_id=int(org_id), api_name=old.api_name).fetchone()
        if row is None or module_from_json(str(row[0]), str(row[1])) != old:
            raise StateConflict(conflict)
        self.compare_and_set(
            "replace_module",
            conflict,
            definition=module_to_json(new),
            org_id=int(org_id),
            module_id=int(old.id),
            old_definition=str(row[1]),
        )


def _profile(org_id: str, row: tuple[Any, ...]) -> Profile:
    rights = rights_from_json(str(row[4]))
    return Profile(str(row[0]), org_id, str(row[1]), bool(row[2]), bool(row[3]), rights)


def _user(row: tuple[Any, ...]) -> User:
    org_id = str(row[1])
    profile = _profile(org_id, row[5:10])
    return User(str(row[0]), org_id, str(row[2]), str(row[3]), profile, str(row[4]))
