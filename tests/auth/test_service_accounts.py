"""Service-account grants and key format (the API's side: tests/api/routes)."""

from __future__ import annotations

import pytest

from anfang.auth import service_accounts as sa
from anfang.auth.principal import Principal
from anfang.auth.rbac import Perm


def test_grants_are_checked_against_the_role() -> None:
    sa.check_grant("operator", None)
    sa.check_grant("operator", ["events.read", "alarms.handle"])
    for role, scopes in (("admin", None), ("resident", None), ("operator", ["audit.read"])):
        with pytest.raises(sa.ServiceAccountError):
            sa.check_grant(role, scopes)


def test_keys_are_random_and_well_formed() -> None:
    keys = {sa._new_key()[1] for _ in range(50)}
    assert len(keys) == 50 and all(sa._KEY.match(k) for k in keys)


def test_a_scoped_principal_holds_only_its_scopes() -> None:
    p = Principal(0, "vms", "operator", service=True, scopes=frozenset({"events.read"}))
    assert p.may(Perm.EVENTS_READ) and not p.may(Perm.ALARMS_READ)
    assert p.actor == "service:vms"
