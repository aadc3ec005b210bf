"""Teams' limits as arithmetic: per-conversation windows, tenant pacing, retry and backoff."""

from __future__ import annotations

import itertools
import random

import pytest

from bot.domain.throttle import (
    CONVERSATION_WINDOWS,
    Outcome,
    RetryPolicy,
    Window,
    classify,
    conversation_wait,
    reserve_slot,
    tenant_interval,
)


def most_in_any_window(times: list[float], seconds: float) -> int:
    """The most sends in any half-open stretch `(t - seconds, t]`."""
    ordered = sorted(times)
    best = 0
    start = 0
    for end, t in enumerate(ordered):
        while ordered[start] <= t - seconds:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_an_idle_conversation_needs_no_wait() -> None:
    assert conversation_wait([], 100.0) == 0.0
    assert conversation_wait([99.5] * 6, 100.0) == 0.0


def test_the_eighth_message_in_a_second_waits_for_the_oldest_to_leave_the_window() -> None:
    sent = [100.0 + i * 0.01 for i in range(7)]
    wait = conversation_wait(sent, 100.1, margin=0.0)
    assert wait == pytest.approx(0.9)  # the first of the seven is 1 s old at 101.0


def test_eight_in_two_seconds() -> None:
    sent = [100.0 + i * 0.2 for i in range(8)]  # never 7 in a second, 8 within 1.4 s
    assert conversation_wait(sent, 101.5, windows=[Window(7, 1)], margin=0.0) == 0.0
    assert conversation_wait(sent, 101.5, margin=0.0) == pytest.approx(0.5)


def test_sixty_in_thirty_seconds_and_1800_an_hour() -> None:
    sixty = [100.0 + i * 0.45 for i in range(60)]
    assert conversation_wait(sixty, 127.0, margin=0.0) == pytest.approx(3.0)
    hour = [100.0 + i * 2.0 for i in range(1800)]
    assert conversation_wait(hour, 3700.0, margin=0.0) == pytest.approx(0.0)
    assert conversation_wait(hour, 3699.0, margin=0.0) == pytest.approx(1.0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_greedy_sender_that_waits_as_told_never_breaks_any_window(seed: int) -> None:
    rng = random.Random(seed)
    now, sent = 0.0, []
    for _ in range(400):
        now += rng.choice([0.0, 0.0, 0.01, 0.3, 2.0])  # bursts and pauses
        now += conversation_wait(sent, now)
        sent.append(now)
    for window in CONVERSATION_WINDOWS:
        assert most_in_any_window(sent, window.seconds) <= window.count


def test_tenant_slots_are_evenly_spaced_however_many_workers_take_them() -> None:
    interval = tenant_interval(47)
    next_free: float | None = None
    starts = []
    # Three workers asking in turn at slightly different wall-clock moments.
    for i, worker_now in zip(range(200), itertools.cycle([10.0, 10.001, 10.002]), strict=False):
        start, next_free = reserve_slot(next_free, worker_now + i * 0.001, interval)
        starts.append(start)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= interval - 1e-9
    # Evenly spaced at 1/47 s: 47 slots a second, 48 if one falls on each edge; Teams allows 50.
    assert most_in_any_window(starts, 1.0) <= 48


def test_an_idle_tenant_starts_now() -> None:
    assert reserve_slot(5.0, 9.0, 0.02) == (9.0, 9.02)
    assert reserve_slot(None, 9.0, 0.02) == (9.0, 9.02)
    assert reserve_slot(9.5, 9.0, 0.02) == (9.5, 9.52)


def test_the_rate_never_exceeds_teams_limit() -> None:
    assert tenant_interval(80) == pytest.approx(1 / 50)
    assert tenant_interval(40) == pytest.approx(1 / 40)
    with pytest.raises(ValueError):
        tenant_interval(0)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (429, Outcome.RETRY),
        (412, Outcome.RETRY),
        (401, Outcome.RETRY),
        (408, Outcome.RETRY),
        (502, Outcome.RETRY),
        (503, Outcome.RETRY),
        (504, Outcome.RETRY),
        (None, Outcome.RETRY),
        (403, Outcome.BLOCKED),
        (404, Outcome.BLOCKED),
        (400, Outcome.FAILED),
        (413, Outcome.FAILED),
    ],
)
def test_what_each_answer_means(status: int | None, outcome: Outcome) -> None:
    assert classify(status) is outcome


def test_retry_after_is_honoured() -> None:
    policy = RetryPolicy()
    assert policy.delay(429, 7.0, 1, lambda: 0.99) == 7.0
    assert policy.delay(503, 3.0, 2, lambda: 0.0) == 3.0


def test_without_retry_after_the_backoff_doubles_with_jitter() -> None:
    policy = RetryPolicy(base=2.0, cap=600.0)
    lows = [policy.delay(503, None, n, lambda: 0.0) for n in range(1, 6)]
    highs = [policy.delay(503, None, n, lambda: 0.999999) for n in range(1, 6)]
    assert lows == [1.0, 2.0, 4.0, 8.0, 16.0]  # half the backoff at least
    assert highs == pytest.approx([2.0, 4.0, 8.0, 16.0, 32.0], rel=1e-5)
    rng = random.Random(7)
    spread = {policy.delay(503, None, 3, rng.random) for _ in range(20)}
    assert len(spread) > 1  # jitter: retries from many messages do not march together


def test_backoff_is_capped() -> None:
    policy = RetryPolicy(max_attempts=30, base=2.0, cap=60.0)
    assert policy.delay(502, None, 20, lambda: 0.999999) == pytest.approx(60.0, rel=1e-5)
    assert policy.delay(429, 5000.0, 1, lambda: 0.0) == 60.0


def test_retries_are_bounded_and_429_has_its_own_bound() -> None:
    policy = RetryPolicy(max_attempts=3, max_throttled=5)
    assert policy.delay(503, None, 2, lambda: 0.5) is not None
    assert policy.delay(503, None, 3, lambda: 0.5) is None
    assert policy.delay(429, 1.0, 4, lambda: 0.5) == 1.0
    assert policy.delay(429, 1.0, 5, lambda: 0.5) is None
