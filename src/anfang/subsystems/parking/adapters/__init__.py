"""The car park's wire formats, pure cores: Chinese plates (:mod:`.plates`) and Vzenith
cameras' HTTP push (:mod:`.vzenith`). The vendor-neutral read is signed like the shared
HTTP push interface; both are served by ``parking/api_reads.py``."""

TRANSPORTS: frozenset[str] = frozenset()
