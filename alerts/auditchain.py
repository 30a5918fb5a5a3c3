"""The audit chain, checked at every tick: a break in the audit log's hash chain becomes one operator alert to the
officers, raised once per break and not again while an earlier one is still open."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from yuqing.alerts.context import sha
from yuqing.alerts.creation import create
from yuqing.alerts.rules.base import Finding
from yuqing.clock import TZ
from yuqing.model import AlertStatus
from yuqing.storage.base import DuplicateError

if TYPE_CHECKING:
    from yuqing.alerts.context import AlertContext

log = logging.getLogger(__name__)
S = AlertStatus
# The rule name of the operator alert for a broken audit chain.
AUDIT_RULE = "审计日志完整性"


def check_audit(ctx: "AlertContext", now: datetime) -> dict[str, Any]:
    """Verify the audit log's hash chain from the last checkpoint (cheap on every tick) and its append-only
    guards. A break becomes one operator alert to the officers: raised once per break, and not again while an
    earlier audit alert is still open."""
    report = ctx.wf.verify_audit(incremental=True)
    out: dict[str, Any] = {"ok": report["ok"], "checked": report["checked"], "rows": report["rows"],
                           "problems": [p["message"] for p in report["problems"]], "alert": None}
    if report["ok"]:
        ctx.wf.mark_audit_verified(report["last_id"], report["last_hash"], report["rows"])
        return out
    signature = "|".join(f"{p['kind']}:{p['id']}" for p in report["problems"])
    key = f"audit-chain:{sha(signature)[:16]}"
    seen = ctx.wf.get_state("alerts.doc", key)
    open_id = ctx.wf.get_state("alerts.audit", "open")
    still_open = ctx.wf.get_alert(open_id) if open_id else None
    if seen or (still_open is not None and still_open.status is not S.CLOSED):
        out["alert"] = seen or open_id
        return out
    log.error("审计日志校验失败，向舆情专员告警：%s", "；".join(out["problems"]))
    first = report["problems"][0]
    finding = Finding(
        rule=AUDIT_RULE, rule_type="audit_chain", level=1, doc_id=key, title="审计日志完整性受损",
        reason=("审计日志校验失败：" + "；".join(out["problems"]) +
                "。审计记录可能被绕过系统插入、删除或修改，请立即核查数据库访问记录，并运行 yuqing audit verify 查看详情。"),
        details={"problems": report["problems"], "first_broken_id": first["id"], "signature": signature})
    alert_id = "S" + now.astimezone(TZ).strftime("%Y%m%d") + "-" + sha(key)[:8]
    try:
        with ctx.transaction():
            alert = create(ctx, alert_id, finding, now, route=(None, "运维告警：不派发责任部门，由舆情专员核查"))
            ctx.wf.set_state("alerts.audit", "open", alert.id)
    except DuplicateError:  # another tick raised it at the same moment
        alert = None
    out["alert"] = alert.id if alert else alert_id
    return out
