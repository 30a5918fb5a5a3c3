"""The ``[dashboard]`` configuration section, validated with the kernel's Checker (errors name file and key)."""

from __future__ import annotations

from dataclasses import dataclass

from yuqing.config import Checker, Config


@dataclass(frozen=True)
class DashboardSettings:
    idle_minutes: int = 30  # a session with no interaction for this long must log in again
    refresh_seconds: int = 60  # live panels on the heat board
    screen_refresh_seconds: int = 30  # the 大屏 refreshes more often: nobody clicks there
    page_size: int = 20
    cache_seconds: int = 30  # aggregate queries; alert queues use a shorter ttl
    title: str = "政务舆情监测与回应系统"
    session_hours: int = 12  # a login (its cookie) lasts at most this long, reloads and new tabs included


def parse_dashboard(config: Config | None) -> DashboardSettings:
    c = config.section("dashboard") if config is not None else Checker("(默认配置)", {}, "dashboard")
    c.reject_unknown({"idle_minutes", "refresh_seconds", "screen_refresh_seconds", "page_size", "cache_seconds",
                      "title", "session_hours"})
    return DashboardSettings(
        idle_minutes=c.get("idle_minutes", int, 30, minimum=1, maximum=24 * 60),
        refresh_seconds=c.get("refresh_seconds", int, 60, minimum=5),
        screen_refresh_seconds=c.get("screen_refresh_seconds", int, 30, minimum=5),
        page_size=c.get("page_size", int, 20, minimum=5, maximum=500),
        cache_seconds=c.get("cache_seconds", int, 30, minimum=0, maximum=3600),
        title=c.get("title", str, "政务舆情监测与回应系统"),
        session_hours=c.get("session_hours", int, 12, minimum=1, maximum=24 * 30),
    )
