// The site map tab: an SVG drawing in metres; alarmed devices and zones blink.

import { api, ApiError } from "./api.js";
import { deviceStateBadge } from "./devices.js";
import { $, fill, formatTime, h, s, scheduler } from "./dom.js";
import { t, tOr } from "./i18n.js";
import { alarmedTargets, kindLabel, state } from "./state.js";

let selectedDeviceId = null;

export async function loadSite() {
  try {
    state.site = await api("/site");
  } catch (err) {
    // 404: no site has been set up yet; the tab says so instead of failing the console.
    if (!(err instanceof ApiError && err.status === 404)) throw err;
    state.site = null;
  }
  render();
}

const render = scheduler(() => {
  const holder = $("#map");
  const site = state.site?.site;
  if (!site) {
    fill(holder, h("p", { class: "muted" }, t("map.none")));
    return;
  }
  const W = Number(site.map_width_m) || 400;
  const H = Number(site.map_height_m) || 300;
  const unit = Math.max(W, H) / 100; // drawing scale: 1% of the longer side
  const { devices: alarmedDevices, zones: alarmedZones } = alarmedTargets();
  const svg = s(
    "svg",
    {
      id: "map-svg",
      viewBox: `0 0 ${W} ${H}`,
      preserveAspectRatio: "xMidYMid meet",
      role: "img",
      "aria-label": site.name,
    },
    s("rect", { class: "ground", x: 0, y: 0, width: W, height: H }),
    grid(W, H),
  );
  for (const z of state.site.zones ?? []) {
    const pts = (z.geometry ?? []).filter((p) => Array.isArray(p) && p.length >= 2);
    if (pts.length < 2) continue;
    const cls = ["zone", `zk-${z.kind}`];
    if (alarmedZones.has(z.id)) cls.push("alarm");
    svg.append(
      s(
        "polyline",
        {
          class: cls.join(" "),
          points: pts.map((p) => `${p[0]},${p[1]}`).join(" "),
          "stroke-width": unit * 0.6,
          dataset: { zoneId: z.id },
          onclick: () => showZone(z),
        },
        s("title", {}, `${t("map.zone")} ${z.code} ${z.name}`),
      ),
    );
    const [lx, ly] = pts[Math.floor(pts.length / 2)];
    svg.append(
      s("text", { class: "zone-label", x: lx, y: ly - unit, "font-size": unit * 2 }, z.code),
    );
  }
  const bw = unit * 10;
  const bh = unit * 6;
  for (const b of state.site.buildings ?? []) {
    if (b.map_x == null || b.map_y == null) continue;
    svg.append(
      s(
        "g",
        { class: "building", dataset: { buildingId: b.id } },
        s("rect", { x: b.map_x - bw / 2, y: b.map_y - bh / 2, width: bw, height: bh, rx: unit * 0.4 }),
        s(
          "text",
          { x: b.map_x, y: b.map_y, "font-size": unit * 2.2, "dominant-baseline": "middle" },
          b.name || b.code,
        ),
        s("title", {}, `${t("map.building")} ${b.code} ${b.name}`),
      ),
    );
  }
  let unplaced = 0;
  for (const d of state.devices.values()) {
    if (d.map_x == null || d.map_y == null) {
      unplaced += 1;
      continue;
    }
    const cls = ["device", `ds-${d.state}`];
    if (alarmedDevices.has(d.id)) cls.push("alarm");
    if (d.id === selectedDeviceId) cls.push("selected");
    svg.append(
      s(
        "circle",
        {
          class: cls.join(" "),
          cx: d.map_x,
          cy: d.map_y,
          r: unit * 1.4,
          dataset: { deviceId: d.id, state: d.state },
          onclick: () => showDevice(d.id),
        },
        s("title", {}, `${d.code} ${d.name} · ${tOr(`dstate.${d.state}`, d.state)}`),
      ),
    );
  }
  fill(holder, svg);
  fill(
    $("#map-note"),
    t("map.clickHint"),
    unplaced ? ` · ${t("map.unplaced", { n: unplaced })}` : "",
    ` · ${site.name} ${W}×${H} ${t("unit.m")}`,
  );
  if (selectedDeviceId !== null) showDevice(selectedDeviceId);
});

function grid(W, H) {
  const g = s("g", { class: "grid-lines" });
  const step = W > 600 || H > 600 ? 100 : 50;
  for (let x = step; x < W; x += step) g.append(s("line", { x1: x, y1: 0, x2: x, y2: H }));
  for (let y = step; y < H; y += step) g.append(s("line", { x1: 0, y1: y, x2: W, y2: y }));
  return g;
}

function openAlarmsFor(pred) {
  return [...state.alarms.values()].filter(pred);
}

function alarmList(alarms) {
  if (alarms.length === 0) return null;
  return [
    h("h3", {}, t("map.openAlarms")),
    h(
      "ul",
      { class: "plain" },
      alarms.map((a) =>
        h("li", {}, `P${a.priority} `, a.title || kindLabel(a.kind), ` · ${tOr(`state.${a.state}`, a.state)}`),
      ),
    ),
  ];
}

function showDevice(id) {
  const d = state.devices.get(id);
  if (!d) return;
  if (selectedDeviceId !== id) {
    selectedDeviceId = id;
    render();
  }
  const zone = state.site?.zones.find((z) => z.id === d.zone_id);
  const building = state.site?.buildings.find((b) => b.id === d.building_id);
  const field = (label, value) => [h("dt", {}, t(label)), h("dd", {}, value ?? t("none"))];
  fill(
    $("#map-info"),
    h("h2", {}, d.code, " ", d.name),
    h(
      "dl",
      { class: "fields", id: "map-device" },
      field("devices.type", tOr(`devtype.${d.type}`, d.type)),
      field("devices.subsystem", tOr(`subsystem.${d.subsystem}`, d.subsystem)),
      field("devices.state", deviceStateBadge(d.state)),
      field("devices.lastSeen", formatTime(d.last_seen_at)),
      field("map.zone", zone ? `${zone.code} ${zone.name}` : null),
      field("map.building", building ? `${building.code} ${building.name}` : null),
    ),
    alarmList(openAlarmsFor((a) => a.device_id === d.id)),
  );
}

function showZone(z) {
  selectedDeviceId = null;
  render();
  fill(
    $("#map-info"),
    h("h2", {}, `${t("map.zone")} ${z.code}`),
    h("p", {}, z.name, ` (${z.kind})`),
    alarmList(openAlarmsFor((a) => a.zone_id === z.id)),
  );
}

export function rerenderMap() {
  render();
}
