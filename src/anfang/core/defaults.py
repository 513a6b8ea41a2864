"""The alarm definitions a new installation starts with (editable afterwards)."""

from __future__ import annotations

from typing import Any

DEFAULT_DEFINITIONS: list[dict[str, Any]] = [
    {
        "name": "周界入侵",
        "kinds": ["perimeter.intrusion"],
        "priority": 1,
        "ack_timeout_s": 60,
        "procedure": (
            "1. 调取联动摄像机画面确认；2. 派保安前往该防区；3. 确认后复位并填写处理结果。"
        ),
    },
    {
        "name": "紧急求助",
        "kinds": ["home_alarm.panic", "access.duress"],
        "priority": 1,
        "ack_timeout_s": 30,
        "procedure": "1. 立即回拨住户电话；2. 派人上门；3. 必要时报警110/120。",
    },
    {
        "name": "火警",
        "kinds": ["home_alarm.fire", "*.fire"],
        "priority": 1,
        "ack_timeout_s": 30,
        "procedure": "1. 确认火情；2. 通知消防控制室并拨打119；3. 组织疏散。",
    },
    {
        "name": "入室报警",
        "kinds": ["home_alarm.burglary"],
        "priority": 2,
        "ack_timeout_s": 60,
        "procedure": "1. 联系住户核实；2. 派保安上门查看。",
    },
    {
        "name": "燃气/水浸报警",
        "kinds": ["home_alarm.gas", "home_alarm.water"],
        "priority": 2,
        "ack_timeout_s": 60,
        "procedure": "1. 联系住户；2. 通知物业工程人员。",
    },
    {
        "name": "设备防拆",
        "kinds": ["*.tamper", "device.tamper"],
        "priority": 2,
        "ack_timeout_s": 120,
        "procedure": "派人检查设备外壳与安装情况。",
    },
    {
        "name": "强行开门/门长时间未关",
        "kinds": ["access.door_forced", "access.door_held"],
        "priority": 2,
        "ack_timeout_s": 120,
        "procedure": "调取门口摄像机画面，派人到场查看。",
    },
    {
        "name": "视频丢失",
        "kinds": ["video.loss"],
        "priority": 3,
        "ack_timeout_s": 300,
        "procedure": "检查摄像机供电与网络，通知维保。",
    },
    {
        "name": "设备离线",
        "kinds": ["device.offline", "access.reader_offline"],
        "priority": 3,
        "ack_timeout_s": 600,
        "procedure": "检查设备供电与网络，通知维保单位。",
    },
    {
        "name": "设备故障",
        "kinds": ["device.fault", "*.trouble"],
        "priority": 3,
        "ack_timeout_s": 600,
        "procedure": "通知维保单位检修。",
    },
    {
        "name": "黑名单车辆",
        "kinds": ["parking.blacklist"],
        "priority": 2,
        "ack_timeout_s": 120,
        "procedure": "核对车牌与画面，通知岗亭保安。",
    },
    {
        "name": "巡更异常",
        "kinds": ["patrol.missed", "patrol.late"],
        "priority": 4,
        "procedure": "联系当班巡更人员核实。",
    },
]
