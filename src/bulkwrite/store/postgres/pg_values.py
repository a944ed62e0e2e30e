"""Record values at the store boundary.

Services pass and expect what the SQLite store keeps (``importer.vector.store_value``): dates and
datetimes as ISO strings, booleans as 0/1, multi-select lists as a JSON array string, numbers as
floats. Here those become typed PostgreSQL values and back, identically. A datetime keeps the UTC
offset it was written with in a hidden ``_off_<field>`` column, so it reads back as written.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from enum import Enum


class Kind(Enum):
    """A record column's PostgreSQL type, as the store treats it."""

    TEXT = "text"
    BIGINT = "bigint"
    DOUBLE = "double precision"
    BOOLEAN = "boolean"
    DATE = "date"
    TIMESTAMPTZ = "timestamptz"
    JSONB = "jsonb"

    @property
    def array_cast(self) -> str:
        """How a list parameter of canonical keys is cast to compare with the column."""
        return _ARRAY_CASTS[self]


_ARRAY_CASTS = {
    Kind.TEXT: "text[]",
    Kind.BIGINT: "bigint[]",
    Kind.DOUBLE: "float8[]",
    Kind.BOOLEAN: "boolean[]",
    Kind.DATE: "date[]",
    Kind.TIMESTAMPTZ: "timestamptz[]",
    Kind.JSONB: "text[]::jsonb[]",  # canonical keys are JSON texts
}

#: ``format_type()`` of a column to its kind; anything else is treated as text.
KIND_OF_TYPE = {
    "text": Kind.TEXT,
    "bigint": Kind.BIGINT,
    "integer": Kind.BIGINT,
    "double precision": Kind.DOUBLE,
    "boolean": Kind.BOOLEAN,
    "date": Kind.DATE,
    "timestamp with time zone": Kind.TIMESTAMPTZ,
    "jsonb": Kind.JSONB,
}

_TRUE = frozenset({"1", "t", "true", "y", "yes", "on"})


# --- writes: a service's value to a COPY parameter ------------------------------------------


def _bool_param(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return bool(value)


def _json_param(value: object) -> object:
    return json.dumps(list(value)) if isinstance(value, tuple | list) else value


def _datetime(value: object) -> datetime | None:
    if value is None:
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def offset_of(value: object) -> int | None:
    """Seconds east of UTC that a datetime value was written with; None if naive or empty."""
    moment = _datetime(value)
    offset = moment.utcoffset() if moment is not None else None
    return None if offset is None else int(offset.total_seconds())


def _timestamp_param(value: object) -> object:
    """ISO text goes as it is (a naive one reads as UTC, the session's zone)."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


_WRITERS: dict[Kind, Callable[[object], object]] = {
    Kind.BOOLEAN: _bool_param,
    Kind.JSONB: _json_param,
    Kind.TIMESTAMPTZ: _timestamp_param,
}


def writer(kind: Kind) -> Callable[[object], object] | None:
    """How values of a column kind become COPY parameters; None when they already are."""
    return _WRITERS.get(kind)


# --- reads: a PostgreSQL value to what the SQLite store would return ------------------------


def read_value(kind: Kind, value: object, offset: object = None) -> object:
    """A column value as the SQLite store returns it (``offset`` only for datetimes)."""
    if value is None:
        return None
    if kind is Kind.BOOLEAN:
        return int(bool(value))
    if kind is Kind.DATE and isinstance(value, date):
        return value.isoformat()
    if kind is Kind.TIMESTAMPTZ and isinstance(value, datetime):
        if offset is None:
            return value.astimezone(UTC).replace(tzinfo=None).isoformat()
        zone = UTC if offset == 0 else timezone(timedelta(seconds=int(str(offset))))
        return value.astimezone(zone).isoformat()
    if kind is Kind.JSONB:
        return json.dumps(value)
    if kind is Kind.DOUBLE and not isinstance(value, float):
        return float(str(value))
    return value


# --- look-ups: keys in any representation to one canonical value per kind -------------------

_BIGINT_MAX = 2**63 - 1


def _int_key(value: object) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        value = int(value)
    number = value if isinstance(value, int) else int(str(value).strip())
    if not -_BIGINT_MAX - 1 <= number <= _BIGINT_MAX:
        raise OverflowError(number)
    return number


def _float_key(value: object) -> float:
    number = float(value) if isinstance(value, int | float) else float(str(value).strip())
    if math.isnan(number):
        raise ValueError(value)
    return number


def _bool_key(value: object) -> bool:
    if isinstance(value, bool | int):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE or text in ("0", "f", "false", "n", "no", "off"):
        return text in _TRUE
    raise ValueError(value)


def _date_key(value: object) -> date:
    if isinstance(value, datetime):
        raise TypeError(value)
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _timestamp_key(value: object) -> datetime:
    moment = _datetime(value)
    if moment is None:
        raise ValueError(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _json_key(value: object) -> str:
    loaded = list(value) if isinstance(value, tuple | list) else json.loads(str(value))
    return json.dumps(loaded, sort_keys=True)


def _text_key(value: object) -> str:
    return value if isinstance(value, str) else str(value)


_KEYS: dict[Kind, Callable[[object], object]] = {
    Kind.TEXT: _text_key,
    Kind.BIGINT: _int_key,
    Kind.DOUBLE: _float_key,
    Kind.BOOLEAN: _bool_key,
    Kind.DATE: _date_key,
    Kind.TIMESTAMPTZ: _timestamp_key,
    Kind.JSONB: _json_key,
}


def key_of(kind: Kind, value: object) -> object:
    """The canonical form of a look-up key; raises (TypeError, ValueError) if none can match."""
    return _KEYS[kind](value)


def key_from_db(kind: Kind, value: object) -> object:
    """The canonical form of a value read from a column, to find the keys that matched it."""
    if kind is Kind.JSONB:
        return json.dumps(value, sort_keys=True)
    if kind is Kind.DOUBLE:
        return float(str(value))
    return value
