"""SIA DC-03 and Ademco Contact ID event tables, and their mapping to anfang event kinds.

The tables are plain data: ``code -> (category, 中文, English)``. A category is the last word
of an anfang kind (``"burglary"`` -> ``home_alarm.burglary``). Codes that are not in a table
get no kind: :func:`kind_for` returns ``None`` and the caller stores the event as
``home_alarm.trouble`` with the raw code in the payload, so nothing a panel sends is lost
and no kind is invented here.
"""

from __future__ import annotations

from typing import Final

# SIA DC-03 two-letter event codes. The alarm/restore pairs follow the standard's naming
# (xA alarm, xR restore, xT trouble, xJ trouble restore, xB bypass, xU unbypass).
SIA_CODES: Final[dict[str, tuple[str, str, str]]] = {
    "BA": ("burglary", "盗警", "Burglary alarm"),
    "BR": ("restore", "盗警恢复", "Burglary restoral"),
    "BB": ("trouble", "盗警防区旁路", "Burglary bypass"),
    "BU": ("restore", "盗警防区旁路恢复", "Burglary unbypass"),
    "BT": ("trouble", "盗警防区故障", "Burglary trouble"),
    "BJ": ("restore", "盗警防区故障恢复", "Burglary trouble restore"),
    "BC": ("disarmed", "盗警取消", "Burglary cancel"),
    "BV": ("burglary", "盗警已确认", "Burglary verified"),
    "BG": ("burglary", "盗警未确认事件", "Unverified burglary event"),
    "BS": ("trouble", "盗警防区监视", "Burglary supervisory"),
    "PA": ("panic", "紧急求助", "Panic alarm"),
    "PR": ("restore", "紧急求助恢复", "Panic restoral"),
    "PB": ("trouble", "紧急防区旁路", "Panic bypass"),
    "PU": ("restore", "紧急防区旁路恢复", "Panic unbypass"),
    "PT": ("trouble", "紧急防区故障", "Panic trouble"),
    "PJ": ("restore", "紧急防区故障恢复", "Panic trouble restore"),
    "HA": ("panic", "挟持报警", "Holdup alarm"),
    "HR": ("restore", "挟持报警恢复", "Holdup restoral"),
    "MA": ("panic", "医疗求助", "Medical alarm"),
    "MR": ("restore", "医疗求助恢复", "Medical restoral"),
    "FA": ("fire", "火警", "Fire alarm"),
    "FR": ("restore", "火警恢复", "Fire restoral"),
    "FB": ("trouble", "火警防区旁路", "Fire bypass"),
    "FU": ("restore", "火警防区旁路恢复", "Fire unbypass"),
    "FT": ("trouble", "火警防区故障", "Fire trouble"),
    "FJ": ("restore", "火警防区故障恢复", "Fire trouble restore"),
    "FH": ("restore", "火警恢复正常", "Fire alarm restore"),
    "FS": ("trouble", "火警监视", "Fire supervisory"),
    "GA": ("gas", "燃气泄漏报警", "Gas alarm"),
    "GR": ("restore", "燃气报警恢复", "Gas alarm restore"),
    "GT": ("trouble", "燃气探测器故障", "Gas trouble"),
    "GJ": ("restore", "燃气探测器故障恢复", "Gas trouble restore"),
    "WA": ("water", "水浸报警", "Water alarm"),
    "WR": ("restore", "水浸报警恢复", "Water alarm restore"),
    "WT": ("trouble", "水浸探测器故障", "Water trouble"),
    "WJ": ("restore", "水浸探测器故障恢复", "Water trouble restore"),
    "TA": ("tamper", "防拆报警", "Tamper alarm"),
    "TR": ("restore", "防拆恢复", "Tamper restoral"),
    "TB": ("trouble", "防拆防区旁路", "Tamper bypass"),
    "TU": ("restore", "防拆防区旁路恢复", "Tamper unbypass"),
    "ES": ("tamper", "扩展模块防拆", "Expansion device tamper"),
    "EJ": ("restore", "扩展模块防拆恢复", "Expansion device tamper restore"),
    "XS": ("tamper", "无线接收机防拆", "RF receiver tamper"),
    "XT": ("trouble", "无线发射器电池低", "RF transmitter battery trouble"),
    "XR": ("restore", "无线发射器电池恢复", "RF transmitter battery restore"),
    "YT": ("trouble", "主机电池故障", "System battery trouble"),
    "YR": ("restore", "主机电池恢复", "System battery restoral"),
    "YM": ("trouble", "主机电池缺失", "System battery missing"),
    "YP": ("trouble", "电源故障", "Power supply trouble"),
    "YQ": ("restore", "电源恢复", "Power supply restored"),
    "YS": ("trouble", "通信故障", "Communications trouble"),
    "YK": ("restore", "通信恢复", "Communications restoral"),
    "YC": ("trouble", "通信失败", "Communications fail"),
    "YX": ("trouble", "需要维护", "Service required"),
    "YZ": ("restore", "维护完成", "Service completed"),
    "AT": ("trouble", "交流电故障", "AC trouble"),
    "AR": ("restore", "交流电恢复", "AC restoral"),
    "LT": ("trouble", "电话线故障", "Phone line trouble"),
    "LR": ("restore", "电话线恢复", "Phone line restoral"),
    "NT": ("trouble", "网络故障", "Network failure"),
    "NR": ("restore", "网络恢复", "Network restoral"),
    "UT": ("trouble", "未分类防区故障", "Untyped zone trouble"),
    "UJ": ("restore", "未分类防区故障恢复", "Untyped zone trouble restore"),
    "UX": ("trouble", "未分类防区异常", "Untyped zone undefined"),
    "UA": ("burglary", "未分类防区报警", "Untyped zone alarm"),
    "UR": ("restore", "未分类防区报警恢复", "Untyped zone restoral"),
    "JA": ("tamper", "用户密码错误（防拆）", "User code tamper"),
    "JT": ("trouble", "时间更改", "Time changed"),
    "CL": ("armed", "布防", "Closing report"),
    "CG": ("armed", "分区布防", "Close area"),
    "CA": ("armed", "自动布防", "Automatic closing"),
    "CS": ("armed", "钥匙开关布防", "Closing keyswitch"),
    "CP": ("armed", "自动布防", "Automatic arming"),
    "NL": ("armed", "留守布防", "Perimeter armed (stay)"),
    "OP": ("disarmed", "撤防", "Opening report"),
    "OG": ("disarmed", "分区撤防", "Open area"),
    "OA": ("disarmed", "自动撤防", "Automatic opening"),
    "OS": ("disarmed", "钥匙开关撤防", "Opening keyswitch"),
    "OR": ("disarmed", "报警后撤防", "Disarm from alarm"),
    "CR": ("armed", "近期布防", "Recent closing"),
    "RP": ("test", "自动测试", "Automatic test"),
    "RX": ("test", "手动测试", "Manual test"),
    "RY": ("test", "测试结束", "Test off normal"),
    "TS": ("test", "测试开始", "Test start"),
    "TE": ("test", "测试结束", "Test end"),
    "TX": ("test", "步测报告", "Test report"),
}

