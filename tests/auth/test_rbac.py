"""The permission table."""

from __future__ import annotations

from anfang.auth.rbac import GRANTS, Perm, Role, allowed, granted


def test_table() -> None:
    assert set(GRANTS) == set(Role)
    assert all(allowed(r, Perm.EVENTS_READ) for r in Role if r is not Role.RESIDENT)
    assert not allowed(Role.RESIDENT, Perm.EVENTS_READ)  # a resident only issues passes
    assert allowed("admin", Perm.USERS_MANAGE) and not allowed("supervisor", Perm.USERS_MANAGE)
    # police inspectors and auditors read and audit; they change nothing
    for role in (Role.POLICE_INSPECTOR, Role.AUDITOR):
        assert allowed(role, Perm.AUDIT_READ)
        for perm in (
            Perm.ALARMS_HANDLE,
            Perm.SITE_WRITE,
            Perm.DEVICES_WRITE,
            Perm.EVENTS_SUBMIT,
            Perm.ALARM_DEFS_WRITE,
            Perm.USERS_MANAGE,
        ):
            assert not allowed(role, perm)
    assert not allowed(Role.OPERATOR, Perm.AUDIT_READ)
    assert not allowed("nobody", Perm.EVENTS_READ)


def test_granted_lists_what_allowed_answers() -> None:
    for role in Role:
        assert granted(role) == sorted(p.value for p in Perm if allowed(role, p))
    assert "compliance.inspect" not in granted("admin")  # it may not approve its own design
    assert granted("nobody") == []
