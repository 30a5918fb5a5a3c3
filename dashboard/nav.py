"""Which pages each role sees, in one table (pages also re-check the role when they run)."""

from __future__ import annotations

from dataclasses import dataclass

ADMIN, OFFICER, LEADER, DEPARTMENT = "admin", "officer", "leader", "department"


@dataclass(frozen=True)
class PageSpec:
    path: str  # relative to dashboard/
    title: str
    icon: str
    group: str
    roles: frozenset[str]


def _p(path: str, title: str, icon: str, group: str, *roles: str) -> PageSpec:
    return PageSpec(path, title, icon, group, frozenset(roles))


PAGES: tuple[PageSpec, ...] = (
    _p("views/heat_board.py", "舆情热度看板", ":material/local_fire_department:", "态势", LEADER, OFFICER, ADMIN),
    _p("views/event.py", "事件详情", ":material/article:", "态势", LEADER, OFFICER, ADMIN),
    _p("views/screen.py", "大屏模式", ":material/tv:", "态势", LEADER, OFFICER, ADMIN),
    _p("views/workbench.py", "预警工作台", ":material/notifications_active:", "处置", OFFICER, ADMIN, LEADER),
    _p("views/manual_alert.py", "人工预警与静默", ":material/edit_note:", "处置", OFFICER, ADMIN),
    _p("views/search.py", "全文检索", ":material/search:", "处置", OFFICER, ADMIN, LEADER),
    _p("views/dept_desk.py", "本部门预警", ":material/inbox:", "部门", DEPARTMENT),
    _p("views/dept_history.py", "办理记录与统计", ":material/bar_chart:", "部门", DEPARTMENT),
    _p("views/reports.py", "舆情简报", ":material/description:", "报告", LEADER, OFFICER, ADMIN),
    _p("views/special_report.py", "舆情专报", ":material/summarize:", "报告", OFFICER, ADMIN, LEADER),
    _p("views/admin_users.py", "用户管理", ":material/group:", "系统管理", ADMIN),
    _p("views/admin_departments.py", "部门", ":material/account_balance:", "系统管理", ADMIN),
    _p("views/admin_sources.py", "来源与采集健康", ":material/satellite_alt:", "系统管理", ADMIN),
    _p("views/admin_rules.py", "预警规则与静默", ":material/tune:", "系统管理", ADMIN),
    _p("views/supervision.py", "督办事项", ":material/gavel:", "督办", DEPARTMENT, OFFICER, ADMIN),
    _p("views/corrections.py", "分析更正", ":material/rule:", "处置", OFFICER, ADMIN),
    _p("views/scheme.py", "监测方案", ":material/monitoring:", "监测方案", LEADER, OFFICER, ADMIN),
    _p("views/scheme_admin.py", "方案管理", ":material/rule_settings:", "监测方案", OFFICER, ADMIN),
)
#: Pages a department account sees only when its department is the supervising office (督查室).
SUPERVISOR_PAGES = frozenset({"views/supervision.py"})

DEFAULT_PAGE = {LEADER: "views/heat_board.py", OFFICER: "views/workbench.py", ADMIN: "views/admin_users.py",
                DEPARTMENT: "views/dept_desk.py"}


def pages_for(role: str, supervisor: bool = False) -> list[PageSpec]:
    """The pages of ``role``; ``supervisor``: the account belongs to the supervising office."""
    return [p for p in PAGES if role in p.roles
            and (role != DEPARTMENT or supervisor or p.path not in SUPERVISOR_PAGES)]


def spec_for(path: str) -> PageSpec | None:
    return next((p for p in PAGES if p.path == path), None)