# Ademco Contact ID three-digit events. The qualifier (1 new/opening, 3 restore/closing,
# 6 still present) is applied by :func:`kind_for`, not stored here.
CID_CODES: Final[dict[str, tuple[str, str, str]]] = {
    "100": ("panic", "医疗求助", "Medical"),
    "101": ("panic", "个人紧急求助", "Personal emergency"),
    "102": ("trouble", "未按时报告", "Fail to report in"),
    "110": ("fire", "火警", "Fire"),
    "111": ("fire", "烟感报警", "Smoke"),
    "112": ("fire", "燃烧", "Combustion"),
    "113": ("water", "水流报警", "Water flow"),
    "114": ("fire", "温感报警", "Heat"),
    "115": ("fire", "手动报警按钮", "Pull station"),
    "116": ("fire", "管道报警", "Duct"),
    "117": ("fire", "火焰报警", "Flame"),
    "118": ("fire", "火警预警", "Near alarm"),
    "120": ("panic", "紧急求助", "Panic"),
    "121": ("panic", "挟持报警", "Duress"),
    "122": ("panic", "无声紧急求助", "Silent panic"),
    "123": ("panic", "有声紧急求助", "Audible panic"),
    "124": ("panic", "挟持进入", "Duress access granted"),
    "125": ("panic", "挟持外出", "Duress egress granted"),
    "130": ("burglary", "盗警", "Burglary"),
    "131": ("burglary", "周界报警", "Perimeter"),
    "132": ("burglary", "内部报警", "Interior"),
    "133": ("burglary", "24 小时防区报警", "24 hour (safe)"),
    "134": ("burglary", "出入口报警", "Entry/exit"),
    "135": ("burglary", "日夜防区报警", "Day/night"),
    "136": ("burglary", "户外报警", "Outdoor"),
    "137": ("tamper", "防拆报警", "Tamper"),
    "138": ("burglary", "盗警预警", "Near alarm"),
    "139": ("burglary", "入侵已确认", "Intrusion verifier"),
    "140": ("burglary", "一般报警", "General alarm"),
    "144": ("tamper", "传感器防拆", "Sensor tamper"),
    "145": ("tamper", "扩展模块防拆", "Expansion module tamper"),
    "146": ("burglary", "无声盗警", "Silent burglary"),
    "150": ("burglary", "24 小时非盗警报警", "24 hour non-burglary"),
    "151": ("gas", "燃气泄漏", "Gas detected"),
    "152": ("trouble", "冷藏故障", "Refrigeration"),
    "153": ("trouble", "失去供暖", "Loss of heat"),
    "154": ("water", "水浸", "Water leakage"),
    "155": ("trouble", "箔片断裂", "Foil break"),
    "156": ("trouble", "白天防区故障", "Day trouble"),
    "158": ("trouble", "高温", "High temperature"),
    "159": ("trouble", "低温", "Low temperature"),
    "162": ("gas", "一氧化碳", "Carbon monoxide detected"),
    "200": ("trouble", "消防监视", "Fire supervisory"),
    "300": ("trouble", "系统故障", "System trouble"),
    "301": ("trouble", "交流电掉电", "AC loss"),
    "302": ("trouble", "主机电池电压低", "Low system battery"),
    "303": ("trouble", "存储器校验错误", "RAM checksum bad"),
    "305": ("trouble", "系统复位", "System reset"),
    "306": ("trouble", "编程已更改", "Panel programming changed"),
    "309": ("trouble", "电池测试失败", "Battery test failure"),
    "311": ("trouble", "电池缺失", "Battery missing"),
    "312": ("trouble", "电源过流", "Power supply overcurrent"),
    "320": ("trouble", "警号/继电器故障", "Sounder/relay"),
    "321": ("trouble", "警号 1 故障", "Bell 1"),
    "330": ("trouble", "系统外设故障", "System peripheral trouble"),
    "333": ("trouble", "扩展模块故障", "Expansion module failure"),
    "341": ("tamper", "扩展模块防拆", "Expansion module tamper"),
    "344": ("trouble", "无线接收机干扰", "RF receiver jam"),
    "350": ("trouble", "通信故障", "Communication trouble"),
    "351": ("trouble", "电话线 1 故障", "Telco 1 fault"),
    "352": ("trouble", "电话线 2 故障", "Telco 2 fault"),
    "354": ("trouble", "通信失败", "Failure to communicate"),
    "355": ("trouble", "无线通信监视丢失", "Loss of radio supervision"),
    "370": ("trouble", "防区回路故障", "Protection loop"),
    "373": ("trouble", "火警回路故障", "Fire trouble"),
    "374": ("trouble", "退出延时报错", "Exit error alarm"),
    "380": ("trouble", "传感器故障", "Sensor trouble"),
    "381": ("trouble", "无线传感器监视丢失", "Loss of supervision - RF"),
    "383": ("tamper", "传感器防拆", "Sensor tamper"),
    "384": ("trouble", "无线传感器电池低", "RF low battery"),
    "400": ("disarmed", "撤防/布防", "Open/close"),
    "401": ("disarmed", "用户撤防/布防", "Open/close by user"),
    "402": ("disarmed", "分区撤防/布防", "Group open/close"),
    "403": ("disarmed", "自动撤防/布防", "Automatic open/close"),
    "406": ("disarmed", "用户取消", "Cancel"),
    "407": ("disarmed", "遥控撤防/布防", "Remote arm/disarm"),
    "408": ("disarmed", "快速布防", "Quick arm"),
    "409": ("disarmed", "钥匙开关撤防/布防", "Keyswitch open/close"),
    "441": ("disarmed", "留守撤防/布防", "Armed stay"),
    "461": ("tamper", "密码错误次数过多", "Wrong code entry"),
    "570": ("trouble", "防区旁路", "Zone/sensor bypass"),
    "572": ("trouble", "24 小时防区旁路", "24 hour zone bypass"),
    "573": ("trouble", "盗警防区旁路", "Burglary bypass"),
    "601": ("test", "手动测试", "Manual trigger test"),
    "602": ("test", "定期测试报告", "Periodic test report"),
    "603": ("test", "定期无线测试", "Periodic RF transmission"),
    "604": ("test", "消防测试", "Fire test"),
    "607": ("test", "步测模式", "Walk test mode"),
    "627": ("trouble", "进入编程模式", "Program mode entry"),
    "628": ("trouble", "退出编程模式", "Program mode exit"),
}

