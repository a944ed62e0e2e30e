"""The upload's file part is written behind the reading, hashed and its rows counted as it
arrives (``api/multipart.py``): the bytes, the hash and the count are those of the whole body,
and a part refused midway leaves no file behind by the time the answer is given."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bulkwrite.api import multipart
from bulkwrite.errors import FileTooLarge

BOUNDARY = "rows-boundary"


def app(directory: Path, limit: int) -> Starlette:
    async def upload(request: Request) -> JSONResponse:
        try:
            part = await multipart.read_file_part(request, limit, directory)
        except FileTooLarge:
            return JSONResponse({"left": sorted(p.name for p in directory.iterdir())}, 413)
        try:
            counted = part.counted
            return JSONResponse(
                {
                    "sha256": part.sha256,
                    "bytes": part.path.read_bytes().hex(),
                    "counted": counted and [counted.dialect.delimiter, counted.rows],
                }
            )
        finally:
            part.path.unlink()
            part.release()

    return Starlette(routes=[Route("/upload", upload, methods=["POST"])])


async def post(directory: Path, content: bytes, limit: int = 1 << 30) -> httpx.Response:
    body = (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
        ).encode()
        + content
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )

    async def pieces() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    transport = httpx.ASGITransport(app=app(directory, limit))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        headers = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
        return await client.post("/upload", content=pieces(), headers=headers)


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(multipart, "WRITE_BLOCK", 4096)


def test_the_part_is_written_hashed_and_counted_block_by_block(tmp_path: Path) -> None:
    rows = "".join(f'{n};"note {n}\nsecond line";é\r\n' for n in range(2000))
    content = ("id;note;x\r\n" + rows + "\r\n \r\n").encode()
    response = asyncio.run(post(tmp_path, content))
    assert response.status_code == 200
    answer = response.json()
    assert bytes.fromhex(answer["bytes"]) == content
    assert answer["sha256"] == hashlib.sha256(content).hexdigest()
    assert answer["counted"] == [";", 2000]


def test_a_zip_is_not_counted_as_it_arrives(tmp_path: Path) -> None:
    content = b"PK\x03\x04" + bytes(range(256)) * 40
    response = asyncio.run(post(tmp_path, content))
    assert response.status_code == 200
    assert bytes.fromhex(response.json()["bytes"]) == content
    assert response.json()["counted"] is None


def test_a_part_over_the_limit_leaves_no_file_when_answered(tmp_path: Path) -> None:
    response = asyncio.run(post(tmp_path, b"a,b\n" + b"1,2\n" * 20_000, limit=50_000))
    assert response.status_code == 413
    assert response.json()["left"] == []
