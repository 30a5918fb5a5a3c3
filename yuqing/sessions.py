"""Dashboard sessions that survive a reload: a signed, expiring token naming a session row in the workflow store.

A token is ``<session id>.<expiry, unix seconds>.<signature>``; the signature is HMAC-SHA256 over the session id,
the expiry and the account name, with a key kept in the workflow store (``session_keys``, created by whichever
process needs it first, never in the repository). A token is good only while all of these hold:

* its signature checks out and it has not reached its expiry (``[dashboard] session_hours``);
* its session row exists, names the same account, is not revoked (logout, idle timeout) and was seen within the
  idle limit (``[dashboard] idle_minutes``), so a reopened tab is treated like the same session after a pause.

The account itself (active or not, role, department) is re-read from the store by the caller on every run: a
deactivated user's token stops working at once. Nothing here reads the clock: callers pass ``now``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from yuqing.storage.base import WorkflowStore


@dataclass(frozen=True)
class IssuedSession:
    token: str
    session_id: str
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _secret(workflow: WorkflowStore, now: datetime) -> bytes:
    return workflow.session_secret(_b64(secrets.token_bytes(32)), now).encode("ascii")


def _signature(secret: bytes, session_id: str, expiry: int, user_name: str) -> str:
    message = f"{session_id}|{expiry}|{user_name}".encode("utf-8")
    return _b64(hmac.new(secret, message, hashlib.sha256).digest())


def issue(workflow: WorkflowStore, user_name: str, now: datetime, *, lifetime: timedelta) -> IssuedSession:
    """A new session for ``user_name`` (after a successful login), valid for ``lifetime``."""
    session_id = _b64(secrets.token_bytes(18))
    expires_at = (now + lifetime).astimezone(timezone.utc).replace(microsecond=0)
    expiry = int(expires_at.timestamp())
    workflow.add_session(session_id, user_name, now, expires_at)
    token = f"{session_id}.{expiry}.{_signature(_secret(workflow, now), session_id, expiry, user_name)}"
    return IssuedSession(token, session_id, expires_at)


def parse(token: str | None) -> tuple[str, int, str] | None:
    """(session id, expiry, signature) of a well-formed token, else None (never raises on what a browser sends)."""
    if not isinstance(token, str) or len(token) > 256:
        return None
    parts = token.split(".")
    if len(parts) != 3 or not parts[0] or not parts[2] or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1]), parts[2]


def verify(workflow: WorkflowStore, token: str | None, now: datetime, *, idle: timedelta | None = None) -> str | None:
    """The account name a live token belongs to, or None (forged, expired, revoked, idle too long, unknown)."""
    parsed = parse(token)
    if parsed is None:
        return None
    session_id, expiry, signature = parsed
    if expiry <= now.timestamp():
        return None
    row = workflow.get_session(session_id)
    if row is None or row["revoked_at"] is not None or row["expires_at"] <= now:
        return None
    if int(row["expires_at"].timestamp()) != expiry:
        return None
    expected = _signature(_secret(workflow, now), session_id, expiry, row["user_name"])
    if not hmac.compare_digest(expected, signature):
        return None
    if idle is not None and now - row["last_seen"] > idle:
        return None
    return row["user_name"]


def session_id(token: str | None) -> str | None:
    parsed = parse(token)
    return parsed[0] if parsed else None


def touch(workflow: WorkflowStore, token: str | None, now: datetime) -> None:
    """Record activity on the token's session (the idle limit counts from here)."""
    sid = session_id(token)
    if sid is not None:
        workflow.touch_session(sid, now)


def revoke(workflow: WorkflowStore, token: str | None, now: datetime) -> bool:
    """End the token's session everywhere (logout, idle timeout); True if it was live."""
    sid = session_id(token)
    return workflow.revoke_session(sid, now) if sid is not None else False
