"""Test-only Elasticsearch node class (never used in product code or against a real cluster).

The 8.x/9.x client sends ``application/vnd.elasticsearch+json; compatible-with=N``; the in-memory
OpenSearch-compatible test server (osmem-server) answers 406 to that, so this node sends plain JSON instead.
``yuqing bench store`` loads it from here only when it falls back to osmem-server.
"""

from __future__ import annotations

from elastic_transport import Urllib3HttpNode


class PlainJsonNode(Urllib3HttpNode):
    def perform_request(self, method, target, body=None, request_timeout=None, headers=None):
        if headers:
            headers = headers.copy()
            for key in ("accept", "content-type"):
                value = headers.get(key)
                if value and "vnd.elasticsearch" in value:
                    headers[key] = "application/x-ndjson" if "x-ndjson" in value else "application/json"
        return super().perform_request(method, target, body=body, request_timeout=request_timeout, headers=headers)
