"""The checker, pure, one test per requirement kind: pass, fail with the failing items as
evidence, advisory for second-hand rules, for what no one measured, and for rules only
the running system can measure."""

from __future__ import annotations

from typing import Any

from anfang.compliance import checker
from anfang.compliance.rules import Rule
from anfang.compliance.sitefacts import Item, SiteFacts
from anfang.core.facts import Fact

TEXT = {"doc": "GB X", "clause": "1.1", "confidence": "text"}


def rule(kind: str, scope: dict[str, Any], **req: Any) -> Rule:
    extra = req.pop("rule_extra", {})
    return Rule.model_validate(
        {
            "id": "TST-01",
            "subsystem": "t",
            "title": "测试",
            "scope": scope,
            "requirement": {"kind": kind, **req},
            "strength": "mandatory",
            "source": TEXT,
            **extra,
        }
    )


def site() -> SiteFacts:
    sf = SiteFacts("小区", 60000.0)
    sf.buildings = [Item("B1", "1号楼", "building", "building", at=(30, 30))]
    sf.units = [Item(f"B1/{u}", f"1号楼{u}单元", "unit", building="B1", unit=u) for u in ("1", "2")]
    sf.households = [
        Item(f"B1/1/{f}01", f"{f}01", "household", building="B1", unit="1", floor=f)
        for f in (1, 2, 3)
    ]
    sf.zones = [
        Item("PZ1", "北", "zone", "perimeter", line=((0, 0), (60, 0)), length_m=60),
        Item("PZ2", "东", "zone", "perimeter", line=((60, 0), (60, 80)), length_m=80),
        Item("P1", "车库", "zone", "parking", line=((35, 35), (55, 35), (55, 55), (35, 55))),
    ]
    sf.devices = [
        Item(
            "CAM-1", "1单元摄像机", "device", "camera", building="B1", unit="1", types=("camera",)
        ),
        Item("GATE", "道闸", "device", "barrier", at=(30, 60), types=("barrier",)),
        Item("CAM-G", "道闸摄像机", "device", "camera", at=(34, 58), types=("camera",)),
        Item("CAM-P", "车库摄像机", "device", "camera", at=(40, 40), types=("camera",)),
        Item(
            "TS",
            "闸机",
            "device",
            "turnstile",
            at=(20, 60),
            types=("turnstile",),
            meta={"face": True},
        ),
    ]
    return sf


def test_numeric_per_item_names_the_failures() -> None:
    r = checker.check_rule(
        rule(
            "numeric",
            {"of": "zones", "kind": "perimeter", "label": "每个周界防区"},
            metric="zone.length_m",
            op="<=",
            value=70,
            unit="m",
        ),
        site(),
        "design",
    )
    assert (r.state, r.checked, r.failed, r.measured) == ("fail", 2, 1, 80)
    assert r.evidence == ["东：80 m"] and "1/2" in r.summary


def test_numeric_site_fact_unknown_is_advisory_and_live_only_rules_wait() -> None:
    rl = rule("numeric", {"of": "site"}, metric="video.linkage_delay_s", op="<=", value=4, unit="s")
    assert checker.check_rule(rl, site(), "live").state == "advisory"
    sf = site()
    sf.facts["video.linkage_delay_s"] = Fact(2.5, "p95")
    assert checker.check_rule(rl, sf, "live").state == "pass"
    sf.facts["video.linkage_delay_s"] = Fact(4.5, "p95")
    out = checker.check_rule(rl, sf, "live")
    assert out.state == "fail" and out.evidence[0] == "p95"
    live_only = rule(
        "numeric",
        {"of": "site"},
        metric="video.linkage_delay_s",
        op="<=",
        value=4,
        rule_extra={"stage": "live"},
    )
    assert checker.check_rule(live_only, sf, "design").state == "advisory"


def test_feature() -> None:
    rl = rule("feature", {"of": "site"}, metric="uplink.gb28181", op=">=", value=1)
    sf = site()
    sf.facts["uplink.gb28181"] = Fact(0, "none")
    assert checker.check_rule(rl, sf, "live").state == "fail"
    sf.facts["uplink.gb28181"] = Fact(True, "one")
    assert checker.check_rule(rl, sf, "live").state == "pass"


