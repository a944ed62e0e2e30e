"""Making a file and its rename survive a crash: a file written whole beside its place and
renamed into it (``replacing``), and a rename made durable (``fsync_dir``)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


@contextmanager
def replacing(dest: Path, tmp_dir: Path, prefix: str) -> Iterator[IO[bytes]]:
    """A new temporary file (``prefix``…``.part``) in ``tmp_dir``, which must be on ``dest``'s
    file system: fsynced and renamed to ``dest`` (its directory made) when the block ends,
    removed if it raises. So ``dest`` is absent, the previous file, or complete."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix=prefix, suffix=".part")
    try:
        with os.fdopen(fd, "w+b") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp_name, dest)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def fsync_dir(directory: Path) -> None:
    """Make a rename durable; a no-op where directories cannot be opened (Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
