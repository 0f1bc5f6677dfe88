"""HTTP transport: a threaded stdlib server (keep-alive) in front of `Simulator`.

The stdlib server gives direct control of the socket, which fault injection needs (drop the
connection, hang, send half a body) and keeps the package free of web-framework dependencies.
"""

from __future__ import annotations

import json
import socket
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from . import faults
from .app import STREAMS, ApiError, Simulator, dumps
from .faults import API_ENDPOINTS, FaultRule, FaultRuleError

LIST_ENDPOINTS = ("/customer", "/call", "/user", "/user-group")


class SimServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, sim: Simulator) -> None:
        super().__init__(address, Handler)
        self.sim = sim


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "callio-sim"
    sys_version = ""
    # A reply is two writes (headers, then body). With Nagle's algorithm on, the second waits for
    # the ACK of the first, which the client delays by ~40 ms: every small keep-alive reply
    # stalled. Real servers do not wait, so neither does the simulator (TCP_NODELAY).
    disable_nagle_algorithm = True

    def date_time_string(self, timestamp=None) -> str:
        # The Date header follows the simulator's clock (`--now`, `--clock-skew`), as a real
        # server's follows its own: a client can learn the server's notion of now from it.
        return super().date_time_string(self.sim.now() / 1000 if timestamp is None else timestamp)

    def log_message(self, format, *args) -> None:  # noqa: A002 - stdlib signature
        pass  # quiet: request lines could carry tokens in query strings of badly written clients

    @property
    def sim(self) -> Simulator:
        return self.server.sim

    # ----- plumbing ----------------------------------------------------------------------------

    def _body(self) -> bytes:
        return self._request_body

    def _send(self, status: int, body: bytes, content_type: str = "application/json; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, value) -> None:
        self._send(status, dumps(value))

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        # always consume the body, even on GET, so a keep-alive connection stays in sync
        length = int(self.headers.get("Content-Length") or 0)
        self._request_body = self.rfile.read(length) if length > 0 else b""
        try:
            if path.startswith("/_sim"):
                self._admin(method, path, params)
            elif path in API_ENDPOINTS:
                with self.sim.answering():
                    self._api(method, path, params)
            else:
                self._json(404, {"message": "Not found"})
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:  # a bug: answer 500 like a real backend would, keep serving
            traceback.print_exc()
            self.close_connection = True
            try:
                self._json(500, {"statusCode": 500, "message": "Internal server error"})
            except OSError:
                pass

    # ----- the Callio API ----------------------------------------------------------------------

    def _api(self, method: str, path: str, params: dict[str, str]) -> None:
        sim = self.sim
        body = self._body() if method == "POST" else b""
        if path == "/auth/login":
            try:
                tenant = sim.tokens.tenant_of_email(json.loads(body or b"{}").get("email", ""))
            except (ValueError, AttributeError):
                tenant = None
            valid = True
        else:
            tenant, valid = sim.tokens.tenant_of_token(self.headers.get("token"))
        rule = sim.faults.pick(path, tenant)
        if rule is not None and self._inject(rule, path, tenant):
            return
        records = 0
        try:
            if path == "/auth/login":
                if method != "POST":
                    raise ApiError(405, "Method not allowed")
                payload = dumps(sim.login(body))
            else:
                if method != "GET":
                    raise ApiError(405, "Method not allowed")
                if not valid or tenant is None:
                    raise ApiError(401, "Unauthorized")
                payload, records = sim.list_page_counted(path, tenant, params)
        except ApiError as err:
            self._hold(sim.latency_s(0))
            sim.count(path, tenant, str(err.status))
            self._json(err.status, {"statusCode": err.status, "message": err.message})
            return
        poisons = sim.faults.poisons(path, tenant) if path in LIST_ENDPOINTS else []
        if poisons:
            payload, hits = faults.poison(payload, path, poisons)
            for rule in poisons:
                rule.fired += bool(hits)
        self._hold(sim.latency_s(records))
        sim.count(path, tenant, "200")
        self._send(200, payload)

    @staticmethod
    def _hold(seconds: float) -> None:
        """The latency model: the network round trip and the backend's time (benchmarks)."""
        if seconds > 0:
            time.sleep(seconds)

    def _inject(self, rule: FaultRule, path: str, tenant: str | None) -> bool:
        """Apply a fault; True when the request is fully handled by it."""
        sim = self.sim
        kind = rule.fault
        if kind == "slow":
            time.sleep(rule.delay)
            return False  # then answer normally
        if kind in ("hang", "drop"):
            if kind == "hang":
                time.sleep(rule.delay)
            sim.count(path, tenant, kind)
            self._drop()
            return True
        if kind == "expire_token":
            sim.tokens.revoke(self.headers.get("token"))
            sim.count(path, tenant, str(rule.status))
            self._json(rule.status, {"statusCode": rule.status, "message": "Token expired"})
            return True
        if kind == "truncate":
            sim.count(path, tenant, "truncate")
            body = self._real_payload(path, tenant)
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self._drop()
            return True
        if kind == "bad_page":
            sim.count(path, tenant, "bad_page")
            self._send(200, faults.bad_page(self._real_payload(path, tenant), rule.shape))
            return True
        if kind == "echo_credentials":
            # some servers quote the request in their error text: the token, a login's password
            sim.count(path, tenant, str(rule.status))
            echoed = {"token": self.headers.get("token")}
            if path == "/auth/login":
                try:
                    echoed.update(json.loads(self._body() or b"{}"))
                except ValueError:
                    pass
            message = "Bad request: " + ", ".join(f"{k}={v}" for k, v in echoed.items() if v)
            self._json(rule.status, {"statusCode": rule.status, "message": message})
            return True
        if kind == "drip":
            sim.count(path, tenant, "drip")
            self._drip(self._real_payload(path, tenant), rule.chunk, rule.delay)
            return True
        if kind == "non_json":
            sim.count(path, tenant, "non_json")
            self._send(200, rule.body.encode() if rule.body else b"<html><body>502 Bad Gateway</body></html>",
                       content_type="text/html")
            return True
        # plain status
        headers = {}
        if rule.retry_after is not None:
            headers["Retry-After"] = str(rule.retry_after)
        sim.count(path, tenant, str(rule.status))
        body = rule.body.encode() if rule.body is not None else dumps(
            {"statusCode": rule.status, "message": "Injected fault"})
        self._send(rule.status, body, headers=headers)
        return True

    def _real_payload(self, path: str, tenant: str | None) -> bytes:
        """The response the request would have had, so a truncated body looks like a real one."""
        try:
            if tenant is not None and path in LIST_ENDPOINTS:
                return self.sim.list_page(path, tenant, dict(parse_qsl(urlsplit(self.path).query)))
        except ApiError:
            pass
        return dumps({"docs": [{"_id": "0" * 24, "name": "truncated"}] * 20, "totalDocs": 20})

    def _drip(self, body: bytes, chunk: int, delay: float) -> None:
        """The whole reply (status line and headers too), `chunk` bytes every `delay` seconds: no
        single read ever waits long, so only a deadline on the whole request ends it."""
        head = (f"HTTP/1.1 200 OK\r\nDate: {self.date_time_string()}\r\n"
                f"Content-Type: application/json; charset=utf-8\r\nContent-Length: {len(body)}\r\n\r\n")
        reply = head.encode() + body
        self.close_connection = True
        try:
            for start in range(0, len(reply), chunk):
                self.wfile.write(reply[start:start + chunk])
                self.wfile.flush()
                time.sleep(delay)
        except OSError:
            pass  # the client gave up

    def _drop(self) -> None:
        """Close the socket without (the rest of) a response."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # ----- admin endpoints ---------------------------------------------------------------------

    def _admin(self, method: str, path: str, params: dict[str, str]) -> None:
        sim = self.sim
        route = path[len("/_sim"):]
        try:
            if route == "/health":
                self._json(200, {"status": "ok", "tenants": list(sim.tenants), "now": sim.now()})
            elif route == "/accounts":
                self._json(200, sim.accounts_report())
            elif route == "/config":
                cfg = sim.cfg
                self._json(200, {"seed": cfg.seed, "tenants": list(cfg.tenants), "now_ms": cfg.now_ms,
                                 "sim_now": sim.now(), "quirks": cfg.quirks, "days": cfg.days,
                                 "customer_days": cfg.customer_days, "latency": sim.latency_model()})
            elif route == "/stats" and method == "GET":
                self._json(200, sim.stats_report())
            elif route == "/stats/reset" and method == "POST":
                sim.reset_stats()
                self._json(200, {"ok": True})
            elif route == "/faults":
                if method == "POST":
                    rules = sim.faults.replace(json.loads(self._body() or b"[]"))
                    self._json(200, {"rules": [r.describe() for r in rules]})
                elif method == "DELETE":
                    sim.faults.clear()
                    self._json(200, {"rules": []})
                else:
                    self._json(200, {"rules": sim.faults.describe()})
            elif route == "/mutate" and method == "POST":
                self._json(200, sim.mutate(json.loads(self._body() or b"{}")))
            elif route.startswith("/truth/") and method == "GET":
                self._truth(route)
            else:
                self._json(404, {"message": "Not found"})
        except FaultRuleError as err:
            self._json(400, {"message": str(err)})
        except ApiError as err:
            self._json(err.status, {"message": err.message})
        except ValueError as err:
            self._json(400, {"message": f"bad request: {err}"})

    def _truth(self, route: str) -> None:
        parts = route.split("/")
        if len(parts) != 4 or parts[2] not in self.sim.tenants or parts[3] not in STREAMS:
            self._json(404, {"message": "use /_sim/truth/<tenant>/<customers|calls|staff|groups>"})
            return
        records = self.sim.truth(parts[2], parts[3])
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson; charset=utf-8")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        batch = []
        for record in records:
            batch.append(dumps(record))
            if len(batch) >= 1000:
                self.wfile.write(b"\n".join(batch) + b"\n")
                batch = []
        if batch:
            self.wfile.write(b"\n".join(batch) + b"\n")


def serve(sim: Simulator, host: str, port: int) -> SimServer:
    return SimServer((host, port), sim)
