"""The faults site: each bad page fails the way it claims to, good pages stay good, stop() is never stuck."""

from __future__ import annotations

import http.client
import socket
import threading
import urllib.error
import urllib.request

import pytest
from lxml import html as lhtml

from yuqing.crawlers.sample_sites.server import serve
from yuqing.crawlers.sample_sites.faults import FAULTS


@pytest.fixture()
def site():
    s = serve(port=0, seed=42, faults=True, live=False, fault_timeout=5, fault_slow=0.3).start()
    yield s
    s.stop()


def raw_get(site, path: str, timeout: float = 10) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=timeout)
    conn.request("GET", path)
    return conn.getresponse()


def test_index_links_every_expected_page(site):
    exp = site.expected()["faults"]
    doc = lhtml.fromstring(urllib.request.urlopen(site.base_url + "/faults/index.html").read().decode())
    links = {site.base_url + h for h in doc.xpath("//a/@href")}
    assert links == {e["url"] for e in exp}
    kinds = {e["kind"] for e in exp}
    assert {k for _, k, _, _ in FAULTS} | {"good"} == kinds
    assert sum(e["expect"] == "store" for e in exp) == 7  # six good pages plus the slow one


def test_good_and_slow_pages_are_stored_content(site):
    for e in site.expected()["faults"]:
        if e["expect"] != "store":
            continue
        resp = raw_get(site, e["url"][len(site.base_url):])
        body = resp.read().decode("utf-8")
        assert resp.status == 200 and e["title"] in body


def test_error_statuses(site):
    for path, code in (("/faults/missing.html", 404), ("/faults/error.html", 500)):
        resp = raw_get(site, path)
        body = resp.read()
        assert resp.status == code and int(resp.getheader("Content-Length")) == len(body)


def test_timeout_page_outlasts_a_client_timeout(site):
    with pytest.raises((socket.timeout, TimeoutError)):
        raw_get(site, "/faults/timeout.html", timeout=0.5).read()


def test_redirect_loop(site):
    resp = raw_get(site, "/faults/loop/a.html")
    assert resp.status == 302 and resp.getheader("Location") == "/faults/loop/b.html"
    resp.read()
    resp = raw_get(site, "/faults/loop/b.html")
    assert resp.status == 302 and resp.getheader("Location") == "/faults/loop/a.html"
    with pytest.raises(urllib.error.HTTPError, match="infinite loop"):
        urllib.request.urlopen(site.base_url + "/faults/loop/a.html", timeout=10)


def test_truncated_page(site):
    resp = raw_get(site, "/faults/truncated.html")
    declared = int(resp.getheader("Content-Length"))
    with pytest.raises(http.client.IncompleteRead) as info:
        resp.read()
    assert len(info.value.partial) < declared


def test_huge_binary_and_wrong_charset(site):
    resp = raw_get(site, "/faults/huge.html")
    body = resp.read()
    assert resp.status == 200 and len(body) >= 5 * 1024 * 1024
    resp = raw_get(site, "/faults/binary.html")
    body = resp.read()
    assert resp.getheader("Content-Type").startswith("text/html") and body.startswith(b"\x89PNG\r\n\x1a\n")
    resp = raw_get(site, "/faults/wrong-charset.html")
    body = resp.read()
    assert "utf-8" in resp.getheader("Content-Type") and b'charset="utf-8"' in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    title = next(e["title"] for e in site.expected()["faults"] if e["kind"] == "wrong_charset")
    assert title in body.decode("gbk")


def test_server_keeps_serving_after_faults(site):
    for path in ("/faults/truncated.html", "/faults/missing.html"):
        try:
            raw_get(site, path).read()
        except http.client.IncompleteRead:
            pass
    assert urllib.request.urlopen(site.base_url + "/faults/good/1.html", timeout=10).status == 200


def test_stop_interrupts_a_sleeping_timeout_page():
    s = serve(port=0, faults=True, live=False, fault_timeout=30).start()
    outcome = []

    def client() -> None:
        try:
            raw_get(s, "/faults/timeout.html", timeout=60).read()
            outcome.append("answered")
        except (OSError, http.client.HTTPException) as exc:
            outcome.append(type(exc).__name__)

    t = threading.Thread(target=client)
    t.start()
    # Wait until the request is being handled, then stop: the handler must wake and drop the connection.
    for _ in range(200):
        if s._server and s._server.connections:
            break
        threading.Event().wait(0.02)
    s.stop()
    t.join(timeout=20)
    assert not t.is_alive(), "stop() left the 30 s timeout page running"
    assert outcome and outcome[0] != "answered"
