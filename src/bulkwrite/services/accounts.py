"""Orgs, profiles and users: the demo org on first start, and what an admin adds."""

from __future__ import annotations

from dataclasses import dataclass

from bulkwrite.domain.identity import Org, Profile, Right, User
from bulkwrite.domain.scopes import FULL_SCOPES
from bulkwrite.domain.standard_modules import standard_modules
from bulkwrite.errors import DataInvalid, ResourceNotFound
from bulkwrite.services.collaborators import Services
from bulkwrite.services.tokens import create_token

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
