"""The optional LLM writer against a tiny local OpenAI-compatible fake (a port in 21600–21699): its rewrite is kept
masked beside the extractive brief; what it is sent is masked; any failure leaves the extractive brief alone."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.briefs.conftest import PLANTED_ID, PLANTED_NAME, PLANTED_PHONE


class _Fake(BaseHTTPRequestHandler):
    replies: list[tuple[int, bytes]] = []
    seen: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": json.loads(body)})
        status, payload = self.replies.pop(0)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_llm():
    server = None
    for port in range(21600, 21700):
        try:
            server = ThreadingHTTPServer(("127.0.0.1", port), _Fake)
            break
        except OSError:
            continue
    assert server is not None, "21600–21699 中没有空闲端口"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Fake.replies, _Fake.seen = [], []
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", _Fake
    server.shutdown()
    server.server_close()


def _answer(text: str) -> bytes:
    return json.dumps({"choices": [{"message": {"role": "assistant", "content": text}}]}, ensure_ascii=False).encode()


def _reposted(app):
    return next(e for e in app.store.documents.list_events(limit=1000, order="size")
                if "a_city_news" in {m.get("s") for m in e.state["members"].values()})


def test_rewrite_is_kept_masked_and_the_request_carries_no_personal_data(brief_app, fake_llm, monkeypatch):
    from yuqing.eventviews import build_brief_view
    from yuqing.nlp.events.briefing import brief_event
    from yuqing.nlp.events.llm import LLMWriter

    url, fake = fake_llm
    monkeypatch.setenv("YUQING_BRIEF_LLM_KEY", "sk-test")
    fake.replies.append((200, _answer(f"群众反映涵洞问题，诉求尽快答复。联系人电话{PLANTED_PHONE}。")))
    event = brief_event(brief_app.store.documents, _reposted(brief_app), writer=LLMWriter(url=url, model="qwen-test"))
    (req,) = fake.seen
    assert req["path"] == "/v1/chat/completions" and req["auth"] == "Bearer sk-test"
    assert req["body"]["model"] == "qwen-test"
    sent = json.dumps(req["body"], ensure_ascii=False)
    assert event.state["brief"]["key_sentences"][0]["text"] in sent
    for secret in (PLANTED_PHONE, PLANTED_ID, PLANTED_NAME):
        assert secret not in sent
    view = build_brief_view(event)
    assert view.rewritten.startswith("群众反映涵洞问题") and PLANTED_PHONE not in view.rewritten
    assert view.key_sentences  # the extractive brief stays beside it
    assert any("综述（模型改写" in line for line in view.lines())


@pytest.mark.parametrize("status, payload", [(500, b'{"error": "overloaded"}'), (200, b"not json"),
                                             (200, b'{"choices": []}'), (200, _answer("   "))])
def test_failures_fall_back_to_the_extractive_brief(brief_app, fake_llm, status, payload):
    from yuqing.eventviews import build_brief_view
    from yuqing.nlp.events.briefing import brief_event
    from yuqing.nlp.events.llm import LLMWriter

    url, fake = fake_llm
    fake.replies.append((status, payload))
    base = _reposted(brief_app)
    expected = dict(base.state["brief"])
    event = brief_event(brief_app.store.documents, base, writer=LLMWriter(url=url, model="m", timeout=5))
    assert "rewritten" not in event.state["brief"]
    assert event.state["brief"]["key_sentences"] == expected["key_sentences"]
    assert build_brief_view(event).rewritten is None


def test_unreachable_endpoint_falls_back(brief_app):
    from yuqing.nlp.events.briefing import brief_event
    from yuqing.nlp.events.llm import LLMWriter

    event = brief_event(brief_app.store.documents, _reposted(brief_app),
                        writer=LLMWriter(url="http://127.0.0.1:9/v1", model="m", timeout=2))
    assert "rewritten" not in event.state["brief"] and event.state["brief"]["key_sentences"]


def test_brief_section_is_validated(tmp_path):
    from yuqing.config import ConfigError, load_config
    from yuqing.nlp.events.llm import LLMWriter

    base = (tmp_path / "base.toml")
    assert LLMWriter.from_config(load_config(None)) is None  # not configured: extractive only
    for body, problem in (('[brief]\nllm_url = "ftp://x"\nmodel = "m"\n', "http://"),
                          ('[brief]\nllm_url = "http://127.0.0.1:21600/v1"\n', "model"),
                          ('[brief]\nllm_url = "http://127.0.0.1:21600/v1"\nmodel = "m"\nkey = "sk"\n', "未知配置项")):
        base.write_text(body, encoding="utf-8")
        with pytest.raises(ConfigError) as exc:
            LLMWriter.from_config(load_config(base))
        assert problem in str(exc.value) and "brief" in str(exc.value)
    base.write_text('[brief]\nllm_url = "http://127.0.0.1:21600/v1/"\nmodel = "qwen"\n', encoding="utf-8")
    writer = LLMWriter.from_config(load_config(base))
    assert writer.url == "http://127.0.0.1:21600/v1" and writer.model == "qwen"
