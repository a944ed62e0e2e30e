"""The one error hierarchy. Each subclass carries its wire code and HTTP status.

The docstring of a subclass is its default message. The API layer translates these to the
contract's error envelope in one place (``api/envelope.py``).
"""

from __future__ import annotations

from typing import Any, ClassVar


class BulkWriteError(Exception):
    """Internal Server Error"""

    code: ClassVar[str] = "INTERNAL_ERROR"
    http_status: ClassVar[int] = 500

    def __init__(self, message: str | None = None, details: dict[str, Any] | None = None) -> None:
        self.message = message or (type(self).__doc__ or "").strip()
        self.details: dict[str, Any] = details or {}
        super().__init__(self.message)

    @classmethod
    def at(cls, api_name: str, json_path: str, message: str | None = None) -> BulkWriteError:
        """An error about one key of a request body, naming it as the contract asks."""
        return cls(message, {"api_name": api_name, "json_path": json_path})


class UrlPatternInvalid(BulkWriteError):
    """Please check if the URL trying to access is a correct one"""

    code = "INVALID_URL_PATTERN"
    http_status = 404


class RequestMethodInvalid(BulkWriteError):
    """The http request method type is not a valid one"""

    code = "INVALID_REQUEST_METHOD"
    http_status = 400


class AuthenticationFailure(BulkWriteError):
    """Authentication failed"""

    code = "AUTHENTICATION_FAILURE"
    http_status = 401


class TokenInvalid(BulkWriteError):
    """invalid oauth token"""

    code = "INVALID_TOKEN"
    http_status = 401


class ScopeMismatch(BulkWriteError):
    """Unauthorized"""

    code = "OAUTH_SCOPE_MISMATCH"
    http_status = 401


class NoPermission(BulkWriteError):
    """Permission denied to create"""

    code = "NO_PERMISSION"
    http_status = 403


class AuthorizationFailed(BulkWriteError):
    """User does not have sufficient privilege to create."""

    code = "AUTHORIZATION_FAILED"
    http_status = 400


class ResourceNotFound(BulkWriteError):
    """The requested resource doesn't exist."""

    code = "RESOURCE_NOT_FOUND"
    http_status = 404


class FileFormatInvalid(BulkWriteError):
    """The uploaded file is not a zip holding one CSV file, nor a CSV file."""

    code = "INVALID_FILE_FORMAT"
    http_status = 400


class FileTooLarge(BulkWriteError):
    """The uploaded file exceeds the size limit."""

    code = "FILE_TOO_LARGE"
    http_status = 413


class FeatureNotSupported(BulkWriteError):
    """Feature is not supported"""

    code = "NOT_SUPPORTED_FEATURE"
    http_status = 400


class FileIdInvalid(BulkWriteError):
    """The given file id is invalid."""

    code = "INVALID_FILE_ID"
    http_status = 400


class MandatoryNotFound(BulkWriteError):
    """A required key is missing."""

    code = "MANDATORY_NOT_FOUND"
    http_status = 400


class DataInvalid(BulkWriteError):
    """Invalid data."""

    code = "INVALID_DATA"
    http_status = 400


class ModuleNotAvailable(BulkWriteError):
    """The module is not available for bulk write."""

    code = "MODULE_NOT_AVAILABLE"
    http_status = 400


class FieldInvalid(BulkWriteError):
    """The field does not exist in the module."""

    code = "INVALID_FIELD"
    http_status = 400


class ColumnIndexNotFound(BulkWriteError):
    """The column index is not found in the file."""

    code = "COLUMN_INDEX_NOT_FOUND"
    http_status = 400


class MandatoryFieldsNotMapped(BulkWriteError):
    """Mandatory fields are not mapped."""

    code = "MANDATORY_FIELDS_NOT_MAPPED"
    http_status = 400


class FormatInvalid(BulkWriteError):
    """The format pattern is not valid."""

    code = "INVALID_FORMAT"
    http_status = 400


class HeaderLimitExceeded(BulkWriteError):
    """The file has more columns or mappings than allowed."""

    code = "HEADER_LIMIT_EXCEEDED"
    http_status = 400


class CoexistenceNotAllowed(BulkWriteError):
    """Two keys that exclude each other are both given."""

    code = "COEXISTENCE_NOT_ALLOWED"
    http_status = 400


class CallbackMethodInvalid(BulkWriteError):
    """The callback method is not supported."""

    code = "INVALID_CALLBACK_METHOD"
    http_status = 400


class LimitExceeded(BulkWriteError):
    """A configured limit was exceeded."""

    code = "LIMIT_EXCEEDED"
    http_status = 400


class StateConflict(BulkWriteError):
    """A compare-and-set state change matched no row."""

    code = "INTERNAL_ERROR"
    http_status = 500


class RecordConflict(BulkWriteError):
    """A write broke a unique index of a record table."""

    code = "DUPLICATE_DATA"
    http_status = 400


class StoreUnavailable(BulkWriteError):
    """The database is unavailable; try again."""

    code = "INTERNAL_ERROR"
    http_status = 500


class DiskFull(StoreUnavailable):
    """The disk holding the data is full; try again when space is free."""

    http_status = 507


class ConverterLost(BulkWriteError):
    """The process converting the job's rows stopped unexpectedly."""


class NotAllowed(BulkWriteError):
    """The action is not allowed on the job in its state."""

    code = "NOT_ALLOWED"
    http_status = 400
