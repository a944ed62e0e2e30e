"""The one retry policy (``bulkwrite/retry.py``): pauses, patience, what is retried."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bulkwrite.retry import FIRST_PAUSE, LONGEST_PAUSE, pauses, persist, persist_async


class Away(Exception):
    """Stands for a database out of reach."""


def transient(exc: BaseException) -> bool:
    return isinstance(exc, Away)


def test_the_pauses_double_up_to_the_longest() -> None:
    assert list(itertools.islice(pauses(), 8)) == [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0]
    assert (FIRST_PAUSE, LONGEST_PAUSE) == (0.1, 5.0)


def test_an_attempt_is_tried_again_with_its_number_until_it_succeeds() -> None:
    seen: list[int] = []
    told: list[float] = []

    def attempt(again: int) -> str:
        seen.append(again)
        if again < 2:
            raise Away()
        return "done"

    result = persist(attempt, transient, 60, lambda exc, pause: told.append(pause))
    assert (result, seen) == ("done", [0, 1, 2])
    assert told == pytest.approx([0.1, 0.2])


def test_an_error_that_is_not_transient_is_raised_at_once() -> None:
    calls: list[int] = []

    def attempt(again: int) -> None:
        calls.append(again)
        raise ValueError("bad")

    with pytest.raises(ValueError):
        persist(attempt, transient, 60)
    assert calls == [0]


def test_no_attempt_starts_after_the_patience() -> None:
    calls: list[int] = []

    def attempt(again: int) -> None:
        calls.append(again)
        raise Away()

    with pytest.raises(Away):
        persist(attempt, transient, 0.25)  # 0.1 + 0.2 would end past it
    assert calls == [0, 1]


def test_the_async_form_retries_the_same_way() -> None:
    calls: list[int] = []

    async def call() -> int:
        calls.append(1)
        if len(calls) < 3:
            raise Away()
        return len(calls)

    assert asyncio.run(persist_async(call, transient, None)) == 3


def test_the_async_form_takes_any_callable_returning_an_awaitable() -> None:
    """As the worker calls it: a lambda that returns a coroutine (awaited, not dropped)."""
    calls: list[str] = []

    async def step(name: str) -> str:
        calls.append(name)
        return name

    assert asyncio.run(persist_async(lambda: step("heartbeat"), transient, 10)) == "heartbeat"
    assert calls == ["heartbeat"]
