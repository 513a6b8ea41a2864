"""Physical protection has no wire protocol of its own: damage reports come from guards'
readers and phones over the shared HTTP push interface (``physical.damage``), tampers from
perimeter detectors (``perimeter.tamper``), inspections through the API."""

TRANSPORTS: frozenset[str] = frozenset()
