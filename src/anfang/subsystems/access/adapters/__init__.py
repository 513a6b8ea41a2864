"""Access-control device adapters: Wiegand, HTTP terminals, OSDP.

``TRANSPORTS`` names the modules that do I/O; every other module here is a pure core
(bytes in, typed messages out) and imports no asyncio, socket or database module
(tests/test_architecture.py checks it).
"""

# osdp.py wraps libosdp's C state machine with its socket channel in one module.
TRANSPORTS = frozenset({"osdp", "osdp_link"})
