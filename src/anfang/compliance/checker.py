"""The grade checker, pure: every rule of the rule book against a site's facts, each
result pass, fail or advisory with its evidence in words (Chinese, for the inspector).

A rule whose source was seen only second-hand never fails: what would fail it is reported
as advisory. What no one measured or stated is advisory too, never a pass. A rule measured
only on the running system (``stage: live``) is advisory when a design is checked.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from anfang.compliance.rules import Op, Rule, RuleBook
from anfang.compliance.sitefacts import Item, SiteFacts, serves
from anfang.core.facts import Value

State = Literal["pass", "fail", "advisory"]
Mode = Literal["design", "live"]
SHOWN = 20  # failing items named in the evidence; the rest are counted
OPS: dict[Op, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "<": operator.lt,
    ">": operator.gt,
}
OP_WORDS = {"<=": "不大于", ">=": "不小于", "==": "等于", "<": "小于", ">": "大于"}


@dataclass
class Result:
    """One rule's outcome."""

    rule: str
    title: str
    subsystem: str
    strength: str
    source: str
    confidence: str
    state: State
    summary: str
    checked: int = 0
    failed: int = 0
    measured: Value = None
    evidence: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The result as JSON-ready data."""
        return asdict(self)


def _num(v: Value) -> float | None:
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, int | float):
        return float(v)
    return None


def _fmt(v: float | None, unit: str = "") -> str:
    if v is None:
        return "无数据"
    text = f"{v:.0f}" if float(v).is_integer() else f"{v:.2f}"
    return f"{text}{' ' + unit if unit and unit not in ('天', '台') else unit}"


def metric(sf: SiteFacts, item: Item, name: str) -> Value:
    """The value of ``name`` for ``item``: a site fact, a fact's item, or an item's field."""
    if name == "zone.length_m":
        return item.length_m
    fact = sf.facts.get(name)
    if fact is None:
        return None
    if item.of in ("site", "fact"):
        return fact.items.get(item.key) if item.of == "fact" else fact.value
    return fact.items.get(item.key)


def _named(items: list[tuple[Item, str]]) -> list[str]:
    shown = [f"{it.name}：{why}" if why else it.name for it, why in items[:SHOWN]]
    if len(items) > SHOWN:
        shown.append(f"……另有 {len(items) - SHOWN} 项")
    return shown


class _Check:
    """One rule applied to the facts (state kept while its items are checked)."""

    def __init__(self, rule: Rule, sf: SiteFacts) -> None:
        self.rule, self.sf, self.req = rule, sf, rule.requirement
        self.items = sf.items(rule.scope)
        self.bad: list[tuple[Item, str]] = []
        self.unknown: list[Item] = []

    def compare(self, v: float) -> bool:
        return OPS[self.req.op](v, self.req.value)

    def numeric(self) -> Value:
        seen: list[float] = []
        for it in self.items:
            v = _num(metric(self.sf, it, self.req.metric))
            if v is None:
                self.unknown.append(it)
                continue
            seen.append(v)
            if not self.compare(v):
                self.bad.append((it, _fmt(v, self.req.unit)))
        if not seen:
            return None
        return max(seen) if self.req.op in ("<=", "<") else min(seen)  # the worst

    def coverage(self) -> Value:
        fact = self.sf.facts.get(self.req.metric) if self.req.metric else None
        if self.req.metric and fact is None:
            self.unknown = list(self.items)
            return None
        everyone = fact is not None and fact.value == "all"
        ok = 0
        for it in self.items:
            flagged = bool(self.req.flag and it.meta.get(self.req.flag))
            stated = fact is not None and (everyone or bool(fact.items.get(it.key)))
            if flagged or stated:
                ok += 1
            else:
                self.bad.append((it, ""))
        share = ok / len(self.items) if self.items else 1.0
        if self.compare(share):
            self.bad = []
        return round(share, 4)

    def presence(self, count: bool) -> Value:
        least = None
        for it in self.items:
            found = [
                d
                for d in self.sf.devices_of(self.req.types)
                if (not self.req.flag or d.meta.get(self.req.flag))
                and serves(self.sf, it, d, self.req.radius_m)
            ]
            n = len(found)
            least = n if least is None else min(least, n)
            if not (self.compare(n) if count else n >= 1):
                self.bad.append((it, f"{n} 台" if count else "未找到"))
        return least

    def retention(self, mode: Mode) -> Value:
        configured = _num(metric(self.sf, self.items[0], self.req.metric))
        held = _num(metric(self.sf, self.items[0], self.req.held_metric))
        running = _num(metric(self.sf, self.items[0], "system.operating_days"))
        site = self.items[0]
        if configured is None:
            self.unknown.append(site)
            return None
        if not self.compare(configured):
            self.bad.append((site, f"设置保存 {_fmt(configured)} 天"))
        if mode == "live":
            if held is None:
                self.unknown.append(site)
            elif not self.compare(held) and not (running is not None and held >= running - 1):
                self.bad.append((site, f"实际仅保有 {_fmt(held)} 天"))
        return held if mode == "live" and held is not None else configured


def check_rule(rule: Rule, sf: SiteFacts, mode: Mode) -> Result:
    """One rule's result (pure)."""
    src = f"{rule.source.doc} {rule.source.clause}".strip()
    base: dict[str, Any] = {
        "rule": rule.id,
        "title": rule.title,
        "subsystem": rule.subsystem,
        "strength": rule.strength,
        "source": src,
        "confidence": rule.source.confidence,
    }
    if rule.stage == "live" and mode == "design":
        return Result(
            **base, state="advisory", summary="设计阶段无法测量，系统运行后由实测数据检查"
        )
    c = _Check(rule, sf)
    kind = rule.requirement.kind
    if kind in ("numeric", "feature"):
        measured = c.numeric()
    elif kind == "coverage":
        measured = c.coverage()
    elif kind in ("presence", "count"):
        measured = c.presence(count=kind == "count")
    else:
        measured = c.retention(mode)
    return _verdict(rule, c, base, measured)


