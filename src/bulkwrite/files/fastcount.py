"""Counting the data rows of well-formed UTF-8 CSV at the speed of a few array passes.

``rowcount`` counts an upload's rows as a job's reader will read them. Reading every cell for it
(``fastcsv``: an RFC 4180 match and polars) costs about 2 s per million rows, in the upload's
answer. Counting needs much less than the cells: where a record ends and whether it is blank.
For the bytes ``fastcsv`` hands to polars — RFC 4180 records, valid UTF-8, no NUL — both follow
from the positions of a few bytes:

- a newline ends a record where the number of quotes before it is even (a doubled quote inside a
  quoted field counts twice, so it never changes the parity);
- the bytes are RFC 4180 records where every quote that opens (an even number of quotes before
  it) follows a delimiter, a record's end, the start, or a quote that closes; every quote that
  closes is followed by a delimiter, LF, CRLF or a quote that opens; and every CR outside quotes
  is followed by LF;
- a record holding a byte that only a non-blank character can hold (``_CONTENT``: printable ASCII
  other than the delimiter and the quote, and the lead bytes of characters that are never
  whitespace) is not blank. Only the first bytes of each record are looked at; the few records
  they leave open (blank lines, ``,,``, cells of kana only) are read with the csv module one by
  one, as the reader reads them.

Anything else — a stray quote, a lone CR, a NUL, bytes that are not UTF-8, a record longer than
``TAIL_LIMIT`` or still open at the end, too many records left open — gives no count here: the
caller then counts with the reader itself, so the count is the reader's in every case
(``tests/unit/test_fastcount.py`` holds the two together on arbitrary input).
"""

from __future__ import annotations

import csv
import io
from typing import Final

import numpy as np
import numpy.typing as npt

from bulkwrite.files.dialect import FIELD_LIMIT
from bulkwrite.files.utf8check import is_utf8

#: Bytes counted at a time (a file's read so, a bigger block fed so): about the size the
#: array passes run fastest at (in the cache); the bytes after a block's last whole record are
#: carried to the next.
BLOCK_SIZE: Final = 1024 * 1024
#: A record still open after this many bytes is left to the reader (the bytes of an open
#: record are looked at again with each block, so this bounds that work too). With the block,
#: it stays below the reader's field limit, so no field counted here can pass that.
TAIL_LIMIT: Final = 4 * 1024 * 1024
assert TAIL_LIMIT + BLOCK_SIZE < FIELD_LIMIT
#: How many leading bytes of each record are looked at for a sure sign of content.
PROBE_BYTES: Final = 4
#: A block's records left open by the probe beyond which its every byte is looked at, and
#: left open then beyond which the reader counts (one in ``OPEN_SHARE``, at least ``OPEN_MIN``).
OPEN_SHARE: Final = 16
OPEN_MIN: Final = 64

_LF, _CR, _QUOTE = 10, 13, 34
#: ASCII whitespace as Python's ``str.strip`` sees it (the separators \x1c-\x1f included).
_WHITESPACE: Final = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"

Bytes = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]
Positions = npt.NDArray[np.intp]


def _content_table(delimiter: int) -> Mask:
    """Bytes only a non-blank character can hold: printable ASCII but the delimiter and the
    quote, and the lead bytes of UTF-8 characters of which none is whitespace (C2, E1, E2 and
    E3 lead the blocks holding U+0085, U+00A0, U+1680, U+2000-U+205F and U+3000)."""
    table = np.zeros(256, dtype=np.bool_)
    table[33:127] = True
    table[[delimiter, _QUOTE]] = False
    table[0xC3:0xE1] = True
    table[0xE4:0xF5] = True
    return table


def count_records(raw: io.BufferedIOBase, start: int, delimiter: str) -> int | None:
    """The non-blank records of ``raw`` from ``start`` (a record's first byte) to its end, as the
    reader reads them; None where the bytes are not all as described above."""
    raw.seek(start)
    counter = RecordCounter(delimiter)
    while counter.rows is not None and counter.read_from(raw, BLOCK_SIZE):
        pass
    return counter.finish()


