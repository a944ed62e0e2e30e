"""Profile checks that follow the scope checks (contract section 2)."""

from __future__ import annotations

from bulkwrite.domain.identity import Principal, Right
from bulkwrite.domain.job import Operation
from bulkwrite.errors import AuthorizationFailed, NoPermission

_NEEDED = {
    Operation.INSERT: (Right.CREATE,),
    Operation.UPDATE: (Right.EDIT,),
    Operation.UPSERT: (Right.CREATE, Right.EDIT),
}


def check_may_write(principal: Principal, module: str, operation: Operation) -> None:
    profile = principal.user.profile
    if not profile.may_import():
        raise AuthorizationFailed("User does not have sufficient privilege to create.")
    if not all(profile.has(module, right) for right in _NEEDED[operation]):
        raise NoPermission("Permission denied to create")


def check_may_read(principal: Principal, module: str) -> None:
    profile = principal.user.profile
    if not profile.may_import():
        raise AuthorizationFailed("User does not have sufficient privilege to read.")
    if not profile.has(module, Right.READ):
        raise NoPermission("Permission denied to read")
