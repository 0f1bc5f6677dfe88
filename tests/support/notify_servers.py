"""Local servers that receive what orchestrate.notify sends through apprise, for the tests:

- an HTTP server taking apprise's ``json://`` posts (a webhook, as Slack or a Zalo bridge would be);
- an SMTP server (aiosmtpd, pinned) taking ``mailto://`` mail, with a login, so a leaked SMTP
  password would show in what is checked;
- a server that accepts connections and never answers (a notifier that hangs).
"""

from __future__ import annotations

import contextlib
import dataclasses
import email
import json
import socket
import threading
from collections.abc import Iterator
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

SMTP_USER, SMTP_PASSWORD = "etl-alerts", "Smtp-Secret-4242"
HOOK_TOKEN = "hook-Token-9911"  # a secret in the webhook's path, as many webhook URLs carry


@dataclasses.dataclass
class Received:
    channel: str  # "json" or "mail"
    title: str
    body: str


class NotifyServers:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self._lock = threading.Lock()

    def add(self, channel: str, title: str, body: str) -> None:
        with self._lock:
            self.received.append(Received(channel, title, body))

    def urls(self) -> str:
        """CALLIO_NOTIFY_URLS for both servers (secrets in both, as real ones carry)."""
        return (f"json://127.0.0.1:{self.http_port}/{HOOK_TOKEN} "
                f"mailto://{SMTP_USER}:{SMTP_PASSWORD}@example.com?smtp=127.0.0.1&port={self.smtp_port}"
                "&mode=insecure&from=etl@example.com&to=ops@example.com")

    def secrets(self) -> list[str]:
        return [SMTP_PASSWORD, HOOK_TOKEN]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_notify_servers() -> Iterator[NotifyServers]:
    servers = NotifyServers()

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            data = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            servers.add("json", data.get("title", ""), data.get("message", ""))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    class Mailbox:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            message = email.message_from_bytes(envelope.content, policy=default_policy)
            part = message.get_body(preferencelist=("plain", "html"))
            servers.add("mail", str(message["Subject"]), part.get_content() if part else "")
            return "250 OK"

    def authenticate(server, session, envelope, mechanism, data):
        return AuthResult(success=(data.login, data.password) == (SMTP_USER.encode(), SMTP_PASSWORD.encode()))

    http = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    servers.http_port = http.server_address[1]
    servers.smtp_port = free_port()
    smtp = Controller(Mailbox(), hostname="127.0.0.1", port=servers.smtp_port, authenticator=authenticate,
                      auth_require_tls=False)
    smtp.start()
    try:
        yield servers
    finally:
        smtp.stop()
        http.shutdown()


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never answers: a notifier that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
