"""The guard tour's wire formats. Patrol readers and phone apps report through the shared,
signed HTTP push interface (``anfang.ingest``: ``POST /ingest/events``, which already
stores each device event once however often a batch is uploaded again); what a
``patrol.checkpoint`` or ``patrol.sos`` event carries is read by the pure core
:mod:`.checkin`. Nothing here opens a socket of its own."""

TRANSPORTS: frozenset[str] = frozenset()
