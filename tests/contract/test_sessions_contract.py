"""Dashboard sessions on every workflow backend: one signing key per store, issue → verify → touch → revoke, expiry
and the idle limit, and tokens that were tampered with (yuqing.sessions over the store's session methods)."""

from __future__ import annotations

from datetime import datetime, timedelta

from yuqing import sessions
from yuqing.clock import TZ

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)
HOURS_12 = timedelta(hours=12)


def test_the_signing_key_is_written_once_and_shared(workflow):
    first = workflow.session_secret("key-a", T0)
    assert first == "key-a"
    assert workflow.session_secret("key-b", T0 + timedelta(minutes=1)) == "key-a"  # first writer wins


def test_issue_verify_touch_and_revoke(workflow):
    issued = sessions.issue(workflow, "officer1", T0, lifetime=HOURS_12)
    row = workflow.get_session(issued.session_id)
    assert row["user_name"] == "officer1" and row["revoked_at"] is None
    assert row["issued_at"] == T0 and row["last_seen"] == T0
    assert sessions.verify(workflow, issued.token, T0 + timedelta(minutes=5)) == "officer1"
    # The idle limit counts from the last activity, which touch moves forward (never back).
    idle = timedelta(minutes=30)
    assert sessions.verify(workflow, issued.token, T0 + timedelta(minutes=31), idle=idle) is None
    sessions.touch(workflow, issued.token, T0 + timedelta(minutes=20))
    sessions.touch(workflow, issued.token, T0 + timedelta(minutes=10))
    assert workflow.get_session(issued.session_id)["last_seen"] == T0 + timedelta(minutes=20)
    assert sessions.verify(workflow, issued.token, T0 + timedelta(minutes=31), idle=idle) == "officer1"
    assert sessions.revoke(workflow, issued.token, T0 + timedelta(minutes=32)) is True
    assert sessions.verify(workflow, issued.token, T0 + timedelta(minutes=33)) is None
    assert sessions.revoke(workflow, issued.token, T0 + timedelta(minutes=34)) is False
    assert workflow.get_session(issued.session_id)["revoked_at"] == T0 + timedelta(minutes=32)


def test_expired_forged_and_malformed_tokens_are_refused(workflow):
    issued = sessions.issue(workflow, "dept1", T0, lifetime=HOURS_12)
    assert sessions.verify(workflow, issued.token, T0 + HOURS_12 + timedelta(seconds=1)) is None
    sid, expiry, sig = issued.token.split(".")
    later = str(int(expiry) + 86400)  # a longer life, signed with the old signature
    assert sessions.verify(workflow, f"{sid}.{later}.{sig}", T0) is None
    flipped = sig[:-1] + ("A" if sig[-1] != "A" else "B")
    assert sessions.verify(workflow, f"{sid}.{expiry}.{flipped}", T0) is None
    other = sessions.issue(workflow, "admin1", T0, lifetime=HOURS_12)
    # dept1's signature on admin1's session id does not make an admin session.
    assert sessions.verify(workflow, f"{other.session_id}.{expiry}.{sig}", T0) is None
    for junk in (None, "", "abc", "a.b.c", "..", "x" * 300, f"{sid}.{expiry}"):
        assert sessions.verify(workflow, junk, T0) is None
    assert sessions.verify(workflow, issued.token, T0) == "dept1"


def test_revoking_forgets_sessions_long_expired(workflow):
    old = sessions.issue(workflow, "leader1", T0, lifetime=timedelta(hours=1))
    fresh = sessions.issue(workflow, "leader1", T0 + timedelta(days=30), lifetime=HOURS_12)
    assert sessions.revoke(workflow, fresh.token, T0 + timedelta(days=30, minutes=1))
    assert workflow.get_session(old.session_id) is None
    assert workflow.get_session(fresh.session_id) is not None


def test_revoking_a_users_sessions_ends_every_live_one_and_no_one_elses(workflow):
    tabs = [sessions.issue(workflow, "dept1", T0 + timedelta(minutes=i), lifetime=HOURS_12) for i in range(3)]
    other = sessions.issue(workflow, "dept2", T0, lifetime=HOURS_12)
    assert sessions.revoke(workflow, tabs[0].token, T0 + timedelta(minutes=5))
    assert workflow.revoke_user_sessions("dept1", T0 + timedelta(minutes=10)) == 2  # the two still live
    for issued in tabs:
        assert sessions.verify(workflow, issued.token, T0 + timedelta(minutes=11)) is None
    assert workflow.get_session(tabs[0].session_id)["revoked_at"] == T0 + timedelta(minutes=5)  # kept as it was
    assert workflow.get_session(tabs[1].session_id)["revoked_at"] == T0 + timedelta(minutes=10)
    assert sessions.verify(workflow, other.token, T0 + timedelta(minutes=11)) == "dept2"
    assert workflow.revoke_user_sessions("dept1", T0 + timedelta(minutes=12)) == 0
