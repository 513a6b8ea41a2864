"""Design files: clear refusals for what cannot be read, the design's facts, and the
difference between an approved design and the live site."""

from __future__ import annotations

import copy

import pytest

from anfang.compliance import design
from tests.compliance.conftest import SITE, design_yaml


def test_refusals() -> None:
    for data, words in (
        (b"site: [1", "not valid YAML"),
        (b"\xff\xfe", "not UTF-8"),
        (b"- a", "'site' key"),
        (design_yaml(declared={"x": [1, 2]}).encode(), "design.x"),
        (b"site: {code: t}\n", "site.name"),
        (b"x" * (10 * 1024 * 1024 + 1), "at most"),
    ):
        with pytest.raises(design.DesignError, match=words):
            design.load(data)


def test_facts_of_a_design() -> None:
    sf = design.site_facts(*design.load(design_yaml().encode()))
    assert len(sf.households) == 12 and sf.facts["perimeter.closed"].value is True
    assert sf.facts["video.retention_days"].value == 30
    heights = design.site_facts(
        *design.load(
            design_yaml(declared={"physical.fence_height_m": {"W1": 2.0, "W2": 1.5}}).encode()
        )
    )
    assert heights.facts["physical.fence_height_m"].value == 1.5
    assert dict(heights.facts["physical.fence_height_m"].items) == {"W1": 2.0, "W2": 1.5}


def test_differences() -> None:
    approved = design.site_facts(*design.load(design_yaml().encode()))
    changed = copy.deepcopy(SITE)
    changed["devices"] = [d for d in changed["devices"] if d["code"] != "TS-2"]
    changed["devices"][0]["unit"] = "2"
    changed["zones"][0]["geometry"] = [[0, 0], [20, 0]]
    changed["buildings"].append({"code": "B2", "name": "2号楼"})
    live = design.site_facts(*design.load(design_yaml(changed).encode()))
    assert design.differences(approved, live) == [
        "新增楼栋 2号楼（B2）",
        "防区 PZ1 长度由 60 m 改为 20 m",
        "缺少设备 北门闸机（TS-2）",
        "设备 CAM-U1 安装位置改变",
    ]
    assert design.differences(approved, approved) == []
