"""``bench.run --big-rows N``: one big insert, raw and by a job, on the same file (the ratio at
that size, its throughput and peak RSS); here at a tiny size, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.run import main


@pytest.mark.slow
def test_a_tiny_big_run_has_its_own_raw_ceiling(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    argv = ["--rows", "300", "--runs", "1", "--backends", "sqlite", "--big-rows", "700"]
    argv += ["--out", str(out), "--workdir", str(tmp_path / "work")]
    assert main(argv) == 0
    big = json.loads(out.read_text())["big"]
    assert big["raw_insert"]["rows"] == 700
    assert big["job"]["counts"]["total"] == 700
    figures = big["figures"]
    assert figures["insert_ratio"] > 0 and figures["job_only_ratio"] > 0
    assert figures["upload_seconds"] > 0