def wanted(rule: Rule) -> str:
    """What a rule asks, in words ("不大于 70 m", "设有摄像机", "全部覆盖")."""
    req = rule.requirement
    if req.kind == "presence":
        return "设有" + "/".join(req.types or (req.flag,))
    if req.kind == "feature":
        return (
            "具备"
            if (req.op, req.value) in ((">=", 1), ("==", 1))
            else f"{OP_WORDS[req.op]} {req.value:g}"
        )
    if req.kind == "coverage":
        return "全部覆盖" if req.value >= 1 else f"覆盖率不低于 {req.value:.0%}"
    if req.kind == "retention":
        return f"不少于 {req.value:g} {req.unit or '天'}"
    return f"{OP_WORDS[req.op]} {_fmt(req.value, req.unit)}"


def _verdict(rule: Rule, c: _Check, base: dict[str, Any], measured: Value) -> Result:
    req, label = rule.requirement, rule.scope.label or rule.scope.of
    want = wanted(rule)
    checked = len(c.items)
    named = [
        c.sf.facts.get(req.metric),
        c.sf.facts.get(req.held_metric) if req.held_metric else None,
    ]
    stated = [f.evidence for f in named if f is not None and f.evidence]
    if not c.items:
        return Result(
            **base, state="advisory", summary=f"{label}：模型中没有可检查的对象", checked=0
        )
    if c.bad:
        state: State = "advisory" if rule.advisory else "fail"
        lead = "若依据属实，" if rule.advisory else ""
        summary = f"{lead}{label}中 {len(c.bad)}/{checked} 项不满足（要求{want}）"
        return Result(
            **base,
            state=state,
            summary=summary,
            checked=checked,
            failed=len(c.bad),
            measured=measured,
            evidence=[*stated, *_named(c.bad)],
        )
    if c.unknown:
        missing = _named([(it, "无数据") for it in c.unknown])
        summary = f"{label}中 {len(c.unknown)}/{checked} 项无数据，无法判定（要求{want}）"
        return Result(
            **base,
            state="advisory",
            summary=summary,
            checked=checked,
            measured=measured,
            evidence=[*stated, *missing],
        )
    summary = f"{label}：{checked} 项全部满足（要求{want}）"
    return Result(
        **base, state="pass", summary=summary, checked=checked, measured=measured, evidence=stated
    )


def check(book: RuleBook, sf: SiteFacts, mode: Mode, grade: str | None = None) -> list[Result]:
    """Every rule of ``book`` (of ``grade``, when given) against ``sf``."""
    return [check_rule(r, sf, mode) for r in book.rules if grade is None or grade in r.grade]


def tally(results: list[Result]) -> dict[str, Any]:
    """Counts by state, and the verdict: 不符合 when a mandatory rule fails."""
    counts = {s: sum(1 for r in results if r.state == s) for s in ("pass", "fail", "advisory")}
    mandatory_fail = sum(1 for r in results if r.state == "fail" and r.strength == "mandatory")
    verdict = "不符合" if mandatory_fail else ("基本符合" if counts["fail"] else "符合")
    return {**counts, "mandatory_fail": mandatory_fail, "verdict": verdict}
