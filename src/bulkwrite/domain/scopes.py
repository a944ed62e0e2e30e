"""OAuth scopes of contract section 2, and the checks each endpoint makes."""

from __future__ import annotations

import re

from bulkwrite.domain.job import Operation

FULL_SCOPES: tuple[str, ...] = (
    "ZohoCRM.bulk.ALL",
    "ZohoCRM.modules.ALL",
    "ZohoFiles.files.ALL",
    "ZohoCRM.users.ALL",
    "ZohoCRM.org.ALL",
    "ZohoCRM.settings.ALL",
)

_FIXED = frozenset(
    {
        "ZohoFiles.files.ALL",
        "ZohoCRM.bulk.ALL",
        "ZohoCRM.bulk.CREATE",
        "ZohoCRM.bulk.READ",
        "ZohoCRM.modules.ALL",
        "ZohoCRM.modules.READ",
        "ZohoCRM.modules.CREATE",
        "ZohoCRM.users.READ",
        "ZohoCRM.users.ALL",
        "ZohoCRM.org.READ",
        "ZohoCRM.org.ALL",
        "ZohoCRM.settings.ALL",
        "ZohoCRM.settings.modules.READ",
        "ZohoCRM.settings.fields.READ",
    }
)
_MODULE_SCOPE = re.compile(r"^ZohoCRM\.modules\.[A-Za-z0-9_]+\.(ALL|CREATE|READ|UPDATE|EDIT)$")


def is_known_scope(scope: str) -> bool:
    return scope in _FIXED or bool(_MODULE_SCOPE.match(scope))


def may_upload(scopes: frozenset[str]) -> bool:
    return bool(scopes & {"ZohoFiles.files.ALL", "ZohoCRM.bulk.ALL"})


def may_create(scopes: frozenset[str], module: str, operation: Operation) -> bool:
    """Bulk create (or all) and a module scope: every module, or this one (ALL or CREATE)."""
    if not scopes & {"ZohoCRM.bulk.CREATE", "ZohoCRM.bulk.ALL"}:
        return False
    low = module.lower()
    lowered = {s.lower() for s in scopes}
    wanted = {"zohocrm.modules.all", f"zohocrm.modules.{low}.all", f"zohocrm.modules.{low}.create"}
    return bool(lowered & wanted)


def may_read_jobs(scopes: frozenset[str]) -> bool:
    return bool(scopes & {"ZohoCRM.bulk.CREATE", "ZohoCRM.bulk.READ", "ZohoCRM.bulk.ALL"})


def may_read_users(scopes: frozenset[str]) -> bool:
    return bool(scopes & {"ZohoCRM.users.READ", "ZohoCRM.users.ALL"})


def may_read_org(scopes: frozenset[str]) -> bool:
    return bool(scopes & {"ZohoCRM.org.READ", "ZohoCRM.org.ALL"})


def may_read_records(scopes: frozenset[str], module: str) -> bool:
    lowered = {s.lower() for s in scopes}
    low = module.lower()
    return bool(
        lowered
        & {
            "zohocrm.modules.all",
            "zohocrm.modules.read",
            f"zohocrm.modules.{low}.read",
            f"zohocrm.modules.{low}.all",
        }
    )


def may_read_settings(scopes: frozenset[str]) -> bool:
    return bool(
        scopes
        & {
            "ZohoCRM.settings.ALL",
            "ZohoCRM.settings.modules.READ",
            "ZohoCRM.settings.fields.READ",
            "ZohoCRM.modules.ALL",
        }
    )
