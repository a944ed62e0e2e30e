"""The import's polling pace: a back-off never longer than half the job's expected rest."""

from __future__ import annotations

from typing import Any

from bulkwrite.client_import import MAX_PAUSE, MIN_PAUSE, next_pause
from bulkwrite.client_models import JobDetails


def details(progress: Any) -> JobDetails:
    raw: dict[str, Any] = {"id": "111111000000100001", "status": "INPROGRESS"}
    if progress is not None:
        raw["progress"] = progress
    return JobDetails(raw)


def test_without_an_estimate_the_pause_grows_to_the_longest() -> None:
    pause, seen = 0.01, []
    for _ in range(20):
        pause = next_pause(pause, details(None))
        seen.append(pause)
    assert seen == sorted(seen) and seen[-1] == MAX_PAUSE
    assert next_pause(0.4, details({"eta_seconds": None})) == MAX_PAUSE


def test_an_estimate_bounds_the_pause_to_half_of_it() -> None:
    assert next_pause(0.4, details({"eta_seconds": 0.3})) == 0.15
    assert next_pause(0.4, details({"eta_seconds": 0})) == MIN_PAUSE
    assert next_pause(0.1, details({"eta_seconds": 30})) == 0.1 * 1.5
    assert next_pause(0.4, details({"eta_seconds": True})) == MAX_PAUSE  # not a number
