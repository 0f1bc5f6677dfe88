"""A tiny stand-in for the BigQuery REST API, enough for `dbt compile` to run offline.

dbt-bigquery lists the tables of the target dataset (to know whether an incremental model
already exists) before compiling. This stub answers that listing from --existing (so the
incremental branches can be compiled too) and 404s everything else. It runs no SQL: it only
lets dbt render every model's BigQuery SQL without a network or credentials.

    python scripts/bq_stub_server.py --port-file /tmp/port --existing call_log,customer
"""

from __future__ import annotations

import argparse
import json
import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

LIST_TABLES = re.compile(r"^/bigquery/v2/projects/([^/]+)/datasets/([^/]+)/tables/?$")
GET_TABLE = re.compile(r"^/bigquery/v2/projects/([^/]+)/datasets/([^/]+)/tables/([^/]+)$")


def make_handler(existing: set[str]):
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _table(self, project: str, dataset: str, table: str) -> dict:
            return {"kind": "bigquery#table", "id": f"{project}:{dataset}.{table}", "type": "TABLE",
                    "tableReference": {"projectId": project, "datasetId": dataset, "tableId": table}}

        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            path = self.path.split("?", 1)[0]
            if match := LIST_TABLES.match(path):
                project, dataset = match.groups()
                tables = [self._table(project, dataset, t) for t in sorted(existing)]
                self._send(200, {"kind": "bigquery#tableList", "tables": tables, "totalItems": len(tables)})
            elif (match := GET_TABLE.match(path)) and match.group(3) in existing:
                self._send(200, self._table(*match.groups()))
            else:
                self._send(404, {"error": {"code": 404, "message": f"Not found: {path}", "status": "NOT_FOUND"}})

        def do_POST(self) -> None:  # noqa: N802
            self._send(404, {"error": {"code": 404, "message": "the stub runs no jobs", "status": "NOT_FOUND"}})

        def log_message(self, *args) -> None:  # keep the check's output quiet
            pass

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port-file", type=Path, required=True, help="where to write the chosen port")
    parser.add_argument("--existing", default="", help="comma-separated table names reported as existing")
    args = parser.parse_args()
    existing = {t for t in args.existing.split(",") if t}
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(existing))
    args.port_file.write_text(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
