"""Create a job: validate everything synchronously, store it ADDED, enqueue it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bulkwrite.clock import now
from bulkwrite.domain.identity import Principal, StoredFile
from bulkwrite.domain.ids import parse_id
from bulkwrite.domain.job import Job, JobSpec, JobStatus
from bulkwrite.domain.modules import Module
from bulkwrite.domain.scopes import may_create
from bulkwrite.errors import (
    DataInvalid,
    FileIdInvalid,
    LimitExceeded,
    ModuleNotAvailable,
    ScopeMismatch,
)
from bulkwrite.files.csvsource import CsvDialect, CsvSource, detect_dialect
from bulkwrite.files.encodings import BOM_REQUIRED, bom_codec, text_encoding
from bulkwrite.importer.headers import unread_columns
from bulkwrite.importer.plan import auto_mappings, compile_spec
from bulkwrite.services.callbacks.check import check_callback_url
from bulkwrite.services.collaborators import Services
from bulkwrite.services.job_request import RES, JobRequest, parse_job_request
from bulkwrite.services.permissions import check_may_write

_UTF8_NAMES = {"utf-8", "utf8", "utf_8"}


def create_job(services: Services, principal: Principal, body: Any) -> Job:
    """Check the request against everything known now; store the job ADDED and queue it."""
    if not principal.scopes & {"ZohoCRM.bulk.CREATE", "ZohoCRM.bulk.ALL"}:
        raise ScopeMismatch()
    request = parse_job_request(body)
    check_callback_url(request.callback_url, services.settings)
    file_id = parse_id(request.file_id)
    with services.store.transaction(write=False) as tx:
        modules = {m.api_name: m for m in tx.list_modules(principal.org.id)}
        stored = None if file_id is None else tx.get_file(principal.org.id, file_id)
    module = _module(request, modules)
    if not may_create(principal.scopes, module.api_name, request.operation):
        raise ScopeMismatch()
    check_may_write(principal, module.api_name, request.operation)
    if stored is None:
        raise FileIdInvalid.at("file_id", f"{RES}.file_id", "The file_id is invalid.")
    spec = _spec(services, request, module, modules, stored)
    return _add_job(services, principal, spec, stored)


def _spec(
    services: Services,
    request: JobRequest,
    module: Module,
    modules: dict[str, Module],
    stored: StoredFile,
) -> JobSpec:
    """The job as it will run, its mappings compiled once against the file's header."""
    path = services.files.local_path(stored.path)
    dialect = _dialect(request, stored, path)
    header = _header(path, dialect)
    mappings = request.mappings
    if mappings is None:
        mappings = auto_mappings(module, header, modules)
    spec = JobSpec(
        request.operation,
        module.api_name,
        stored.id,
        request.find_by,
        mappings,
        request.mappings is None,
        request.ignore_empty,
        dialect.encoding,
        dialect.delimiter,
        request.callback_url,
        request.callback_method,
        unread_columns(header, mappings),
    )
    compile_spec(spec, module, modules, header, services.settings.max_columns)
    return spec


def _add_job(services: Services, principal: Principal, spec: JobSpec, stored: StoredFile) -> Job:
    with services.store.transaction() as tx:
        if tx.count_open_jobs(principal.org.id) >= services.settings.max_jobs_in_flight:
            raise LimitExceeded(
                f"The org already has {services.settings.max_jobs_in_flight} jobs in progress."
            )
        job = Job(
            tx.new_id(),
            principal.org.id,
            principal.user.id,
            spec,
            JobStatus.ADDED,
            now(),
            stored.name,
        )
        tx.insert_job(job, stored.id)
        services.queue.defer(tx, job.id)
    services.queue.enqueue(job.id)
    return job


def _module(request: JobRequest, modules: dict[str, Module]) -> Module:
    """The module the request names: by ``api_name``, whose ``id`` must then be that module's
    own; else by ``id``."""
    name, module_id = request.module_name, request.module_id
    for module in modules.values():
        if name is not None and module.api_name.lower() == name.lower():
            if module_id is not None and module_id != module.id:
                raise DataInvalid.at(
                    "id", f"{RES}.module.id", f"{module_id} is not the id of the module {name}."
                )
            return module
        if name is None and module.id == module_id:
            return module
    raise ModuleNotAvailable.at(
        "module", f"{RES}.module", f"The module {name or module_id} is not available."
    )


def _dialect(request: JobRequest, stored: StoredFile, path: Path) -> CsvDialect:
    wanted = request.character_encoding
    if wanted and wanted.lower() in _UTF8_NAMES and stored.encoding_hint == "cp1252":
        raise DataInvalid.at(
            "character_encoding", "$.character_encoding", "The file is not valid UTF-8 text."
        )
    if wanted:
        check_byte_order_mark(wanted, path)
    try:
        return detect_dialect(path, wanted, stored.encoding_hint)
    except LookupError:
        raise DataInvalid.at(
            "character_encoding", "$.character_encoding", f"Unknown character encoding {wanted!r}."
        ) from None
    except DataInvalid as exc:
        raise DataInvalid.at("file_id", f"{RES}.file_id", exc.message) from None


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


def _header(path: Path, dialect: CsvDialect) -> list[str]:
    try:
        with CsvSource(path, dialect) as source:
            header = source.header
            first = next(source.rows(), None)
    except DataInvalid as exc:
        if exc.details:
            raise
        raise DataInvalid.at("file_id", f"{RES}.file_id", exc.message) from None
    if first is None:
        raise DataInvalid.at("file_id", f"{RES}.file_id", "The file has a header but no data rows.")
    return header