def test_coverage_by_fact_items_by_all_and_by_device_flag() -> None:
    rl = rule("coverage", {"of": "households", "floors": (1, 2)}, metric="home_alarm.intrusion")
    sf = site()
    assert checker.check_rule(rl, sf, "live").state == "advisory"  # no source stated it
    sf.facts["home_alarm.intrusion"] = Fact(1, "1 户", {"B1/1/101": True})
    out = checker.check_rule(rl, sf, "live")
    assert (out.state, out.checked, out.measured) == ("fail", 2, 0.5) and "201" in out.evidence[-1]
    sf.facts["home_alarm.intrusion"] = Fact("all", "declared")
    assert checker.check_rule(rl, sf, "design").state == "pass"
    flag = rule("coverage", {"of": "devices", "types": ["turnstile"]}, flag="face")
    assert checker.check_rule(flag, site(), "live").measured == 1.0


def test_presence_by_placement_or_distance() -> None:
    units = rule("presence", {"of": "units"}, types=["camera"], radius_m=5)
    out = checker.check_rule(units, site(), "live")
    assert out.state == "fail" and out.evidence == ["1号楼2单元：未找到"]
    lane = rule("presence", {"of": "devices", "types": ["barrier"]}, types=["camera"], radius_m=5)
    assert checker.check_rule(lane, site(), "live").state == "pass"
    far = rule("presence", {"of": "devices", "types": ["barrier"]}, types=["camera"], radius_m=3)
    assert checker.check_rule(far, site(), "live").state == "fail"


def test_count_in_a_zone_polygon() -> None:
    rl = rule("count", {"of": "zones", "kind": "parking"}, types=["camera"], op=">=", value=2)
    out = checker.check_rule(rl, site(), "live")
    assert out.state == "fail" and out.measured == 1 and out.evidence == ["车库：1 台"]
    one = rule("count", {"of": "zones", "kind": "parking"}, types=["camera"], op=">=", value=1)
    assert checker.check_rule(one, site(), "live").state == "pass"


def test_retention_configured_and_held() -> None:
    rl = rule(
        "retention",
        {"of": "site"},
        metric="video.retention_days",
        held_metric="video.retention_held_days",
        op=">=",
        value=30,
    )
    sf = site()
    sf.facts["video.retention_days"] = Fact(15, "set")
    out = checker.check_rule(rl, sf, "design")
    assert out.state == "fail" and "设置保存 15 天" in out.evidence[-1]
    sf.facts["video.retention_days"] = Fact(30, "set")
    assert checker.check_rule(rl, sf, "live").state == "advisory"  # what is held is unknown
    sf.facts["video.retention_held_days"] = Fact(3.0, "held")
    sf.facts["system.operating_days"] = Fact(3.5, "running")
    assert checker.check_rule(rl, sf, "live").state == "pass"  # all kept since it started
    sf.facts["system.operating_days"] = Fact(60.0, "running")
    out = checker.check_rule(rl, sf, "live")
    assert out.state == "fail" and "实际仅保有 3 天" in out.evidence[-1]


def test_secondhand_rules_never_fail_and_the_verdict() -> None:
    base = rule("presence", {"of": "units"}, types=["camera"], radius_m=5).model_dump()
    base["source"] = {"doc": "转述", "confidence": "secondhand"}
    out = checker.check_rule(Rule.model_validate(base), site(), "live")
    assert out.state == "advisory" and out.summary.startswith("若依据属实")
    ok = checker.Result("A", "", "", "mandatory", "", "text", "pass", "")
    bad = checker.Result("B", "", "", "recommended", "", "text", "fail", "")
    worse = checker.Result("C", "", "", "mandatory", "", "text", "fail", "")
    assert checker.tally([ok])["verdict"] == "符合"
    assert checker.tally([ok, bad])["verdict"] == "基本符合"
    assert checker.tally([ok, bad, worse])["verdict"] == "不符合"


def test_empty_scope_is_advisory() -> None:
    rl = rule(
        "numeric",
        {"of": "facts", "fact": "physical.fence_height_m"},
        metric="physical.fence_height_m",
    )
    assert checker.check_rule(rl, site(), "live").state == "advisory"
