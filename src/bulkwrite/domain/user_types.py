"""The ``type`` of ``GET /crm/{v}/users``: which of an org's users each of Zoho's values lists,
for the values this server's users can answer (docs/input-checks.md, "Query parameters").

A user here is active unless their status says otherwise, is always confirmed (there are no
invitations: a user is made confirmed, and the answer says ``"confirm": true``), and is an
admin when their profile is. No user is ever deleted, so nothing is kept of deleted users:
``DeletedUsers`` is refused as not supported rather than answered with an empty list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from bulkwrite.domain.identity import User
from bulkwrite.errors import DataInvalid

#: The default ``type``.
ALL_USERS: Final = "AllUsers"
#: The caller alone (what the SDKs ask at start-up).
CURRENT_USER: Final = "CurrentUser"


def _active(user: User) -> bool:
    return user.status == "active"


def _admin(user: User) -> bool:
    return user.profile.is_admin


#: Each value but ``CurrentUser``: whether it lists a user.
USER_TYPES: Final[dict[str, Callable[[User], bool]]] = {
    ALL_USERS: lambda user: True,
    "ActiveUsers": _active,
    "DeactiveUsers": lambda user: not _active(user),
    "ConfirmedUsers": lambda user: True,
    "NotConfirmedUsers": lambda user: False,
    "ActiveConfirmedUsers": _active,
    "AdminUsers": _admin,
    "ActiveConfirmedAdmins": lambda user: _active(user) and _admin(user),
}
#: Zoho's values this server does not answer.
UNSUPPORTED_USER_TYPES: Final = frozenset({"DeletedUsers"})


def user_filter(kind: str) -> Callable[[User], bool]:
    """Whether a user is listed for ``type`` ``kind`` (not ``CurrentUser``); 400
    ``INVALID_DATA`` naming ``type`` for a value Zoho does not know or this server does not
    answer."""
    keep = USER_TYPES.get(kind)
    if keep is not None:
        return keep
    if kind in UNSUPPORTED_USER_TYPES:
        raise DataInvalid.at("type", "type", f"type {kind} is not supported by this server.")
    known = ", ".join([*USER_TYPES, *sorted(UNSUPPORTED_USER_TYPES), CURRENT_USER])
    raise DataInvalid.at("type", "type", f"type must be one of {known}.")
