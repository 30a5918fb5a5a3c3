"""The sender: due deliveries from the outbox go out through their channels, exactly once.

Each message's deliveries are claimed (compare-and-set, with a lease) before it is sent, so two ticks at the same
moment, or two nodes, never both send one; a claim whose sender died can be taken over when its lease runs out,
and the message then goes out again with the same idempotency key (webhook header, e-mail Message-ID), which the
receiver can use to drop the repeat.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from yuqing.alerts.notify.base import Channel, DeliveryError

if TYPE_CHECKING:
    from yuqing.alerts.context import AlertContext

log = logging.getLogger(__name__)

# The shortest lease on a claimed notification (seconds); see Sender.lease.
DELIVERY_LEASE_SECONDS = 300.0


class Sender:
    def __init__(self, ctx: "AlertContext"):
        self.ctx = ctx
        self._channels: dict[str, Channel] = {}

    def channel(self, type_name: str) -> Channel:
        if type_name not in self._channels:
            ns = self.ctx.notify_settings
            cls = ns.channel_classes.get(type_name)
            if cls is None:
                raise DeliveryError(f"未配置通知渠道类型「{type_name}」")
            self._channels[type_name] = cls.from_config(ns.channels.get(type_name, {}))
        return self._channels[type_name]

    def lease(self, channel: str) -> timedelta:
        """How long a claimed message may take before another worker may take it over: well beyond the channel's
        own timeout, so only a sender that died (or hangs far past its timeout) loses its claim."""
        timeout = float((self.ctx.notify_settings.channels.get(channel) or {}).get("timeout", 10.0))
        return timedelta(seconds=max(DELIVERY_LEASE_SECONDS, 3 * timeout))

    def deliver(self, now: datetime) -> dict[str, int]:
        """Send due notifications exactly once; several for one recipient go as one digest. Failures retry with
        backoff."""
        wf, ns = self.ctx.wf, self.ctx.notify_settings
        worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        due = wf.due_deliveries(now, limit=ns.batch)
        groups: dict[tuple[str, str, str, str | None], list[dict[str, Any]]] = {}
        for d in due:
            # A message tried before keeps its make-up (its message key), so a resend carries the same key.
            groups.setdefault((d["channel"], d["target"], d["payload"].get("format", "generic"), d.get("message_key")),
                              []).append(d)
        out = {"due": len(due), "messages": 0, "sent": 0, "retrying": 0, "failed": 0, "taken": 0, "lost": 0}
        for (channel, target, fmt, _key), items in groups.items():
            claimed = wf.claim_deliveries([i["id"] for i in items], worker, now, now + self.lease(channel))
            out["taken"] += len(items) - len(claimed)  # another worker claimed them first
            spent = [c for c in claimed if int(c["attempts"]) > ns.max_attempts]
            for item in spent:  # earlier senders died mid-send as often as retries allow
                wf.finish_delivery(item["id"], worker, now, status="failed",
                                   error=f"已尝试 {ns.max_attempts} 次，发送均未完成（发送进程中止），不再重试")
                out["failed"] += 1
            claimed = [c for c in claimed if int(c["attempts"]) <= ns.max_attempts]
            if not claimed:
                continue
            try:
                self.channel(channel).send(target, [i["payload"] for i in claimed], fmt, key=claimed[0]["message_key"])
            except Exception as exc:  # any channel failure is logged and retried, never crashes the tick
                error = str(exc)[:500]
                log.warning("通知发送失败（%s %s）：%s", channel, target, error)
                for item in claimed:
                    attempts = int(item["attempts"])
                    if attempts >= ns.max_attempts:
                        kept = wf.finish_delivery(item["id"], worker, now, status="failed", error=error)
                        out["failed" if kept else "lost"] += 1
                    else:
                        delay = ns.backoff_seconds * 2 ** (attempts - 1)
                        kept = wf.finish_delivery(item["id"], worker, now, status="pending", error=error,
                                                  next_attempt_at=now + timedelta(seconds=delay))
                        out["retrying" if kept else "lost"] += 1
                continue
            out["messages"] += 1
            with self.ctx.transaction():
                for item in claimed:
                    if wf.finish_delivery(item["id"], worker, now, status="sent"):
                        out["sent"] += 1
                    else:  # sent, but our lease had run out and another worker took the delivery over
                        log.warning("通知 %s 发送完成时租约已过期，已由其他进程接手", item["id"])
                        out["lost"] += 1
        return out
