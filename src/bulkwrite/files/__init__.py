"""Uploaded files and result files: storing, reading and writing them in bounded memory."""

from bulkwrite.files.csvsource import CsvDialect, CsvSource, detect_dialect, normalise_encoding
from bulkwrite.files.result_zip import (
    RESULT_COLUMNS_TAIL,
    result_csv_header,
    result_csv_rows,
    write_result_zip,
)
from bulkwrite.files.upload_files import StoredUpload, store_upload

__all__ = [
    "RESULT_COLUMNS_TAIL",
    "CsvDialect",
    "CsvSource",
    "StoredUpload",
    "detect_dialect",
    "normalise_encoding",
    "result_csv_header",
    "result_csv_rows",
    "store_upload",
    "write_result_zip",
]
