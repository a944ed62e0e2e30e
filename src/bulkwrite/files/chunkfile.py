"""A split job's chunks between workers: raw cells and converted values as Arrow IPC files.

Stored under ``work/<job_id>/<chunk_no>.raw`` and ``….prepared`` in the file storage every
worker shares (a local directory or a bucket); ``put`` is atomic, so a reader never sees a half
file. Column names carry what each column is: ``c:<i>`` raw cells, ``x`` the extra-cells flag,
``v:<field>`` values, ``p:<field>`` present masks, ``e:<code>:<label>`` row errors, ``k`` the key
and ``o:<i>`` the echoed cells.
"""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Final

import polars as pl

from bulkwrite.domain.outcome import RowCode
from bulkwrite.files.storage import FileStorage
from bulkwrite.importer.chunk import PreparedChunk, RawChunk

#: lz4: cheap to write and read, and chunks of text shrink well.
COMPRESSION: Final = "lz4"


def raw_key(job_id: str, chunk_no: int) -> str:
    return f"work/{job_id}/{chunk_no}.raw"


def prepared_key(job_id: str, chunk_no: int) -> str:
    return f"work/{job_id}/{chunk_no}.prepared"


def put_raw(files: FileStorage, job_id: str, chunk_no: int, raw: RawChunk) -> None:
    frame = pl.DataFrame([c.alias(f"c:{i}") for i, c in enumerate(raw.columns)])
    _put(files, raw_key(job_id, chunk_no), frame.with_columns(raw.extra.alias("x")))


def get_raw(files: FileStorage, job_id: str, chunk_no: int) -> RawChunk:
    frame = _get(files, raw_key(job_id, chunk_no))
    columns = [frame[name] for name in frame.columns if name.startswith("c:")]
    return RawChunk(columns, frame["x"])


def put_prepared(files: FileStorage, job_id: str, chunk_no: int, chunk: PreparedChunk) -> None:
    _put(files, prepared_key(job_id, chunk_no), _prepared_frame(chunk))


def get_prepared(files: FileStorage, job_id: str, chunk_no: int) -> PreparedChunk:
    return _from_frame(_get(files, prepared_key(job_id, chunk_no)))


def encode_prepared(chunk: PreparedChunk) -> bytes:
    """The chunk as uncompressed Arrow IPC bytes (for a pipe between processes)."""
    out = io.BytesIO()
    _prepared_frame(chunk).write_ipc(out, compression="uncompressed")
    return out.getvalue()


def decode_prepared(data: bytes) -> PreparedChunk:
    return _from_frame(pl.read_ipc(io.BytesIO(data)))


def _prepared_frame(chunk: PreparedChunk) -> pl.DataFrame:
    columns = [pl.Series("_", [None] * chunk.size, dtype=pl.Null)]
    columns += [s.alias(f"o:{i}") for i, s in enumerate(chunk.echo)]
    columns += [s.alias(f"v:{name}") for name, s in chunk.values.items()]
    columns += [s.alias(f"p:{name}") for name, s in chunk.present.items()]
    columns += [s.alias(f"e:{code.value}:{label}") for (code, label), s in chunk.errors.items()]
    if chunk.key is not None:
        columns.append(chunk.key.alias("k"))
    return pl.DataFrame(columns)


def _from_frame(frame: pl.DataFrame) -> PreparedChunk:
    chunk = PreparedChunk(frame.height, [])
    for name in frame.columns:
        kind, _, rest = name.partition(":")
        series = frame[name]
        if kind == "o":
            chunk.echo.append(series.alias(f"c{rest}"))
        elif kind == "v":
            chunk.values[rest] = series.alias(rest)
        elif kind == "p":
            chunk.present[rest] = series.alias(rest)
        elif kind == "e":
            code, _, label = rest.partition(":")
            chunk.errors[(RowCode(code), label)] = series.alias("")
        elif kind == "k":
            chunk.key = series.alias("key")
    return chunk


def drop_work(files: FileStorage, job_id: str, chunks: int) -> None:
    """Remove every stored chunk of the job."""
    for chunk_no in range(chunks):
        files.delete(raw_key(job_id, chunk_no))
        files.delete(prepared_key(job_id, chunk_no))


def _put(files: FileStorage, key: str, frame: pl.DataFrame) -> None:
    files.tmp_dir.mkdir(parents=True, exist_ok=True)
    local = files.tmp_dir / f"chunk-{uuid.uuid4().hex}.arrow"
    try:
        frame.write_ipc(local, compression=COMPRESSION)
        files.put(key, local)
    finally:
        Path(local).unlink(missing_ok=True)
    files.evict(key)  # read once, most likely on another machine: keep no local copy


def _get(files: FileStorage, key: str) -> pl.DataFrame:
    """The stored frame, read from the file itself or straight from the object store's
    stream (no cached copy is left behind on this machine)."""
    stored = files.open(key)
    if stored.path is not None:
        stored.close()
        return pl.read_ipc(stored.path)
    return pl.read_ipc(io.BytesIO(b"".join(stored.blocks())))
