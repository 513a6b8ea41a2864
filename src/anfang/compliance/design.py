"""A design file: the site file a designer submits before anything is built (the format of
docs/site-file.md) plus a ``design:`` block stating what the site model cannot show
(retention, fence heights, which households get panic buttons, the uplink). Parsed into
the checker's :class:`SiteFacts`, and compared with the live site model."""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import ValidationError

from anfang.compliance.sitefacts import Item, SiteFacts, device, perimeter_closed
from anfang.core.errors import DomainError
from anfang.core.facts import Fact, Value, least
from anfang.site import yamlfile
from anfang.site.geometry import polyline_length
from anfang.site.importer import MAX_IMPORT_BYTES, SiteFile, rooms_of

DECLARED = "设计文件声明"


class DesignError(DomainError):
    """The design file cannot be read (422, with where and why)."""

    status = 422


def load(data: bytes) -> tuple[SiteFile, dict[str, Any]]:
    """The site file and the ``design:`` block of a design file; raises DesignError."""
    if len(data) > MAX_IMPORT_BYTES:
        raise DesignError(f"design file is {len(data)} bytes; at most {MAX_IMPORT_BYTES}", 413)
    try:
        doc = yamlfile.load(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise DesignError(
            f"design file is not UTF-8 text (bad byte at offset {exc.start})"
        ) from exc
    except yaml.YAMLError as exc:
        raise DesignError(f"design file is not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(doc, dict) or "site" not in doc:
        raise DesignError("a design file is a YAML mapping with a 'site' key (docs/compliance.md)")
    declared = doc.pop("design", None) or {}
    if not isinstance(declared, dict) or not all(isinstance(k, str) for k in declared):
        raise DesignError("'design' is a mapping of fact names to values")
    for k, v in declared.items():
        ok = isinstance(v, bool | int | float | str) or (
            isinstance(v, dict) and all(isinstance(x, bool | int | float | str) for x in v.values())
        )
        if not ok:
            raise DesignError(
                f"design.{k}: a number, true/false, text, or a mapping of item codes to one"
            )
    try:
        return SiteFile.model_validate(doc), declared
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise DesignError(f"{where}: {first['msg']} ({exc.error_count()} errors)") from exc


def _fact(name: str, v: Any) -> Fact:
    if isinstance(v, dict):
        items: dict[str, Value] = {str(k): x for k, x in v.items()}
        return Fact(least(items), f"{DECLARED}：{name}", items)
    return Fact(v, f"{DECLARED}：{name} = {v}")


def site_facts(sf: SiteFile, declared: dict[str, Any]) -> SiteFacts:
    """What the checker sees of a design."""
    out = SiteFacts(sf.site.name, sf.site.area_m2)
    for b in sf.buildings:
        at = (b.map_x, b.map_y) if b.map_x is not None and b.map_y is not None else None
        out.buildings.append(Item(b.code, b.name, "building", b.kind, at=at))
        for u in b.units:
            uname = f"{b.name}{u.name or u.code}"
            out.units.append(
                Item(f"{b.code}/{u.code}", uname, "unit", building=b.code, unit=u.code)
            )
            for floor, room in rooms_of(b, u):
                out.households.append(
                    Item(
                        f"{b.code}/{u.code}/{room}",
                        f"{uname}{room}",
                        "household",
                        building=b.code,
                        unit=u.code,
                        floor=floor,
                    )
                )
    for z in sf.zones:
        line = tuple((float(p[0]), float(p[1])) for p in z.geometry)
        length = z.length_m if z.length_m is not None else (polyline_length(line) if line else None)
        out.zones.append(Item(z.code, z.name, "zone", z.kind, line=line, length_m=length))
    for d in sf.devices:
        out.devices.append(device(d, d.building, d.unit, d.zone))
    closed, why = perimeter_closed(out.zones)
    out.facts["perimeter.closed"] = Fact(closed, why)
    out.facts.update({k: _fact(k, v) for k, v in declared.items()})
    return out


def differences(approved: SiteFacts, live: SiteFacts) -> list[str]:
    """Where the live site model differs from the approved design, in words."""
    out: list[str] = []
    for label, a_items, b_items in (
        ("楼栋", approved.buildings, live.buildings),
        ("防区", approved.zones, live.zones),
        ("设备", approved.devices, live.devices),
    ):
        a = {i.key: i for i in a_items}
        b = {i.key: i for i in b_items}
        out += [f"新增{label} {b[k].name}（{k}）" for k in sorted(b.keys() - a.keys())]
        out += [f"缺少{label} {a[k].name}（{k}）" for k in sorted(a.keys() - b.keys())]
        for k in sorted(a.keys() & b.keys()):
            x, y = a[k], b[k]
            if x.kind != y.kind or x.types != y.types:
                out.append(f"{label} {k} 类型由 {x.kind or x.types} 改为 {y.kind or y.types}")
            elif (x.building, x.unit, x.zone) != (y.building, y.unit, y.zone):
                out.append(f"{label} {k} 安装位置改变")
            elif x.length_m and y.length_m and abs(x.length_m - y.length_m) > 1.0:
                out.append(f"{label} {k} 长度由 {x.length_m:.0f} m 改为 {y.length_m:.0f} m")
    return out
