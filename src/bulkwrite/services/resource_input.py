"""A resource's input, checked at create: its module, which CSV of the upload it reads
(``file_names``, contract section 12), that CSV's dialect and header."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bulkwrite.domain.identity import FileMember, StoredFile
from bulkwrite.domain.modules import Module
from bulkwrite.errors import DataInvalid, ModuleNotAvailable
from bulkwrite.files.csvsource import CsvDialect, CsvSource, detect_dialect
from bulkwrite.files.encodings import BOM_REQUIRED, bom_codec, text_encoding
from bulkwrite.services.job_request import JobRequest, ResourceRequest

_UTF8_NAMES = {"utf-8", "utf8", "utf_8"}


def resource_csvs(resources: Sequence[ResourceRequest], stored: StoredFile) -> list[FileMember]:
    """The CSV of the upload each resource reads, in request order. Each named CSV must be in
    the zip, no CSV named twice, and every CSV of the zip named; a lone resource that names
    none reads the upload's only CSV."""
    csvs = {csv.name: csv for csv in stored.csvs}
    if len(resources) == 1 and resources[0].file_name is None:
        if len(csvs) > 1:
            raise DataInvalid.at(
                "file_names",
                f"{resources[0].path}.file_names",
                f"The zip holds {len(csvs)} CSV files ({_names(csvs)}); name the one to read "
                "in file_names.",
            )
        return [stored.csvs[0]]
    chosen: list[FileMember] = []
    for resource in resources:
        path = f"{resource.path}.file_names"
        name = resource.file_name
        if name is None:
            raise DataInvalid.at(
                "file_names", path, "Each resource of a job of several names its CSV."
            )
        csv = csvs.get(name)
        if csv is None:
            raise DataInvalid.at(
                "file_names", path, f"The upload holds no CSV named {name!r}: {_names(csvs)}."
            )
        if csv in chosen:
            raise DataInvalid.at("file_names", path, f"Another resource reads {name!r}.")
        chosen.append(csv)
    unread = [name for name, csv in csvs.items() if csv not in chosen]
    if unread:
        raise DataInvalid.at(
            "file_names",
            f"{resources[-1].path}.file_names",
            f"No resource reads the CSV {unread[0]!r} of the upload.",
        )
    return chosen


def _names(csvs: dict[str, FileMember]) -> str:
    return ", ".join(repr(name) for name in list(csvs)[:10])


def find_module(request: ResourceRequest, modules: dict[str, Module]) -> Module:
    """The module a resource names: by ``api_name``, whose ``id`` must then be that module's
    own; else by ``id``."""
    name, module_id = request.module_name, request.module_id
    for module in modules.values():
        if name is not None and module.api_name.lower() == name.lower():
            if module_id is not None and module_id != module.id:
                raise DataInvalid.at(
                    "id",
                    f"{request.path}.module.id",
                    f"{module_id} is not the id of the module {name}.",
                )
            return module
        if name is None and module.id == module_id:
            return module
    raise ModuleNotAvailable.at(
        "module", f"{request.path}.module", f"The module {name or module_id} is not available."
    )


def read_dialect(
    request: JobRequest, resource: ResourceRequest, csv: FileMember, path: Path
) -> CsvDialect:
    """The encoding and delimiter of one CSV of the upload."""
    wanted = request.character_encoding
    if wanted and wanted.lower() in _UTF8_NAMES and csv.encoding_hint == "cp1252":
        raise DataInvalid.at(
            "character_encoding", "$.character_encoding", "The file is not valid UTF-8 text."
        )
    if wanted:
        check_byte_order_mark(wanted, path)
    try:
        return detect_dialect(path, wanted, csv.encoding_hint)
    except LookupError:
        raise DataInvalid.at(
            "character_encoding", "$.character_encoding", f"Unknown character encoding {wanted!r}."
        ) from None
    except DataInvalid as exc:
        raise DataInvalid.at("file_id", f"{resource.path}.file_id", exc.message) from None


def check_byte_order_mark(
    encoding: str, path: Path, json_path: str = "$.character_encoding"
) -> None:
    """An encoding that names no byte order (UTF-16, UTF-32) needs the file to start with its
    byte-order mark."""
    codec = text_encoding(encoding)
    if codec not in BOM_REQUIRED:
        return
    with path.open("rb") as raw:
        marked = bom_codec(raw.read(4))
    if marked != codec:
        name = codec.upper()
        raise DataInvalid.at(
            "character_encoding",
            json_path,
            f"The file does not start with a {name} byte order mark; name its byte order "
            f"({name}LE or {name}BE).",
        )


def read_header(path: Path, dialect: CsvDialect, at: str) -> list[str]:
    """The header of a CSV that has at least one data row."""
    try:
        with CsvSource(path, dialect) as source:
            header = source.header
            first = next(source.rows(), None)
    except DataInvalid as exc:
        if exc.details:
            raise
        raise DataInvalid.at("file_id", f"{at}.file_id", exc.message) from None
    if first is None:
        raise DataInvalid.at("file_id", f"{at}.file_id", "The file has a header but no data rows.")
    return header
