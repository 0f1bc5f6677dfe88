"""The one retry policy of the tap (streams and login alike), and the total deadline of a request.

Policy: up to ``max_retries`` retries; the n-th waits ``retry_base_delay_s * 2**n`` seconds with
jitter (half to full), a ``Retry-After`` header (seconds) wins, and no wait exceeds
``retry_max_delay_s``.

Deadline: ``requests`` only bounds each socket read, so a server that drips its reply a byte at a
time never times out.  :func:`send_within` runs the request in a helper thread and gives up once
``deadline_s`` has passed for the whole request (connect, headers and body), raising
:class:`DeadlineExceeded`, a ``requests`` timeout, which the policy retries like any other.
"""

from __future__ import annotations

import dataclasses
import random
import socket
import threading
import typing as t

import requests

from tap_callio.settings import setting

RETRIABLE_STATUS = frozenset({429, 500, 502, 503, 504})


class DeadlineExceeded(requests.exceptions.Timeout):
    """The whole request took longer than its deadline (a dripping or stalled server)."""


def retry_after_seconds(exc: BaseException | None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (seconds form only)."""
    response = getattr(exc, "response", None)
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    max_retries: int
    base_delay_s: float
    max_delay_s: float

    @classmethod
    def from_config(cls, config: t.Mapping[str, t.Any]) -> RetryPolicy:
        # the defaults live in the settings schema (settings.py): setting() falls back to them
        return cls(
            max_retries=int(setting(config, "max_retries")),
            base_delay_s=float(setting(config, "retry_base_delay_s")),
            max_delay_s=float(setting(config, "retry_max_delay_s")),
        )

    @property
    def max_tries(self) -> int:
        return self.max_retries + 1

    def delay(self, attempt: int, exc: BaseException | None) -> float:
        """Seconds to wait before retry number ``attempt + 1`` after ``exc``."""
        asked = retry_after_seconds(exc)
        if asked is not None:
            return min(asked, self.max_delay_s)
        return min(self.max_delay_s, self.base_delay_s * (2**attempt)) * random.uniform(0.5, 1.0)  # noqa: S311

    def wait_generator(self) -> t.Generator[float, t.Any, None]:
        """For ``backoff.on_exception``: it sends each exception in and takes the wait out."""
        exc = yield  # type: ignore[misc]
        attempt = 0
        while True:
            wait = self.delay(attempt, exc)
            attempt += 1
            exc = yield wait


def send_within(
    session: requests.Session, request: requests.PreparedRequest, deadline_s: float, **kwargs: t.Any
) -> requests.Response:
    """``session.send(request)`` that takes at most ``deadline_s`` seconds in total."""
    outcome: dict[str, t.Any] = {}

    def send() -> None:
        try:
            response = session.send(request, timeout=deadline_s, stream=True, **kwargs)
            outcome["response"] = response
            response.content  # noqa: B018 - read the body here, inside the deadline
        except BaseException as exc:  # noqa: BLE001 - handed over to the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=send, name="callio-request", daemon=True)
    worker.start()
    worker.join(deadline_s)
    if worker.is_alive():
        _abort(outcome.get("response"))
        msg = f"no complete reply within the {deadline_s:g} s deadline"
        raise DeadlineExceeded(msg)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["response"]


def _abort(response: requests.Response | None) -> None:
    """Shut the socket of a reply still dripping in, so its thread ends now; before the headers
    arrived there is no handle on it, and the thread ends with the server's reply or the process."""
    sock = getattr(getattr(getattr(response, "raw", None), "_connection", None), "sock", None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
