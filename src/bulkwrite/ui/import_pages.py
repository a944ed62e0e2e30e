"""New import (beyond-zoho.md §8), in two steps that need no script: the file, module and
operation are uploaded; the server reads the file's header and shows the mapping table; the
table, find_by and "Dry run" are posted and create the job, whose page comes next."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, BinaryIO

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from bulkwrite.domain.ids import parse_id
from bulkwrite.domain.job import Operation
from bulkwrite.domain.modules import Module, ModuleKind
from bulkwrite.errors import (
    BulkWriteError,
    DataInvalid,
    FileIdInvalid,
    FileTooLarge,
    ModuleNotAvailable,
)
from bulkwrite.files.csvsource import detect_dialect
from bulkwrite.importer.headers import mappable_fields
from bulkwrite.services.collaborators import Services
from bulkwrite.services.create_job import check_may_create, create_job
from bulkwrite.services.resource_input import read_header
from bulkwrite.services.uploads import check_upload_headers, upload_file
from bulkwrite.ui.mapping_table import choices, extra_choices, mapping_rows, posted_mappings
from bulkwrite.ui.sessions import Session
from bulkwrite.ui.web import SessionDep, checked_form, page, see_other, services_of

router = APIRouter()
OPERATIONS = tuple(o.value for o in Operation)
#: Bytes a form may hold beyond its file (the other fields and the multipart framing).
FORM_SLACK = 1024 * 1024


def _modules(services: Services, session: Session) -> list[Module]:
    with services.store.transaction(write=False) as tx:
        found = tx.list_modules(session.principal.org.id)
    return sorted((m for m in found if m.kind is ModuleKind.MODULE), key=lambda m: m.api_name)


@router.get("/import")
async def import_form(request: Request, session: SessionDep) -> Response:
    services = services_of(request)
    modules = await run_in_threadpool(_modules, services, session)
    return page(
        request, "import.html", session, title="New import", modules=modules, operations=OPERATIONS
    )


@router.post("/import")
async def upload(request: Request, session: SessionDep) -> Response:
    services = services_of(request)
    check_upload_headers(session.principal, None, None)
    check_may_create(session.principal)
    declared = request.headers.get("content-length", "")
    limit = services.settings.max_upload_bytes
    if declared.isdigit() and int(declared) > limit + FORM_SLACK:
        raise FileTooLarge()
    form = await checked_form(request, session)
    module, operation = form.text("module"), form.text("operation")
    _check_choice(module, operation)
    sent = form.fields.get("file")
    if not isinstance(sent, UploadFile) or not sent.filename:
        raise DataInvalid.at("file", "file", "Choose a CSV file (or a zip of one CSV file).")
    stored = await run_in_threadpool(_store, services, session, sent.file, sent.filename)
    return see_other(f"/ui/import/{stored}?module={module}&operation={operation}")


def _store(services: Services, session: Session, source: BinaryIO, name: str) -> str:
    return upload_file(services, session.principal, source, name).id


def _check_choice(module: str, operation: str) -> None:
    if operation not in OPERATIONS:
        raise DataInvalid.at("operation", "operation", "Choose insert, update or upsert.")
    if not module or not module.replace("_", "").isalnum():
        raise DataInvalid.at("module", "module", "Choose a module.")


@dataclass(frozen=True)
class Upload:
    """An uploaded file of the caller's org (one CSV, or a zip of one), that CSV's header,
    and the org's modules."""

    file_id: str
    name: str
    header: list[str]
    modules: list[Module]

    def module(self, name: str) -> Module:
        for module in self.modules:
            if module.api_name == name:
                return module
        raise ModuleNotAvailable(f"The module {name} is not available.")


def _read_upload(services: Services, session: Session, file_id: str) -> Upload:
    org = session.principal.org.id
    with services.store.transaction(write=False) as tx:
        stored = tx.get_file(org, file_id) if parse_id(file_id) else None
    if stored is None:
        raise FileIdInvalid("There is no such upload.")
    if len(stored.csvs) > 1:
        raise _several(stored.id, [csv.name for csv in stored.csvs])
    first = stored.csvs[0]
    path = services.files.local_path(first.path)
    header = read_header(path, detect_dialect(path, None, first.encoding_hint), "$.resource[0]")
    return Upload(stored.id, first.name, header, _modules(services, session))


