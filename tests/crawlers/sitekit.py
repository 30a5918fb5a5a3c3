"""A throw-away web site for crawl tests: a threaded HTTP server on 127.0.0.1 (a free port) whose every GET is
answered by ``page(path) -> (status, body, content type)``; ``/robots.txt`` allows everything unless ``page``
answers it."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

ROBOTS = (200, b"User-agent: *\nAllow: /\n", "text/plain")
HTML = "text/html; charset=utf-8"


class LocalSite:
    def __init__(self, page: Callable[[str], tuple[int, bytes, str] | None]):
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                answer = page(self.path)
                if answer is None:
                    answer = ROBOTS if self.path == "/robots.txt" else (404, b"not found", "text/plain")
                status, body, ctype = answer
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
