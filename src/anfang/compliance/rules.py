"""Requirement rules as data: the model of a rule and the loader of the shipped rule book
(``data/rules.yaml``). A rule whose source was only seen second-hand is advisory: the
checker reports what it found but never fails the community on it."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

Kind = Literal["presence", "count", "numeric", "coverage", "feature", "retention"]
Op = Literal["<=", ">=", "==", "<", ">"]
Confidence = Literal["text", "secondhand", "anfang"]
Stage = Literal["both", "design", "live"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scope(_Strict):
    """Which items of the site model a rule is checked for.

    ``of`` names the collection; the other fields narrow it: building kind, floors,
    device types, zone kind, or ``where`` (a device's meta flag that must be set)."""

    of: Literal["site", "buildings", "units", "households", "zones", "devices", "facts"]
    kind: str | None = None
    types: tuple[str, ...] = ()
    floors: tuple[int, int] | None = None  # households on these floors (inclusive)
    fact: str | None = None  # of: facts → the items of this fact
    label: str = ""  # the scope in words ("每个楼栋单元出入口")


class Requirement(_Strict):
    """What must hold for each item in scope (see docs/compliance.md for each kind)."""

    kind: Kind
    metric: str = ""  # the fact or site-model measure compared
    op: Op = ">="
    value: float = 1.0
    unit: str = ""
    types: tuple[str, ...] = ()  # presence / count: the device types looked for
    flag: str = ""  # presence / coverage: a device meta flag the device must carry
    radius_m: float | None = None  # presence: a device this close on the map counts
    held_metric: str = ""  # retention: the fact that says how long records are actually kept


class Source(_Strict):
    """Where a rule comes from and how sure we are of its text."""

    doc: str
    clause: str = ""
    confidence: Confidence


class Rule(_Strict):
    """One requirement of the rule book."""

    id: str = Field(pattern=r"^[A-Z]{2,4}-[0-9]{2}$")
    subsystem: str
    title: str
    scope: Scope
    requirement: Requirement
    strength: Literal["mandatory", "recommended"]
    grade: tuple[str, ...] = ("basic",)
    stage: Stage = "both"
    source: Source

    @property
    def advisory(self) -> bool:
        """Reported, never failed: its source was not seen in the original."""
        return self.source.confidence == "secondhand"

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        r = self.requirement
        if r.kind in ("numeric", "feature", "retention") and not r.metric:
            raise ValueError(f"{self.id}: a {r.kind} rule names its metric")
        if r.kind == "presence" and not (r.types or r.flag):
            raise ValueError(f"{self.id}: a presence rule names device types or a flag")
        if r.kind == "retention" and not r.held_metric:
            raise ValueError(f"{self.id}: a retention rule names the fact of what is held")
        return self


class RuleBook(_Strict):
    """The rules, in the order they are reported."""

    version: str
    rules: tuple[Rule, ...]

    @model_validator(mode="after")
    def _unique(self) -> RuleBook:
        ids = [r.id for r in self.rules]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"rule ids appear twice: {sorted(dup)}")
        return self


def parse(doc: Any) -> RuleBook:
    """A rule book from its YAML's data (pydantic's ValidationError when it is wrong)."""
    return RuleBook.model_validate(doc)


@cache
def shipped() -> RuleBook:
    """The rule book that ships with anfang."""
    text = resources.files("anfang.compliance").joinpath("data/rules.yaml").read_text("utf-8")
    return parse(yaml.safe_load(text))
