"""An upload's file part on disk, locked by its writer for as long as the part is in use.

The part (``.part-*.upload`` in the file store's temp directory) is created under another name,
locked (``flock``, exclusive) and only then renamed to its ``.part-`` name, so every ``.part-``
file is locked from the moment it can be seen. The lock goes with the writer: it is released
when the writer closes the part, and by the kernel when the writer's process dies, however it
dies. ``sweep_parts`` removes each part whose lock it can take: its writer is gone, the part
will never be used — at once, not a day later.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

PREFIX: Final = ".part-"
SUFFIX: Final = ".upload"


@dataclass
class LockedPart:
    """A part file open for writing; its lock is held until ``release``."""

    path: Path
    file: BinaryIO

    def release(self) -> None:
        """Close the part, which drops its lock (the caller has used or removed it)."""
        self.file.close()


def new_part(directory: Path) -> LockedPart:
    """A new, empty, locked part file in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=directory, prefix=".new-", suffix=SUFFIX)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        path = Path(name).with_name(PREFIX + Path(name).name.removeprefix(".new-"))
        os.rename(name, path)
    except BaseException:
        os.close(fd)
        Path(name).unlink(missing_ok=True)
        raise
    return LockedPart(path, os.fdopen(fd, "wb"))


def is_part(path: Path) -> bool:
    return path.name.startswith(PREFIX) and path.name.endswith(SUFFIX)


def sweep_parts(directory: Path) -> int:
    """Remove the parts in ``directory`` whose writer is gone; returns how many."""
    removed = 0
    for path in directory.glob(f"{PREFIX}*{SUFFIX}") if directory.is_dir() else ():
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue  # used and moved on, or removed, since the listing
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                path.unlink()
                removed += 1
        except OSError:
            continue  # its writer holds the lock (BlockingIOError), or it went meanwhile
        finally:
            os.close(fd)
    return removed
