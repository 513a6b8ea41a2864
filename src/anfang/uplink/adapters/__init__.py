"""Uplink wire protocols: GB/T 28181 bodies and SDP, MPEG-2 PS over RTP, GA/T 1400 JSON (pure
cores), and their transports (the SIP agent, the media sender, the VIID client). SIP
itself is shared with the intercom in :mod:`anfang.wire`.

``TRANSPORTS`` names the modules that do I/O; every other module here is a pure core
(tests/test_architecture.py checks it).
"""

TRANSPORTS = frozenset({"gb_agent", "gb_answers", "gb_calls", "media_sender", "viid_client"})