def _several(file_id: str, csvs: list[str]) -> BulkWriteError:
    """A zip of several CSVs: a job of several resources (a parent module and its children,
    each resource naming its CSV), which the API creates; this form maps one CSV."""
    shown = ", ".join(csvs[:10]) + (", …" if len(csvs) > 10 else "")
    message = (
        f"The uploaded zip holds {len(csvs)} CSV files ({shown}). This form imports one CSV "
        "(a CSV file, or a zip of one CSV). A zip of several CSVs is a job of several "
        "resources (a parent module and its children, each resource naming its CSV in "
        f"file_names), which the API creates: POST /crm/bulk/v8/write with file_id {file_id} "
        "(see the API reference at /docs and docs/bulk-write-api.md, parent and child records)."
    )
    return DataInvalid.at("file", "file", message)


def _mapping_page(
    request: Request, session: Session, upload: Upload, chosen: dict[str, Any]
) -> Response:
    module = upload.module(chosen["module"])
    targets = {m.api_name: m for m in upload.modules}
    rows = mapping_rows(module, upload.header, targets)
    base = choices(module)
    finders = [f.api_name for f in mappable_fields(module) if f.unique or f.api_name == "id"]
    return page(
        request,
        "mapping.html",
        session,
        title="New import: map the columns",
        upload=upload,
        modules=upload.modules,
        operations=OPERATIONS,
        chosen=chosen,
        rows=rows,
        choices=[*base, *extra_choices(rows, base)],
        finders=finders,
    )


@router.get("/import/{file_id}")
async def mapping_form(file_id: str, request: Request, session: SessionDep) -> Response:
    services = services_of(request)
    params = dict(request.query_params)
    unknown = sorted(set(params) - {"module", "operation"})
    if unknown:
        raise DataInvalid.at(unknown[0], unknown[0], f"{unknown[0]} is not a parameter here.")
    module, operation = params.get("module", ""), params.get("operation", "insert")
    _check_choice(module, operation)
    upload = await run_in_threadpool(_read_upload, services, session, file_id)
    chosen = {"module": module, "operation": operation, "find_by": "", "dry_run": False}
    return _mapping_page(request, session, upload, chosen)


#: The fields of the mapping form besides its ``map_<i>`` choices.
_FORM_FIELDS = frozenset({"csrf", "module", "operation", "find_by", "dry_run", "action"})


@router.post("/import/{file_id}")
async def start(file_id: str, request: Request, session: SessionDep) -> Response:
    services = services_of(request)
    form = await checked_form(request, session)
    fields = {k: v for k, v in form.fields.items() if isinstance(v, str)}
    stray = sorted(k for k in form.fields if k not in _FORM_FIELDS and not k.startswith("map_"))
    if stray:
        raise DataInvalid.at(stray[0], stray[0], f"{stray[0]} is not a field of this form.")
    module, operation = form.text("module"), form.text("operation")
    _check_choice(module, operation)
    upload = await run_in_threadpool(_read_upload, services, session, file_id)
    chosen = {
        "module": module,
        "operation": operation,
        "find_by": form.text("find_by"),
        "dry_run": form.text("dry_run") == "on",
    }
    if form.text("action") == "remap":  # another module chosen: its table, nothing created
        return _mapping_page(request, session, upload, chosen)
    allowed = {f.api_name for f in mappable_fields(upload.module(module))}
    resource: dict[str, Any] = {
        "type": "data",
        "module": {"api_name": module},
        "file_id": upload.file_id,
        "field_mappings": posted_mappings(fields, len(upload.header), allowed),
    }
    if chosen["find_by"]:
        resource["find_by"] = chosen["find_by"]
    body: dict[str, Any] = {"operation": operation, "resource": [resource]}
    if chosen["dry_run"]:
        body["dry_run"] = True
    job = await run_in_threadpool(create_job, services, session.principal, body)
    return see_other(f"/ui/jobs/{job.id}")
