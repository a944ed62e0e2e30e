"""Whether bytes are valid UTF-8: whole, or fed block by block as an upload streams in.

The server checks with polars, several times faster than a decode and without making the text.
A process that has not imported polars (the CLI, which sniffs its files with ``TextSniffer`` and
starts without the server's readers) decodes instead: the answer is the same.
"""

from __future__ import annotations

import sys


def is_utf8(data: bytes) -> bool:
    """Whether ``data`` is valid UTF-8, as ``data.decode("utf-8")`` would find it."""
    if data.isascii():
        return True
    polars = sys.modules.get("polars")
    if polars is None:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True
    try:
        polars.Series([data], dtype=polars.Binary).cast(polars.String)
    except polars.exceptions.PolarsError:
        return False
    return True


class Utf8Stream:
    """Fed a stream's blocks in order, tells whether all of it is valid UTF-8 (as an
    incremental decoder would, its last call final): a character split across blocks is
    checked whole, with the next block."""

    def __init__(self) -> None:
        self.valid = True
        self._carry = b""

    def feed(self, block: bytes) -> None:
        if not self.valid or not block:
            return
        data = self._carry + block if self._carry else block
        cut = _complete(data)
        self._carry = data[cut:]
        self.valid = is_utf8(data[:cut] if cut < len(data) else data)

    def finish(self) -> bool:
        """Whether the whole stream was valid UTF-8 (a character left unfinished is not)."""
        if self._carry:
            self.valid, self._carry = False, b""
        return self.valid


def _complete(data: bytes) -> int:
    """The length of ``data`` without a last character that it only begins."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 == 0x80:
            continue  # a continuation byte: the character starts further back
        need = 4 if byte >= 0xF0 else 3 if byte >= 0xE0 else 2 if byte >= 0xC0 else 1
        return len(data) if back >= need else len(data) - back
    return len(data)
