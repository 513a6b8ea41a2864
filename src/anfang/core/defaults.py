"""The alarm definitions an installation starts with (editable afterwards), and how they
are seeded: on every start, by a stable key, so that a default added in a later version
reaches an existing site too, and never over an operator's edits."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import select

from anfang.core.writer import WriteContext
from anfang.store.models import AlarmDefinition

# What an operator may edit; the digest of these tells an edited definition from a seeded one.
_CONTENT = (
    "name", "kinds", "priority", "ack_timeout_s", "procedure", "schedule", "device_codes",
    "zone_ids", "enabled",
)  # fmt: skip
_DEFAULTS_OF_COLUMNS = {"priority": 3, "procedure": "", "enabled": True}

DEFAULT_DEFINITIONS: list[dict[str, Any]] = [
    {
        "key": "perimeter_intrusion",
        "name": "周界入侵",
        "kinds": ["perimeter.intrusion"],
        "priority": 1,
        "ack_timeout_s": 60,
        "procedure": (
            "1. 调取联动摄像机画面确认；2. 派保安前往该防区；3. 确认后复位并填写处理结果。"
        ),
    },
    {
        "key": "panic",
        "name": "紧急求助",
        "kinds": ["home_alarm.panic", "access.duress"],
        "priority": 1,
        "ack_timeout_s": 30,
        "procedure": "1. 立即回拨住户电话；2. 派人上门；3. 必要时报警110/120。",
    },
    {
        "key": "fire",
        "name": "火警",
        "kinds": ["home_alarm.fire", "*.fire"],
        "priority": 1,
        "ack_timeout_s": 30,
        "procedure": "1. 确认火情；2. 通知消防控制室并拨打119；3. 组织疏散。",
    },
    {
        "key": "burglary",
        "name": "入室报警",
        "kinds": ["home_alarm.burglary"],
        "priority": 2,
        "ack_timeout_s": 60,
        "procedure": "1. 联系住户核实；2. 派保安上门查看。",
    },
    {
        "key": "gas_water",
        "name": "燃气/水浸报警",
        "kinds": ["home_alarm.gas", "home_alarm.water"],
        "priority": 2,
        "ack_timeout_s": 60,
        "procedure": "1. 联系住户；2. 通知物业工程人员。",
    },
    {
        "key": "tamper",
        "name": "设备防拆",
        "kinds": ["*.tamper", "device.tamper"],
        "priority": 2,
        "ack_timeout_s": 120,
        "procedure": "派人检查设备外壳与安装情况。",
    },
    {
        "key": "door_forced_held",
        "name": "强行开门/门长时间未关",
        "kinds": ["access.door_forced", "access.door_held"],
        "priority": 2,
        "ack_timeout_s": 120,
        "procedure": "调取门口摄像机画面，派人到场查看。",
    },
    {
        "key": "video_loss",
        "name": "视频丢失",
        "kinds": ["video.loss"],
        "priority": 3,
        "ack_timeout_s": 300,
        "procedure": "检查摄像机供电与网络，通知维保。",
    },
    {
        "key": "device_offline",
        "name": "设备离线",
        "kinds": ["device.offline", "access.reader_offline"],
        "priority": 3,
        "ack_timeout_s": 600,
        "procedure": "检查设备供电与网络，通知维保单位。",
    },
    {
        "key": "device_fault",
        "name": "设备故障",
        "kinds": ["device.fault", "*.trouble"],
        "priority": 3,
        "ack_timeout_s": 600,
        "procedure": "通知维保单位检修。",
    },
    {
        "key": "vehicle_blacklist",
        "name": "黑名单车辆",
        "kinds": ["parking.blacklist"],
        "priority": 1,
        "ack_timeout_s": 60,
        "procedure": "1. 核对抓拍车牌与联动画面；2. 通知岗亭保安拦停并核实；3. 必要时报警110。",
    },
    {
        "key": "patrol_exception",
        "name": "巡更异常",
        "kinds": ["patrol.missed", "patrol.not_started", "patrol.abandoned"],
        "priority": 3,
        "ack_timeout_s": 600,
        "procedure": "1. 电话联系当班巡更人员核实；2. 未能联系上时派人沿路线查看；3. 记录原因。",
    },
    {
        "key": "physical_damage",
        "name": "实体防护损坏/维修超期",
        "kinds": ["physical.damage", "physical.repair_overdue"],
        "priority": 3,
        "ack_timeout_s": 600,
        "procedure": "1. 派人现场查看；2. 必要时临时加强巡查或布控；3. 督促维修单位在期限内修复。",
    },
    {
        "key": "compliance_due",
        "name": "整改/备案超期",
        "kinds": ["compliance.order_overdue", "compliance.registration_due"],
        "priority": 3,
        "ack_timeout_s": 3600,
        "procedure": "1. 查看整改通知书或备案要求；2. 通知物业负责人落实；"
        "3. 向民警说明进度并上传整改证据。",
    },
    {
        "key": "patrol_sos",
        "name": "巡更人员求助",
        "kinds": ["patrol.sos"],
        "priority": 1,
        "ack_timeout_s": 30,
        "procedure": "1. 立即回拨该巡更人员；2. 调取附近摄像机；3. 派人支援，必要时报警110/120。",
    },
]


def digest(content: dict[str, Any]) -> str:
    """The SHA-256 of a definition's editable content (missing fields at their defaults)."""
    full = {f: content.get(f, _DEFAULTS_OF_COLUMNS.get(f)) for f in _CONTENT}
    return hashlib.sha256(orjson.dumps(full, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _content(row: AlarmDefinition) -> dict[str, Any]:
    return {f: getattr(row, f) for f in _CONTENT}


def _fields(default: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in default.items() if k != "key"}


def seed(ctx: WriteContext, defaults: Sequence[dict[str, Any]] = DEFAULT_DEFINITIONS) -> int:
    """Bring the seeded definitions up to ``defaults``; how many rows were added or updated.

    - A default whose key no row has is added (a new site, or a default new in this
      version). A row seeded before keys existed, found by its name, is adopted instead;
      if it differs from the default only by fewer kinds (an older default, unedited) it
      gets the new kinds, else it counts as edited and stays as it is.
    - A row seeded from a default and not edited since (its content still has the digest
      it was seeded with) follows the default when the default changes.
    - A row an operator edited is never changed.
    """
    rows = list(ctx.session.scalars(select(AlarmDefinition)))
    by_key = {r.default_key: r for r in rows if r.default_key}
    legacy = {r.name: r for r in rows if not r.default_key}
    changed = 0
    for default in defaults:
        key, fields = default["key"], _fields(default)
        want = digest(fields)
        row = by_key.get(key)
        if row is None and (row := legacy.pop(fields["name"], None)) is not None:
            row.default_key = key
            mine = _content(row)
            older = {**mine, "kinds": fields["kinds"]}
            unedited = set(mine["kinds"]) <= set(fields["kinds"]) and digest(older) == want
            row.default_digest = digest(mine) if unedited else ""
            changed += 1
        if row is None:
            ctx.session.add(AlarmDefinition(**fields, default_key=key, default_digest=want))
            changed += 1
        elif row.default_digest and row.default_digest == digest(_content(row)) != want:
            for f, v in fields.items():
                setattr(row, f, v)
            row.default_digest = want
            changed += 1
    if changed:
        ctx.session.flush()
        ctx.mark_changed("alarm_definitions")
    return changed
