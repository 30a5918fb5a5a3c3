"""Channel base class and the Chinese message text shared by every channel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, ClassVar

from yuqing.config import Checker

if TYPE_CHECKING:  # imported where a message is rendered: checking a configuration needs no views
    from yuqing.views import NotificationView

KIND_LABELS = {
    "new": "新预警", "dispatch": "预警派发", "level_up": "预警升级", "warning": "办理时限提醒", "overdue": "办理超时",
    "escalation": "督办通知", "returned": "部门退单", "responded": "部门已回应", "reopened": "重新办理",
    "digest_add": "超期留言汇总新增", "extension_requested": "延期申请待审批", "extension_granted": "延期已批准",
    "extension_rejected": "延期申请被驳回",
    "waiting_reminder": "预警待派发提醒", "waiting_escalation": "预警久未派发督办", "auto_closed": "官方已答复，预警自动办结",
    "digest_answered": "超期留言汇总有新答复", "supervision": "督办意见",
}


class DeliveryError(RuntimeError):
    """Sending failed; the message says why (kept in the delivery log, retried with backoff)."""


def _view(item: Any) -> "NotificationView":
    from yuqing.views import NotificationView

    return item if isinstance(item, NotificationView) else NotificationView.from_payload(item)


def _same(text: str) -> str:
    return text


def item_text(item: dict[str, Any] | NotificationView, quote: Callable[[str], str] = _same) -> str:
    """One notification as plain Chinese lines, rendered from its (masked) view. ``quote`` renders the text it
    quotes (titles, reasons, messages, departments' replies) for the channel: a Markdown robot neutralises it."""
    n = _view(item)
    a = n.alert
    lines = [f"【{KIND_LABELS.get(n.kind, n.kind)}】{quote(str(a.get('title', '')))}",
             f"预警编号：{a.get('id')}　级别：{a.get('level_label', a.get('level'))}　状态：{a.get('status_label', a.get('status'))}"]
    if a.get("department"):
        lines.append(f"责任部门：{a['department']}")
    if n.message:
        lines.append(quote(n.message))
    for name, due in (a.get("deadlines_text") or {}).items():
        lines.append(f"时限：{name} {due}")
    if a.get("reason"):
        lines.append(f"触发原因：{quote(str(a['reason']))}")
    if a.get("brief"):
        lines.append(f"事件简报：{quote(str(a['brief']))}")
    if n.link:
        lines.append(f"查看：{n.link}")
    return "\n".join(lines)


def one_line(text: str) -> str:
    """Subjects and titles are one line (a line break in a mail header is refused, and would forge headers)."""
    return " ".join(str(text or "").split())


def subject_for(items: list[dict[str, Any]], quote: Callable[[str], str] = _same) -> str:
    if len(items) == 1:
        n = _view(items[0])
        return one_line(f"[舆情{KIND_LABELS.get(n.kind, '通知')}] {quote(str(n.alert.get('title', '')))}")[:200]
    return f"[舆情预警摘要] 共 {len(items)} 条通知"


def digest_text(items: list[dict[str, Any]], quote: Callable[[str], str] = _same) -> str:
    if len(items) == 1:
        return item_text(items[0], quote)
    parts = [f"共 {len(items)} 条舆情通知："]
    parts += [f"{i}. " + item_text(it, quote).replace("\n", "\n   ") for i, it in enumerate(items, 1)]
    return "\n\n".join(parts)


class Channel:
    """One way of delivering notifications. A channel is one module: it names itself (``type_name``: the
    ``channel`` of recipients and deliveries, and its options section ``[notifications.<type_name>]``), declares
    the keys it reads from a ``[[departments]]`` entry (``contact_keys``, its contact key first) and the message
    formats it can render, and parses both itself. It is switched on by class path with an order number in
    ``[notifications.channels]``; the order is the order of a department's recipients."""

    type_name: ClassVar[str] = "base"
    #: Keys of a ``[[departments]]`` entry this channel reads; the first is the address it delivers to.
    contact_keys: ClassVar[tuple[str, ...]] = ()
    #: Message formats a recipient may ask for (``format`` of an officer, or of a department's contact).
    formats: ClassVar[tuple[str, ...]] = ("generic",)

    def __init__(self, options: dict[str, Any]):
        self.options = options

    @classmethod
    def from_config(cls, options: dict[str, Any]) -> "Channel":
        return cls(options)

    @classmethod
    def parse_options(cls, c: Checker) -> dict[str, Any]:
        """The channel's options from ``[notifications.<type_name>]``, validated (unknown keys are errors)."""
        c.reject_unknown(())
        return {}

    @classmethod
    def parse_contact(cls, c: Checker) -> dict[str, str]:
        """The channel's keys of one ``[[departments]]`` entry (``c`` holds only those), validated."""
        return {k: c.get(k, str) for k in cls.contact_keys if k in c.data}

    @classmethod
    def targets(cls, contact: dict[str, str]) -> list[dict[str, str]]:
        """A department's recipients on this channel: ``{"channel", "target", "format"}`` each."""
        address = contact.get(cls.contact_keys[0]) if cls.contact_keys else None
        return [{"channel": cls.type_name, "target": address, "format": "generic"}] if address else []

    def send(self, target: str, items: list[dict[str, Any]], fmt: str = "generic", *, key: str | None = None) -> str:
        """Deliver ``items`` (one message; several make a digest) to ``target``; return a short receipt.

        ``key`` identifies the message and stays the same when it is sent again (a retry, or a takeover after the
        sender died): channels pass it on (webhook ``Idempotency-Key`` header, e-mail ``Message-ID``) so a receiver
        can drop the repeat."""
        raise NotImplementedError
