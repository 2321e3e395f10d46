"""A loopback graph host and CDN for bench/images.sh's whole-CLI benchmark.

usage: python3 fake_graph.py PHOTOS_DIR PORT_FILE

Serves every PHOTOS_DIR/*.jpg as one IMAGE post, newest first, through
`/me/media` pages of at most `limit` posts linked by `paging.next` (as the
live host pages), answers `/refresh_access_token`, and serves the photo bytes
under `/cdn/`. Writes the port it listens on to PORT_FILE. Benchmark support
only: the tests' fake (tests/integration/support) is the one that models the
host's errors, limits and quirks.
"""

import json
import os
import sys
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

photos_dir, port_file = sys.argv[1], sys.argv[2]
names = sorted(f for f in os.listdir(photos_dir) if f.endswith(".jpg"))
start = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


def post(i, name, base):
    when = (start - timedelta(hours=i)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    return {
        "id": str(17900000000000000 + i),
        "caption": f"Photo {i} #bench",
        "media_type": "IMAGE",
        "media_url": f"{base}/cdn/{name}",
        "permalink": f"https://www.instagram.com/p/bench{i}/",
        "timestamp": when,
        "username": "bench",
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, kind):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        base = f"http://{self.headers['Host']}"
        if url.path.startswith("/cdn/"):
            name = os.path.basename(url.path)
            with open(os.path.join(photos_dir, name), "rb") as f:
                return self.send(200, f.read(), "image/jpeg")
        if url.path.endswith("/media"):
            limit = int(query.get("limit", "25"))
            after = int(query.get("after", "0"))
            page = [post(i, n, base) for i, n in enumerate(names)][after : after + limit]
            body = {"data": page, "paging": {"cursors": {"before": str(after), "after": str(after + len(page))}}}
            if after + len(page) < len(names):
                query["after"] = str(after + len(page))
                body["paging"]["next"] = f"{base}{url.path}?{urlencode(query)}"
            return self.send(200, json.dumps(body).encode(), "application/json")
        if url.path == "/refresh_access_token":
            body = {"access_token": query.get("access_token", ""), "token_type": "bearer", "expires_in": 5183944}
            return self.send(200, json.dumps(body).encode(), "application/json")
        if url.path in ("/me", "/v25.0/me"):
            return self.send(200, json.dumps({"id": "1784", "user_id": "1784", "username": "bench"}).encode(), "application/json")
        self.send(404, b'{"error":{"message":"Unknown path","type":"OAuthException","code":100}}', "application/json")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file, "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
