"""Compliance speaks no device protocol: its inputs are the platform's own records, design
files and the API. The package exists so that compliance has a subsystem's shape.

``TRANSPORTS`` names the modules that do I/O (none).
"""

TRANSPORTS: frozenset[str] = frozenset()
