"""Wire protocols that several parts speak: SIP (RFC 3261) for the intercom's door stations
and the police uplink's GB/T 28181 signalling, and HTTP digest authentication (SIP's and
GA/T 1400's). Pure cores (``sip``, ``digest``) and thin transports (UDP, TCP); it imports
only libraries.

``TRANSPORTS`` names the modules that do I/O; every other module here is a pure core
(tests/test_architecture.py checks it).
"""

TRANSPORTS = frozenset({"sip_transaction", "sip_udp", "sip_tcp"})