# Perimeter hosts report through the same codes; these categories have perimeter kinds.
# Others (panic, fire, gas, water, test) stay home_alarm.* because perimeter declares no
# such kinds and a fire on a perimeter panel is still a fire.
_PERIMETER: Final[dict[str, str]] = {
    "burglary": "perimeter.intrusion",
    "restore": "perimeter.restore",
    "tamper": "perimeter.tamper",
    "trouble": "perimeter.trouble",
    "armed": "perimeter.armed",
    "disarmed": "perimeter.disarmed",
}


def describe(code: str) -> tuple[str, str] | None:
    """The (中文, English) description of a SIA code or Contact ID event, or None if unknown."""
    row = SIA_CODES.get(code) or CID_CODES.get(code)
    return None if row is None else (row[1], row[2])


def category_for(code: str, qualifier: int | None = None) -> str | None:
    """The anfang category of a SIA code (``qualifier`` None) or a Contact ID event."""
    if qualifier is None:
        row = SIA_CODES.get(code)
        return None if row is None else row[0]
    if qualifier not in (1, 3, 6):
        return None
    row = CID_CODES.get(code)
    if row is None:
        return None
    category = row[0]
    if code.startswith("4") and category == "disarmed":
        # Open/close events: qualifier 1 is an opening (disarm), 3 a closing (arm).
        return "armed" if qualifier == 3 else "disarmed"
    if qualifier == 3 and category != "test":
        return "restore"
    # Qualifier 6 reports a condition that is still present: same meaning as when it began.
    return category


def kind_for(code_or_cid: str | int, qualifier: int | None, *, perimeter: bool) -> str | None:
    """The anfang event kind for a SIA DC-03 code or a Contact ID event, or None if unknown.

    A two-letter ``code_or_cid`` is a SIA code (``qualifier`` ignored); a three-digit one
    (or an int) is a Contact ID event with qualifier 1, 3 or 6. ``perimeter`` selects the
    ``perimeter.*`` kinds for perimeter hosts. None means "not in the tables": store the
    event as ``home_alarm.trouble`` with the raw code in its payload.
    """
    code = f"{code_or_cid:03d}" if isinstance(code_or_cid, int) else code_or_cid.strip().upper()
    if len(code) == 3 and code.isdigit():
        if qualifier is None:
            return None
        category = category_for(code, qualifier)
    elif len(code) == 2 and code.isalpha():
        category = category_for(code)
    else:
        return None
    if category is None:
        return None
    if perimeter and category in _PERIMETER:
        return _PERIMETER[category]
    return f"home_alarm.{category}"
