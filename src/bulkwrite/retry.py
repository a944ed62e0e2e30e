"""One retry policy for waiting out a database that went away (a restart, a failover).

Every loop that must outlast an outage pauses the same way — 0.1 s, doubling, at most 5 s —
for up to a patience in seconds, then gives up by raising what it last met: a job's steps
(``services/run/runner.py``), and the distributed worker's bookkeeping calls, its LISTEN
connection and the restarts of procrastinate's worker (``worker/distributed.py``). The pauses
are tenacity's; what counts as an outage is the caller's to say.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import tenacity

T = TypeVar("T")
#: The first pause, and the longest: the pauses double in between.
FIRST_PAUSE, LONGEST_PAUSE = 0.1, 5.0
Transient = Callable[[BaseException], bool]
OnPause = Callable[[BaseException, float], None]


def pauses() -> Iterator[float]:
    """The pauses of the policy, one per failed attempt: 0.1, 0.2, 0.4 … 5, 5 …"""
    pause = FIRST_PAUSE
    while True:
        yield pause
        pause = min(pause * 2, LONGEST_PAUSE)


def _wait() -> tenacity.wait.wait_base:
    return tenacity.wait_exponential(multiplier=FIRST_PAUSE, exp_base=2, max=LONGEST_PAUSE)


def _report(on_pause: OnPause | None) -> Callable[[tenacity.RetryCallState], None]:
    def before_sleep(state: tenacity.RetryCallState) -> None:
        if on_pause is not None and state.outcome is not None and state.next_action is not None:
            error = state.outcome.exception()
            if error is not None:
                on_pause(error, state.next_action.sleep)

    return before_sleep


def persist(
    attempt: Callable[[int], T],
    transient: Transient,
    patience: float,
    on_pause: OnPause | None = None,
) -> T:
    """``attempt(0)``, then ``attempt(1)``… after the policy's pauses while it raises what
    ``transient`` accepts, as long as the next attempt would start within ``patience``
    seconds of the first; then that error is raised. ``on_pause(error, seconds)`` is told of
    each pause."""
    tries = itertools.count()
    retryer = tenacity.Retrying(
        retry=tenacity.retry_if_exception(transient),
        wait=_wait(),
        stop=tenacity.stop_before_delay(patience),
        before_sleep=_report(on_pause),
        reraise=True,
    )
    return retryer(lambda: attempt(next(tries)))


async def persist_async(
    call: Callable[[], Awaitable[T]],
    transient: Transient,
    patience: float | None,
    on_pause: OnPause | None = None,
) -> T:
    """``persist`` of a coroutine function; ``patience`` None: for as long as it takes."""
    stop = tenacity.stop_never if patience is None else tenacity.stop_before_delay(patience)
    retryer = tenacity.AsyncRetrying(
        retry=tenacity.retry_if_exception(transient),
        wait=_wait(),
        stop=stop,
        before_sleep=_report(on_pause),
        reraise=True,
    )

    async def attempt() -> T:  # tenacity awaits only what a coroutine function returns
        return await call()

    return await retryer(attempt)
