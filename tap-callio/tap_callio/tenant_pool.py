"""Tenants read side by side, one Singer stream out.

Each tenant of a stream is read by its own worker thread (at most
``tenant_concurrency`` at a time): requests, back-off and parsing happen there,
so one tenant's retries or ``Retry-After`` waits slow that tenant only.  Workers
hand what they read (records and "slice done" markers, in order) to one bounded
queue; the main thread drains it and writes every message.  The SDK's writer is
not thread-safe and its state handling is not either, so nothing but the main
thread writes to stdout or touches the state, and a tenant's bookmark moves only
when the main thread has written every record before its marker.

The bounded queue keeps memory flat: a worker that runs ahead of the writer
waits (see ``QUEUE_BATCHES_PER_WORKER``).
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import typing as t

import requests

# Batches (of up to a page of records each) a worker may have waiting per slot.
QUEUE_BATCHES_PER_WORKER = 4
# How often a blocked thread looks up to see whether the pool was closed.
POLL_S = 0.2


@dataclasses.dataclass(frozen=True)
class Finished:
    """The tenant's reader returned: nothing more will come from it."""


@dataclasses.dataclass(frozen=True)
class Crashed:
    """The tenant's reader raised (readers isolate their failures, so this is a bug)."""

    error: BaseException


class PoolClosed(Exception):
    """Raised inside a worker when the pool was closed under it."""


class TenantPool:
    """Runs ``read(tenant)`` for every tenant in worker threads and yields, in the
    calling (main) thread, ``(tenant, batch)`` pairs in the order they were read."""

    def __init__(
        self,
        tenants: t.Sequence[str],
        read: t.Callable[[str], t.Iterator[t.Any]],
        *,
        concurrency: int,
        batch_size: int,
        is_marker: t.Callable[[t.Any], bool],
    ) -> None:
        self.tenants = list(tenants)
        self._read = read
        self._batch_size = max(1, batch_size)
        self._is_marker = is_marker
        self._slots = max(1, min(concurrency, len(self.tenants)))
        self._todo: queue.SimpleQueue[str] = queue.SimpleQueue()
        for tenant in self.tenants:
            self._todo.put(tenant)
        self._out: queue.Queue[tuple[str, t.Any]] = queue.Queue(maxsize=QUEUE_BATCHES_PER_WORKER * self._slots)
        self._closed = threading.Event()
        self._finished: set[str] = set()
        self.handed_over: set[str] = set()  # tenants whose partition the SDK has finished
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for number in range(self._slots):
            # daemon: a signal or an abort in the main thread must not wait for a request in flight
            thread = threading.Thread(target=self._work, name=f"tenant-reader-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def drain_until(self, tenant: str) -> t.Iterator[tuple[str, list]]:
        """Yield every tenant's batches as they arrive until ``tenant`` is finished."""
        while tenant not in self._finished:
            try:
                who, payload = self._out.get(timeout=POLL_S)
            except queue.Empty:
                continue
            if isinstance(payload, Finished):
                self._finished.add(who)
            elif isinstance(payload, Crashed):
                self._finished.add(who)
                raise payload.error
            else:
                yield who, payload

    def close(self) -> None:
        """Stop the workers (they leave at their next page); does not wait for requests in flight."""
        self._closed.set()

    # -- worker threads ----------------------------------------------------------

    def _work(self) -> None:
        while not self._closed.is_set():
            try:
                tenant = self._todo.get_nowait()
            except queue.Empty:
                return
            try:
                self._read_one(tenant)
            except PoolClosed:
                return

    def _read_one(self, tenant: str) -> None:
        batch: list = []
        items = self._read(tenant)
        try:
            for item in items:
                batch.append(item)
                if len(batch) >= self._batch_size or self._is_marker(item):
                    self._put(tenant, batch)
                    batch = []
            if batch:
                self._put(tenant, batch)
            self._put(tenant, Finished())
        except PoolClosed:
            raise
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            self._put(tenant, Crashed(exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # the reader's own clean-up (its run summary) runs in this thread

    def _put(self, tenant: str, payload: t.Any) -> None:
        while True:
            if self._closed.is_set():
                raise PoolClosed
            try:
                self._out.put((tenant, payload), timeout=POLL_S)
            except queue.Full:
                continue
            return


class TenantSessions:
    """One HTTP session per tenant for the whole run (keep-alive across streams).
    A tenant is read by one worker at a time, so its session is never shared
    between threads at once."""

    def __init__(self) -> None:
        self._sessions: dict[str, requests.Session] = {}
        self._lock = threading.Lock()

    def get(self, tenant: str) -> requests.Session:
        with self._lock:
            session = self._sessions.get(tenant)
            if session is None:
                session = self._sessions[tenant] = requests.Session()
            return session
