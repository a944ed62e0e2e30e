"""Upload parts are locked by their writer and swept once it is gone (``files/partfile.py``)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from bulkwrite.files.partfile import new_part, sweep_parts

WRITER = """
import sys
from pathlib import Path
from bulkwrite.files.partfile import new_part
part = new_part(Path(sys.argv[1]))
part.file.write(b"half an upload")
part.file.flush()
print(part.path, flush=True)
sys.stdin.read()  # until it is killed
"""


def test_a_part_in_use_is_kept_and_swept_once_released(tmp_path: Path) -> None:
    part = new_part(tmp_path)
    assert part.path.name.startswith(".part-") and part.path.name.endswith(".upload")
    assert sweep_parts(tmp_path) == 0  # its lock is held, even from this same process
    assert part.path.exists()
    part.release()
    assert sweep_parts(tmp_path) == 1
    assert not part.path.exists()


def test_the_part_of_a_killed_writer_is_swept_at_once(tmp_path: Path) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    path = Path(writer.stdout.readline().strip())
    assert sweep_parts(tmp_path) == 0  # the writer lives
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert path.read_bytes() == b"half an upload"  # a day old or not, it is no one's now
    assert sweep_parts(tmp_path) == 1
    assert list(tmp_path.iterdir()) == []


def test_other_files_and_missing_folders_are_left_alone(tmp_path: Path) -> None:
    other = tmp_path / "upload-111.csv"
    other.write_bytes(b"x")
    assert sweep_parts(tmp_path) == 0
    assert sweep_parts(tmp_path / "missing") == 0
    assert other.exists()
