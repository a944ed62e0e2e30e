"""Decoding a file into physical lines in bounded memory, with exact offsets of bad bytes.

The ``csv`` module wants lines ending in CRLF, LF or CR (what ``open(newline="")`` yields).
``io.TextIOWrapper`` decodes 8 KiB at a time, so a bad byte would surface rows before its own
row and its offset would be lost; ``iter_lines`` yields every line before the bad byte, then
raises ``TextDecodeFailure`` naming the byte's exact offset.
"""

from __future__ import annotations

import codecs
import io
import itertools
import re
from collections.abc import Generator, Iterator
from typing import IO

# Lines are decoded this much at a time: memory per reader is a small multiple of it.
TEXT_BLOCK_SIZE = 256 * 1024
# Characters str.splitlines() breaks at but the csv module does not.
_OTHER_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


class TextDecodeFailure(Exception):
    """The bytes at ``offset`` are not valid text in ``encoding``."""

    def __init__(self, encoding: str, offset: int, reason: str) -> None:
        super().__init__(f"invalid {encoding} at byte offset {offset}: {reason}")
        self.encoding = encoding
        self.offset = offset
        self.reason = reason


class LineTooLong(Exception):
    """A physical line is longer than the reader's bound."""


def iter_lines(
    raw: IO[bytes], encoding: str, *, max_line: int, errors: str = "strict"
) -> Iterator[str]:
    """The lines of ``raw`` decoded with ``encoding``, keeping their line ends (CRLF, LF, CR).

    ``utf-8-sig`` is handled here (the BOM is skipped) so offsets stay exact. Raises
    ``TextDecodeFailure`` after the last good line, and ``LineTooLong`` when a line (less its
    end) passes ``max_line`` characters.
    """
    return itertools.chain.from_iterable(iter_line_blocks(raw, encoding, max_line, errors))


def iter_line_blocks(
    raw: IO[bytes], encoding: str, max_line: int, errors: str = "strict", base: int = 0
) -> Generator[list[str], None, None]:
    """``iter_lines`` a decoded block at a time, so the per-line loop stays in C; ``base``:
    the offset in the file of ``raw``'s first byte, for the offsets of bad bytes."""
    carry: list[str] = []
    carried = 0
    for text in _decoded(raw, encoding, errors, base):
        if "\n" not in text and "\r" not in text:
            carry.append(text)
            carried += len(text)
            if carried > max_line:
                raise LineTooLong(f"a line is longer than {max_line} characters")
            continue
        if carry:
            text = "".join([*carry, text])
        lines = _split_lines(text)
        last = lines.pop()
        if last.endswith("\n"):
            lines.append(last)
            carry, carried = [], 0
        else:  # no end yet, or a lone "\r" whose "\n" may be in the next block
            carry, carried = [last], len(last)
        yield lines
    if carry:
        yield ["".join(carry)]


def _split_lines(text: str) -> list[str]:
    """``text`` split after each CRLF, LF or CR, and nowhere else."""
    if _OTHER_BREAKS.search(text) is None:
        return text.splitlines(keepends=True)  # fast, and no 4-bytes-a-char buffer
    return io.StringIO(text, newline="").readlines()


def _decoded(raw: IO[bytes], encoding: str, errors: str, base: int) -> Iterator[str]:
    codec = codecs.lookup(encoding).name
    offset = base
    if codec == "utf-8-sig":
        codec = "utf-8"
        head = raw.read(len(codecs.BOM_UTF8))
        if head == codecs.BOM_UTF8:
            offset += len(head)
        else:
            raw.seek(0)
    decoder = codecs.getincrementaldecoder(codec)(errors)
    while True:
        block = raw.read(TEXT_BLOCK_SIZE)
        pending = len(decoder.getstate()[0])
        try:
            text = decoder.decode(block, final=not block)
        except UnicodeDecodeError as exc:
            yield _good_prefix(decoder, block, exc.start - pending)
            bad = offset - pending + exc.start
            raise TextDecodeFailure(encoding, bad, exc.reason) from exc
        if text:
            yield text
        if not block:
            return
        offset += len(block)


def _good_prefix(decoder: codecs.IncrementalDecoder, block: bytes, cut: int) -> str:
    """The text of ``block`` before the bad byte at ``cut`` (may be empty)."""
    if cut <= 0:
        return ""
    try:
        return decoder.decode(block[:cut], final=False)
    except UnicodeDecodeError:
        return ""