class RecordCounter:
    """Fed bytes from a record's first byte on, in blocks of any size, counts the non-blank
    records as the reader reads them; ``rows`` is None once they are not all as described in
    the module's doc (the rest is then not looked at)."""

    def __init__(self, delimiter: str) -> None:
        d = delimiter.encode()
        self.rows: int | None = 0 if len(d) == 1 else None
        self._blocks = _BlockCounter(d[0] if len(d) == 1 else 0)
        self._buf = bytearray()
        self._kept = 0  # bytes of an unfinished record at the buffer's start

    def feed(self, block: bytes) -> None:
        """Count the whole records that ``block`` completes; keep the rest for the next."""
        with memoryview(block) as view:
            for at in range(0, len(view), BLOCK_SIZE):
                if self.rows is None:
                    return
                piece = view[at : at + BLOCK_SIZE]
                size = self._kept + len(piece)
                self._room(size)
                self._buf[self._kept : size] = piece
                self._count(size)

    def read_from(self, raw: io.BufferedIOBase, size: int) -> bool:
        """``feed`` the next ``size`` bytes of ``raw``, read into place; False at its end."""
        self._room(self._kept + size)
        with memoryview(self._buf) as free:
            got = raw.readinto(free[self._kept : self._kept + size])
        if got:
            self._count(self._kept + got)
        return bool(got)

    def finish(self) -> int | None:
        """The count, once the last block has been fed (its last record may lack its end)."""
        if self.rows is not None and self._kept:
            size = self._kept
            if self._buf[size - 1] != _LF:  # read as if it ended: the reader reads it so
                self._room(size + 1)
                self._buf[size] = _LF
                size += 1
            self._count(size)
            if self._kept:
                self.rows = None  # a quote still open at the end
        return self.rows

    def _room(self, size: int) -> None:
        if size > len(self._buf):
            grown = bytearray(max(size, 2 * len(self._buf)))
            grown[: self._kept] = self._buf[: self._kept]
            self._buf = grown

    def _count(self, size: int) -> None:
        counted = self._blocks.count(self._buf, size)
        if counted is None or self.rows is None:
            self.rows = None
            return
        rows, end = counted
        self.rows += rows
        if end:
            self._buf[: size - end] = self._buf[end:size]
        self._kept = size - end
        if self._kept > TAIL_LIMIT:
            self.rows = None
        if self.rows is None:
            self._buf, self._kept = bytearray(), 0  # nothing more is looked at


