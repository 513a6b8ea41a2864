"""Intercom wire protocols: SIP (pure core) and its UDP transport.

``TRANSPORTS`` names the modules that do I/O; every other module here is a pure core
(tests/test_architecture.py checks it).
"""

TRANSPORTS = frozenset({"sip_udp"})
