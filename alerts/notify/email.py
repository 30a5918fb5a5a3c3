"""E-mail over SMTP (plain text, UTF-8), with optional STARTTLS/SSL and login."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from alerts.notify.base import Channel, DeliveryError, digest_text, subject_for


class EmailChannel(Channel):
    type_name = "email"

    def build_message(self, target: str, items: list[dict[str, Any]]) -> EmailMessage:
        """The message as sent: subject and plain-text body rendered from the notifications' (masked) views."""
        msg = EmailMessage()
        msg["From"] = self.options.get("sender", "yuqing@localhost")
        msg["To"] = target
        msg["Subject"] = subject_for(items)
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = make_msgid(domain="yuqing.local")
        msg.set_content(digest_text(items), charset="utf-8")
        return msg

    def send(self, target: str, items: list[dict[str, Any]], fmt: str = "generic") -> str:
        o = self.options
        msg = self.build_message(target, items)
        host, port, timeout = o.get("host", "127.0.0.1"), int(o.get("port", 25)), float(o.get("timeout", 10))
        try:
            cls = smtplib.SMTP_SSL if o.get("ssl") else smtplib.SMTP
            with cls(host, port, timeout=timeout) as smtp:
                if o.get("starttls") and not o.get("ssl"):
                    smtp.starttls()
                if o.get("username"):
                    smtp.login(o["username"], o.get("password", ""))
                refused = smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"邮件发送到 {target} 失败（SMTP {host}:{port}）：{exc}") from exc
        if refused:
            raise DeliveryError(f"SMTP 服务器拒收收件人：{refused}")
        return f"smtp {host}:{port} 已接收 {msg['Message-ID']}"
