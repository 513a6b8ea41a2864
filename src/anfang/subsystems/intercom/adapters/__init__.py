"""Intercom wire protocols. The intercom speaks SIP, whose pure core and transports are
shared with the police uplink in :mod:`anfang.wire`; nothing is left here but the package.

``TRANSPORTS`` names the modules that do I/O; every other module here is a pure core
(tests/test_architecture.py checks it).
"""

TRANSPORTS: frozenset[str] = frozenset()
