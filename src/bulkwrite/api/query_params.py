"""The query parameters each GET route acts on: any other, or one given twice, is refused.

Each route calls ``accept_query`` first thing in its body, after its path, version and caller
are checked (so a bad token is still 401, an unknown version still ``INVALID_URL_PATTERN``).
A parameter Zoho's API knows on that route but this server does not implement (one an official
SDK may send) is refused too, with a message saying it is not supported rather than unknown.
"""

from __future__ import annotations

from typing import Final

from fastapi import Request

from bulkwrite.errors import DataInvalid

#: Zoho's parameters of a records read that this server does not act on (the v8 SDK's
#: ``GetRecordsParam`` and ``GetRecordParam``, and ``$state`` of the REST docs).
RECORD_UNSUPPORTED: Final = frozenset(
    {
        "approved",
        "converted",
        "cvid",
        "ids",
        "uid",
        "startDateTime",
        "endDateTime",
        "territory_id",
        "include_child",
        "on_demand_properties",
        "$state",
    }
)
#: Zoho's parameters of ``GET /users`` beyond ``type``: this server answers one page of all.
USERS_UNSUPPORTED: Final = frozenset({"page", "per_page", "ids"})
#: Zoho's parameters of ``GET /settings/modules``.
MODULES_UNSUPPORTED: Final = frozenset({"status"})
#: Zoho's parameters of ``GET /settings/fields`` beyond ``module`` (the v8 SDK's GetFieldsParam).
FIELDS_UNSUPPORTED: Final = frozenset(
    {"data_type", "type", "include", "feature_name", "component", "layout_id"}
)
#: … and of ``GET /settings/fields/{id}``.
FIELD_UNSUPPORTED: Final = frozenset({"include"})


#: A route that acts on no query parameter.
NONE: Final = frozenset[str]()


def accept_query(
    request: Request, acted_on: frozenset[str], unsupported: frozenset[str] = frozenset()
) -> None:
    """Refuse (400 ``INVALID_DATA`` naming it) a parameter outside ``acted_on``, or a repeated one.

    ``unsupported``: Zoho parameters of this route that this server does not implement.
    """
    seen: set[str] = set()
    for name, _ in request.query_params.multi_items():
        if name in seen:
            raise DataInvalid.at(name, name, f"{name} is given more than once.")
        seen.add(name)
        if name in acted_on:
            continue
        if name in unsupported:
            raise DataInvalid.at(name, name, f"{name} is not supported by this server.")
        raise DataInvalid.at(name, name, f"{name} is not a parameter of this request.")
