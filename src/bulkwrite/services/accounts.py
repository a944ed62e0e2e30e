"""Orgs, profiles and users: the demo org on first start, and what an admin adds."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bulkwrite.domain.identity import Org, Profile, Right, User
from bulkwrite.domain.modules import Module
from bulkwrite.domain.scopes import FULL_SCOPES
from bulkwrite.domain.standard_modules import standard_modules
from bulkwrite.errors import DataInvalid, ResourceNotFound
from bulkwrite.services.collaborators import Services
from bulkwrite.services.tokens import create_token
from bulkwrite.store.base import Store

DEMO_ORG = "Demo Org"
DEMO_EMAIL = "admin@demo.bulkwrite.local"
DEMO_NAME = "Demo Admin"


@dataclass(frozen=True)
class NewOrg:
    org: Org
    admin: User
    token: str


def create_org(services: Services, name: str, admin_email: str, admin_name: str) -> NewOrg:
    """An org with the standard modules, an Administrator profile and its first user."""
    with services.store.transaction() as tx:
        org = tx.create_org(name)
        admin_profile = tx.create_profile(
            Profile("", org.id, "Administrator", is_admin=True, can_import=True)
        )
        tx.create_profile(Profile("", org.id, "Standard", can_import=False))
        for module in standard_modules():
            tx.create_module(org.id, module)
        admin = tx.create_user(org.id, admin_email, admin_name, admin_profile)
    return NewOrg(org, admin, create_token(services, admin.id, list(FULL_SCOPES)))


def ensure_demo_org(services: Services) -> NewOrg | None:
    """Create the demo org on the first start; None when an org already exists."""
    with services.store.transaction(write=False) as tx:
        if tx.list_orgs():
            return None
    return create_org(services, DEMO_ORG, DEMO_EMAIL, DEMO_NAME)


def add_missing_standard_modules(store: Store) -> list[str]:
    """Give every org the standard modules it lacks (an org made before a release added
    some) and a layout id to each module without one; ``Org.Module`` names of what was
    added. Idempotent: run at every start and by ``bulkwrite db upgrade``. Another process
    doing the same at the same moment makes one of them fail; the loser finds nothing left
    to do on its second look."""
    try:
        return _add_missing(store)
    except Exception:
        if _missing(store):
            raise
        return []


def _missing(store: Store) -> dict[str, list[Module]]:
    wanted = standard_modules()
    missing: dict[str, list[Module]] = {}
    with store.transaction(write=False) as tx:
        for org in tx.list_orgs():
            have = {m.api_name: m for m in tx.list_modules(org.id)}
            lacking = [m for m in wanted if m.api_name not in have]
            lacking += [m for m in have.values() if not m.layout_id]
            if lacking:
                missing[org.id] = lacking
    return missing


def _add_missing(store: Store) -> list[str]:
    if not _missing(store):  # the usual case: one read, no write transaction
        return []
    added: list[str] = []
    with store.transaction() as tx:
        for org in tx.list_orgs():
            have = {m.api_name: m for m in tx.list_modules(org.id)}
            for module in have.values():
                if not module.layout_id:
                    tx.replace_module(org.id, module, replace(module, layout_id=tx.new_id()))
            for module in standard_modules():
                if module.api_name not in have:
                    tx.create_module(org.id, module)
                    added.append(f"{org.name}.{module.api_name}")
    return added


def find_org(services: Services, zgid: str | None) -> Org:
    """An org by zgid, or the first (demo) org when none is named."""
    with services.store.transaction(write=False) as tx:
        orgs = tx.list_orgs()
    for org in orgs:
        if zgid is None or org.zgid == zgid or org.id == zgid:
            return org
    raise ResourceNotFound(f"No org {zgid}." if zgid else "No org exists yet; run serve once.")


def find_user(services: Services, org: Org, email: str | None) -> User:
    with services.store.transaction(write=False) as tx:
        users = tx.list_users(org.id)
    for user in users:
        if (email is None and user.profile.is_admin) or user.email == email:
            return user
    raise ResourceNotFound(f"No user {email} in org {org.zgid}.")


def add_profile(
    services: Services, org: Org, name: str, can_import: bool, rights: dict[str, frozenset[Right]]
) -> Profile:
    with services.store.transaction() as tx:
        if tx.get_profile(org.id, name) is not None:
            raise DataInvalid(f"Profile {name} exists.")
        return tx.create_profile(Profile("", org.id, name, False, can_import, rights))


def add_user(services: Services, org: Org, email: str, full_name: str, profile_name: str) -> User:
    with services.store.transaction() as tx:
        profile = tx.get_profile(org.id, profile_name)
        if profile is None:
            raise ResourceNotFound(f"No profile {profile_name}.")
        return tx.create_user(org.id, email, full_name, profile)
