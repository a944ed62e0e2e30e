"""The embedded worker's garbage-collector settings (its latency effect is measured in bench/)."""

from __future__ import annotations

import gc

from bulkwrite.worker.embedded import GC_YOUNG_THRESHOLD, tune_gc


def test_tune_gc_freezes_the_start_up_heap_once_and_raises_the_young_threshold() -> None:
    before = gc.get_threshold()
    try:
        tune_gc()
        frozen = gc.get_freeze_count()
        assert frozen > 0
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, before[1], before[2])
        garbage_later = [[i] for i in range(1000)]
        tune_gc()
        assert gc.get_freeze_count() == frozen, "a second start freezes nothing more"
        assert len(garbage_later) == 1000
    finally:
        gc.set_threshold(*before)
