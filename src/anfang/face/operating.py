"""Operating points: the cosine similarity each use needs, per engine, as measured by
``bench/face`` on the LFW dev set (bench/results/face-*.md; docs/face.md explains them).

- ``entrance``: 1:N at gates and unit doors — the best match must reach this similarity
  and beat the next person by ``margin`` (chosen for ≤ 1 % false accepts of people who
  are not enrolled);
- ``watch``: a watch-list hit raises a critical alarm, so it needs more (≤ 0.1 %);
- ``verify``: 1:1, a visitor's face against the photo of their pass (FAR 1 %).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class OperatingPoint:
    """The similarities one engine needs for each use."""

    entrance: float
    margin: float
    watch: float
    verify: float

    def as_dict(self) -> dict[str, float]:
        """As JSON."""
        return asdict(self)


POINTS: dict[str, OperatingPoint] = {
    "mobilefacenet": OperatingPoint(entrance=0.48, margin=0.0, watch=0.58, verify=0.25),
    "dlib": OperatingPoint(entrance=0.94, margin=0.02, watch=0.96, verify=0.91),
}
