"""The import's batch writer: order, errors and stopping, with and without its thread."""

from __future__ import annotations

import threading
import time

import pytest

from incident_desk.imports.pipeline import BatchWriter


@pytest.mark.parametrize("threaded", [True, False])
def test_batches_run_in_order_and_are_counted(threaded: bool) -> None:
    log: list[int] = []
    writer = BatchWriter(threaded)
    try:
        for n in range(20):
            writer.submit([lambda n=n: log.append(n), lambda n=n: log.append(-n)], 10)
        writer.finish()
    finally:
        writer.close()
    assert log == [x for n in range(20) for x in (n, -n)]
    assert writer.done == 200


def test_steps_run_on_another_thread_one_at_a_time() -> None:
    threads: set[str] = set()
    running = []
    overlap = []

    def step() -> None:
        running.append(1)
        overlap.append(len(running) > 1)
        threads.add(threading.current_thread().name)
        time.sleep(0.002)
        running.pop()

    writer = BatchWriter(True)
    for _ in range(10):
        writer.submit([step, step], 1)
    writer.finish()
    assert threads == {"import-writer"} and not any(overlap)


@pytest.mark.parametrize("threaded", [True, False])
def test_an_error_reaches_the_caller_and_later_batches_are_not_run(threaded: bool) -> None:
    log: list[int] = []

    def boom() -> None:
        raise ValueError("batch 3 failed")

    writer = BatchWriter(threaded)
    with pytest.raises(ValueError, match="batch 3 failed"):
        try:
            for n in range(50):
                writer.submit([boom] if n == 3 else [lambda n=n: log.append(n)], 1)
                time.sleep(0.001)
            writer.finish()
        finally:
            writer.close()
    assert log == [0, 1, 2]
    assert writer.done == 3


def test_close_stops_a_busy_writer_without_finishing_its_queue() -> None:
    started = threading.Event()
    release = threading.Event()
    log: list[str] = []

    def slow() -> None:
        started.set()
        release.wait(5)
        log.append("slow")

    writer = BatchWriter(True)
    writer.submit([slow, lambda: log.append("after slow")], 1)
    writer.submit([lambda: log.append("queued")], 1)
    started.wait(5)
    threading.Timer(0.05, release.set).start()
    writer.close()  # as after Cancel: waits for the step under way, runs nothing more
    assert log == ["slow"]
    assert writer.done == 0
