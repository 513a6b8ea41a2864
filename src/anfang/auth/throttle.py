"""Login throttling that an attacker cannot turn against a user (issue 14).

* Per client address: after ``max_failures`` failures the address is locked out, the
  lockout doubling with each further failure (up to 64 × ``lockout``).
* Per user: failures from many addresses lock the user out too (capped at
  ``user_lock_cap``), but never for a client the user trusts: the console host itself
  (loopback) or an address the user logged in from successfully in the last
  ``remember`` seconds. So someone who knows the admin's name can slow guessing from new
  places, not lock the admin out of the monitoring centre. ``anfang user set-password``
  is the recovery path on the server itself.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass, field


class LoginThrottled(Exception):
    """Too many failed logins; try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"too many failed logins; retry in {retry_after:.0f} s")
        self.retry_after = retry_after


@dataclass
class _Failures:
    count: int = 0
    locked_until: float = 0.0


def _loopback(client: str) -> bool:
    try:
        return ipaddress.ip_address(client).is_loopback
    except ValueError:
        return False


@dataclass
class Throttle:
    """Counts failed logins by address and by user; see the module docstring."""

    max_failures: int
    lockout: float
    user_lock_cap: float = 300.0
    remember: float = 30 * 86400
    max_entries: int = 100_000
    _addr: dict[str, _Failures] = field(default_factory=dict)
    _user: dict[str, _Failures] = field(default_factory=dict)
    _trusted: dict[tuple[str, str], float] = field(default_factory=dict)

    def check(self, username: str, client: str) -> None:
        """Raise :class:`LoginThrottled` while this attempt must wait."""
        now = time.monotonic()
        waits = [self._wait(self._addr.get(client), now)]
        if not self.trusted(username, client, now):
            waits.append(self._wait(self._user.get(username), now))
        wait = max(waits)
        if wait > 0:
            raise LoginThrottled(wait)

    def trusted(self, username: str, client: str, now: float | None = None) -> bool:
        """Whether ``client`` is exempt from ``username``'s own lockout."""
        now = time.monotonic() if now is None else now
        return _loopback(client) or self._trusted.get((username, client), 0.0) > now

    def failed(self, username: str, client: str) -> None:
        """Count a failed attempt."""
        now = time.monotonic()
        self._bound()
        self._count(self._addr.setdefault(client, _Failures()), now, 64 * self.lockout)
        self._count(self._user.setdefault(username, _Failures()), now, self.user_lock_cap)

    def succeeded(self, username: str, client: str) -> None:
        """Forget the address's failures and remember it as a trusted client of the user."""
        self._addr.pop(client, None)
        self._bound()
        self._trusted[(username, client)] = time.monotonic() + self.remember

    def _count(self, f: _Failures, now: float, cap: float) -> None:
        f.count += 1
        if f.count >= self.max_failures:
            extra = f.count - self.max_failures
            f.locked_until = now + min(cap, self.lockout * (2 ** min(extra, 6)))

    @staticmethod
    def _wait(f: _Failures | None, now: float) -> float:
        return 0.0 if f is None else f.locked_until - now

    def _bound(self) -> None:
        # A flood of random names or addresses must not grow memory without end.
        for table in (self._addr, self._user, self._trusted):
            if len(table) > self.max_entries:
                table.clear()
