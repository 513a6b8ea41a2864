"""Protocol adapters for networked home alarm panels (SIA DC-09, Zigbee2MQTT).

``TRANSPORTS`` names the modules that do I/O; every other module here is a pure core
(bytes in, typed messages out) and imports no asyncio, socket or database module
(tests/test_architecture.py checks it).
"""

TRANSPORTS = frozenset(
    {"mqtt_transport", "sia_front", "sia_ipc", "sia_link", "sia_receiver", "sia_tcp"}
)
