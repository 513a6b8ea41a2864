"""Video adapters: RTSP (pure wire core, RTP depacketising, and the client), ONVIF and
WS-Discovery.

``TRANSPORTS`` names the modules that do I/O; every other module here is a pure core
(tests/test_architecture.py checks it).
"""

# ws_discovery.py keeps its probe parser beside the multicast socket that uses it.
TRANSPORTS = frozenset({"onvif", "rtsp_client", "ws_discovery"})
