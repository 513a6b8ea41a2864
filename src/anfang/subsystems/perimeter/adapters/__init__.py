"""The perimeter subsystem's wire protocols: none of its own. Beams, pulse fences and
vibration cables report through the shared HTTP push interface (``anfang.ingest``) and
perimeter alarm hosts through SIA DC-09 (the home-alarm subsystem's receiver, which maps
host zones to perimeter zones)."""

TRANSPORTS: frozenset[str] = frozenset()
