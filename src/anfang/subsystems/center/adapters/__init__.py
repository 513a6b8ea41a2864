"""The monitoring centre has no device of its own: what it handles arrives as events and
alarms from the other subsystems, and operators act through the API."""

TRANSPORTS: frozenset[str] = frozenset()