class _BlockCounter:
    """Counts the records of one block after another, reusing its scratch arrays."""

    def __init__(self, delimiter: int) -> None:
        self.delimiter = delimiter
        self.content = _content_table(delimiter)
        self._masks = np.empty((3, 0), np.bool_)

    def masks(self, size: int) -> tuple[Mask, Mask, Mask]:
        """Three scratch masks of ``size``."""
        if self._masks.shape[1] < size:
            self._masks = np.empty((3, size), np.bool_)
        return self._masks[0, :size], self._masks[1, :size], self._masks[2, :size]

    def count(self, buf: bytearray, size: int) -> tuple[int, int] | None:
        """(non-blank records, the offset just past the last whole one) of ``buf[:size]``,
        which starts at a record's first byte; None if a record up to there is not regular."""
        if buf.find(b"\x00", 0, size) != -1:
            return None
        arr: Bytes = np.frombuffer(buf, dtype=np.uint8, count=size)
        lf, other, third = self.masks(size)
        newlines = np.flatnonzero(np.equal(arr, _LF, out=lf))
        quotes = None
        if buf.find(b'"', 0, size) != -1:
            quotes = np.flatnonzero(np.equal(arr, _QUOTE, out=other))
        ends = newlines if quotes is None else newlines[_outside(quotes, newlines)]
        if not ends.size:
            return 0, 0
        end = int(ends[-1]) + 1
        view = arr[:end]
        if quotes is not None:
            quotes = quotes[quotes < end]
            if not _quotes_regular(view, quotes, self.delimiter):
                return None
        if not _returns_regular(view, lf[:end], (other[:end], third[: end - 1]), quotes):
            return None
        starts = np.empty_like(ends)
        starts[0] = 0
        starts[1:] = ends[:-1] + 1
        if not buf.isascii() and not is_utf8(bytes(memoryview(buf)[:end])):
            return None
        unsure = self._unsure(view, starts, ends)
        if unsure.size > max(OPEN_MIN, ends.size // OPEN_SHARE):
            return None  # too many to read one by one: the reader counts faster
        records = (buf[starts[i] : ends[i] + 1] for i in unsure.tolist())
        blank = sum(_is_blank(bytes(r), self.delimiter) for r in records)
        return int(ends.size) - blank, end

    def _unsure(self, view: Bytes, starts: Positions, ends: Positions) -> Positions:
        """The records (by number) holding no byte of ``content`` in their first bytes, or
        (where there are many) in all of them."""
        unsure = np.arange(starts.size)
        for k in range(PROBE_BYTES):
            at = np.minimum(starts[unsure] + k, ends[unsure])  # the LF: never content
            unsure = unsure[~self.content[view[at]]]
            if not unsure.size:
                return unsure
        if unsure.size > max(OPEN_MIN, starts.size // OPEN_SHARE):
            sure = np.logical_or.reduceat(self.content[view], starts)
            unsure = np.flatnonzero(~sure)
        return unsure


def _outside(quotes: Positions, positions: Positions) -> Mask:
    """Which of ``positions`` have an even number of quotes before them."""
    even: Mask = (np.searchsorted(quotes, positions) & 1) == 0
    return even


def _quotes_regular(view: Bytes, quotes: Positions, delimiter: int) -> bool:
    """Every quote opens or closes a field, or is one of a doubled pair inside one."""
    opening, closing = quotes[0::2], quotes[1::2]
    if opening.size != closing.size:
        return False
    before = view[np.maximum(opening - 1, 0)]
    opens = (opening == 0) | (before == delimiter) | (before == _LF) | (before == _QUOTE)
    if not opens.all():
        return False
    after = view[closing + 1]  # the view ends with an LF outside quotes, so a byte follows
    crlf = np.zeros(closing.size, dtype=np.bool_)
    cr = np.flatnonzero(after == _CR)
    crlf[cr] = view[closing[cr] + 2] == _LF
    closes = (after == delimiter) | (after == _LF) | (after == _QUOTE) | crlf
    return bool(closes.all())


def _returns_regular(
    view: Bytes, lf: Mask, scratch: tuple[Mask, Mask], quotes: Positions | None
) -> bool:
    """Every CR outside quotes is followed by LF (``lf`` is the view's LF mask)."""
    cr, crlf = scratch
    np.equal(view, _CR, out=cr)
    returns = int(np.count_nonzero(cr))
    if not returns:
        return True
    if returns == int(np.count_nonzero(np.logical_and(cr[:-1], lf[1:], out=crlf))):
        return True  # every CR is followed by LF, inside quotes or out
    at = np.flatnonzero(cr)
    if quotes is not None:
        at = at[_outside(quotes, at)]
    return bool((view[at + 1] == _LF).all())


def _is_blank(record: bytes, delimiter: int) -> bool:
    """Whether one record (its end included) is blank as the reader sees it."""
    if not record.strip(_WHITESPACE + bytes([delimiter])):
        return True  # only whitespace and delimiters: blank cells, however they split
    text = io.StringIO(record.decode("utf-8"), newline="")
    row = next(csv.reader(text, delimiter=chr(delimiter), strict=False), [])
    return not "".join(row).strip()
