"""An optional large-language-model writer for event briefs, behind an OpenAI-compatible endpoint (e.g. a locally
served Qwen). Configured in ``[brief]``::

    [brief]
    llm_url = "http://127.0.0.1:8000/v1"   # …/chat/completions is appended
    model = "qwen2.5-7b-instruct"
    api_key_env = "YUQING_BRIEF_LLM_KEY"   # the key is read from this environment variable, never from the file
    timeout_seconds = 20

The writer only rewrites: it is given the extractive brief (already masked) and its answer is kept beside it, masked
again, in ``state["brief"]["rewritten"]``. Any failure (no answer, an error status, bad JSON, an empty text) leaves
the extractive brief as it is: it is the default, works offline, and is what the tests check.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from dataclasses import dataclass
from typing import Any, Mapping

log = logging.getLogger(__name__)
MAX_CHARS = 400
PROMPT = ("你是政府舆情分析员。下面是从同一事件的群众帖子中摘录的原句和统计。请据此写一段不超过200字的事件简报："
          "发生了什么、在哪里、涉及哪些群众、诉求是什么。只使用给出的内容，不要添加事实，不要写人名、电话或证件号。")


@dataclass(frozen=True)
class LLMWriter:
    url: str
    model: str
    api_key_env: str = "YUQING_BRIEF_LLM_KEY"
    timeout: float = 20.0

    @classmethod
    def from_config(cls, config: Any) -> "LLMWriter | None":
        """The writer ``[brief]`` configures, or None when ``llm_url`` is not set (the extractive brief only)."""
        c = config.section("brief")
        c.reject_unknown({"llm_url", "model", "api_key_env", "timeout_seconds"})
        url = c.get("llm_url", str, "").strip()
        if not url:
            return None
        if not url.startswith(("http://", "https://")):
            raise c.fail("llm_url", f"应为 http:// 或 https:// 开头的地址（OpenAI 兼容接口），实际为 {url!r}")
        return cls(url=url.rstrip("/"), model=c.get("model", str),
                   api_key_env=c.get("api_key_env", str, cls.api_key_env),
                   timeout=c.get("timeout_seconds", float, cls.timeout, minimum=1, maximum=300))

    def _request(self, title: str, brief: Mapping[str, Any]) -> urllib.request.Request:
        facts = [f"标题：{title}", "地点：" + "、".join(brief.get("places") or []),
                 "涉及人群：" + "、".join(brief.get("affected") or [])]
        facts += [f"要点：{s['text']}" for s in brief.get("key_sentences") or []]
        facts += [f"诉求：{s['text']}" for s in brief.get("demands") or []]
        body = {"model": self.model, "temperature": 0.2,
                "messages": [{"role": "system", "content": PROMPT}, {"role": "user", "content": "\n".join(facts)}]}
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(self.api_key_env)
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return urllib.request.Request(f"{self.url}/chat/completions", data=json.dumps(body, ensure_ascii=False).encode(),
                                      headers=headers, method="POST")

    def rewrite(self, title: str, brief: Mapping[str, Any]) -> str | None:
        """The model's brief, masked and capped; None on any failure (the extractive brief then stands alone)."""
        from yuqing.privacy import mask_pii

        try:
            with urllib.request.urlopen(self._request(title, brief), timeout=self.timeout) as resp:
                data = json.loads(resp.read().decode("utf-8"))
            text = str(data["choices"][0]["message"]["content"] or "").strip()
        except Exception as exc:  # network, status, JSON, shape: all mean "no rewrite"
            log.warning("简报改写接口 %s 不可用（%s: %s），使用抽取式简报", self.url, type(exc).__name__, exc)
            return None
        return mask_pii(text[:MAX_CHARS]) if text else None
