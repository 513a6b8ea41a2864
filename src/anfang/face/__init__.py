"""Face recognition: detection, 5-point alignment, 128-d descriptors (dlib), the 1:N index,
people and their sealed templates (used by access control and video).

Importing this package declares the face event kinds.
"""

from anfang.core.kinds import Severity, register

KINDS = (
    ("face.watchlist_hit", Severity.CRITICAL, "布控人员出现", "Watch-list hit"),
    ("face.stranger", Severity.LOW, "陌生人", "Stranger (no match)"),
)
for _kind, _sev, _zh, _en in KINDS:
    register(_kind, _sev, _zh, _en, derived=True)  # the face service's verdicts
