"""Watching the server process from outside: peak memory and CPU time, via psutil."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from types import TracebackType

import psutil

SAMPLE_SECONDS = 0.05


def _tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def tree_rss(pid: int) -> int:
    """Resident bytes of the process and all its children, now."""
    total = 0
    for process in _tree(pid):
        try:
            total += process.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


def _own_rss(pids: tuple[int, ...]) -> int:
    """Resident bytes of the processes themselves, children left out."""
    total = 0
    for pid in pids:
        try:
            total += psutil.Process(pid).memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


def tree_cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds used so far by the process and its children."""
    total = 0.0
    for process in _tree(pid):
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


@dataclass
class RssReport:
    baseline_bytes: int
    peak_bytes: int  # the processes and their children (the converter process, its forkserver)
    samples: int
    own_peak_bytes: int = 0  # the processes alone


def trees_rss(pids: tuple[int, ...]) -> int:
    """Resident bytes of several process trees, now."""
    total = 0
    for pid in pids:
        try:
            total += tree_rss(pid)
        except psutil.NoSuchProcess:
            continue
    return total


class RssSampler:
    """Samples the RSS of a process tree (or the sum of several) every ~50 ms on a background
    thread, keeping the peak.

    ``with RssSampler(pid) as sampler: ...`` then ``sampler.report()``.
    """

    def __init__(self, *pids: int, interval: float = SAMPLE_SECONDS) -> None:
        self.pids, self.interval = pids, interval
        self.baseline = self.peak = trees_rss(pids)
        self.own_peak = _own_rss(pids)
        self.samples = 1
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        rss = trees_rss(self.pids)
        self.samples += 1
        self.peak = max(self.peak, rss)
        self.own_peak = max(self.own_peak, _own_rss(self.pids))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def report(self) -> RssReport:
        return RssReport(self.baseline, self.peak, self.samples, self.own_peak)
