"""A tiny Callio look-alike serving a fixed set of bad records (the simulator never serves
records that cannot be repaired, nor duplicates, odd Unicode or huge strings on purpose).

It speaks the Callio envelope and honours what the tap relies on: token header, from/to on
createTime (/call), fromUpdateTime/toUpdateTime (/customer), sort ASC/DESC, page and pageSize.
Records whose time key cannot be read head every query whose range holds `newest_ms` (the
newest slice), so offset pages stay consistent and older slices never see them.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
import urllib.parse

TOKEN = "stub-api-token-7f3a"


def number(value):
    try:
        return int(float(str(value)))
    except (TypeError, ValueError):
        return None


class BadApi:
    def __init__(self, calls, customers, staff, groups, newest_ms):
        self.data = {"/call": (calls, "createTime", ("from", "to")),
                     "/customer": (customers, "updateTime", ("fromUpdateTime", "toUpdateTime")),
                     "/user": (staff, None, None), "/user-group": (groups, None, None)}
        self.newest_ms = newest_ms
        self.requests = 0

    def page(self, path, query):
        docs, key, (low_name, high_name) = (self.data[path][0], self.data[path][1], self.data[path][2] or (None, None))
        page, size = int(query.get("page", "1")), int(query.get("pageSize", "10"))
        if key is None:
            chosen = list(docs)
        else:
            low, high = number(query.get(low_name)), number(query.get(high_name))
            keyed = [d for d in docs if isinstance(d, dict) and number(d.get(key)) is not None]
            chosen = [d for d in keyed if (low is None or number(d[key]) >= low) and (high is None or number(d[key]) <= high)]
            chosen.sort(key=lambda d: number(d[key]), reverse=not query.get("sort", "DESC").endswith("ASC"))
            unreadable = [d for d in docs if d not in keyed]
            if (high is None or high >= self.newest_ms) and (low is None or low <= self.newest_ms):
                chosen = unreadable + chosen
        window = chosen[(page - 1) * size: page * size]
        pages = max(1, -(-len(chosen) // size))
        return {"docs": window, "totalDocs": len(chosen), "totalPages": pages, "page": str(page), "limit": str(size),
                "pagingCounter": (page - 1) * size + 1, "hasPrevPage": page > 1, "hasNextPage": page < pages,
                "prevPage": page - 1 or None, "nextPage": str(page) + "1" if page < pages else None}


@contextlib.contextmanager
def serving(api: BadApi):
    class Handler(http.server.BaseHTTPRequestHandler):
        def reply(self, status, payload):
            body = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):  # /auth/login is not used: the account has a static token
            self.reply(401, {"statusCode": 401, "message": "Unauthorized"})

        def do_GET(self):
            api.requests += 1
            url = urllib.parse.urlsplit(self.path)
            if self.headers.get("token") != TOKEN:
                return self.reply(401, {"statusCode": 401, "message": "Unauthorized"})
            if url.path not in api.data:
                return self.reply(404, {"statusCode": 404, "message": "Not found"})
            self.reply(200, api.page(url.path, dict(urllib.parse.parse_qsl(url.query))))

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
