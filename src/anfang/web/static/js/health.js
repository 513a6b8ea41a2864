// Device health in the monitoring centre tab: per subsystem the devices online, offline or
// faulty and the alarms still open (a click opens that subsystem's tab), then the devices
// that need attention with their availability over 7 days, and each camera's recording.

import { errorText } from "./alarm-actions.js";
import { api } from "./api.js";
import { $, fill, formatShort, h } from "./dom.js";
import { addStrings, t, tOr } from "./i18n.js";
import { toast } from "./toast.js";

const ZH = {
  "health.title": "设备健康",
  "health.subsystem": "子系统",
  "health.total": "设备",
  "health.online": "在线",
  "health.offline": "离线",
  "health.fault": "故障",
  "health.openAlarms": "未结告警",
  "health.attention": "需要关注的设备（近 {days} 天可用率）",
  "health.none": "所有设备正常",
  "health.availability": "可用率 {p}%，离线 {n} 次",
  "health.lastSeen": "最后在线 {at}",
  "health.recording": "录像：{state}",
  "health.notRecording": "不录像（仅实时）",
};

const EN = {
  "health.title": "Device health",
  "health.subsystem": "Subsystem",
  "health.total": "Devices",
  "health.online": "Online",
  "health.offline": "Offline",
  "health.fault": "Fault",
  "health.openAlarms": "Open alarms",
  "health.attention": "Devices needing attention (availability over {days} days)",
  "health.none": "Every device is well",
  "health.availability": "available {p}%, {n} outages",
  "health.lastSeen": "last seen {at}",
  "health.recording": "recording: {state}",
  "health.notRecording": "not recorded (live only)",
};

addStrings(ZH, EN);

// The tab that shows a subsystem's detail (main.js switches to it).
const TAB_OF = { video: "video", access: "access", intercom: "intercom", patrol: "patrol",
  parking: "parking", perimeter: "map", physical: "patrol", home_alarm: "center" };
let openTab = () => {};

export function healthSection(showTab) {
  openTab = showTab ?? openTab;
  return h("section", { id: "center-health", class: "center-section" },
    h("h3", {}, t("health.title")),
    h("table", { class: "grid small" },
      h("thead", {}, h("tr", {}, ["health.subsystem", "health.total", "health.online", "health.offline", "health.fault", "health.openAlarms"].map((k) => h("th", {}, t(k))))),
      h("tbody", { id: "health-subsystems" })),
    h("h4", { id: "health-attention-title" }),
    h("ul", { id: "health-devices", class: "plain health-devices" }));
}

export async function refreshHealth() {
  let data;
  let cameras = [];
  try {
    [data, cameras] = await Promise.all([api("/center/health"), api("/video/cameras").catch(() => [])]);
  } catch (err) {
    toast(errorText(err), "error");
    return;
  }
  const rec = new Map(cameras.map((c) => [c.device_code, c]));
  fill($("#health-subsystems"), data.by_subsystem.map((s) => h("tr", {
    class: s.offline || s.fault ? "bad" : "",
    dataset: { subsystem: s.subsystem },
    onclick: () => TAB_OF[s.subsystem] && openTab(TAB_OF[s.subsystem]),
  }, h("td", {}, tOr(`subsystem.${s.subsystem}`, s.subsystem)), h("td", {}, s.total), h("td", {}, s.online),
  h("td", {}, s.offline), h("td", {}, s.fault), h("td", {}, s.open_alarms))));
  fill($("#health-attention-title"), t("health.attention", { days: data.days }));
  const bad = data.devices.filter((d) => d.enabled && (d.state === "offline" || d.state === "fault"
    || d.state === "tamper" || d.availability < 0.99 || (rec.get(d.code)?.record && rec.get(d.code)?.state !== "recording")));
  bad.sort((a, b) => a.availability - b.availability);
  if (!bad.length) {
    fill($("#health-devices"), h("li", { class: "muted" }, t("health.none")));
    return;
  }
  fill($("#health-devices"), bad.slice(0, 100).map((d) => {
    const cam = rec.get(d.code);
    return h("li", { dataset: { device: d.code }, class: `dstate-${d.state}` },
      h("strong", {}, `${d.code} ${d.name}`), " · ", tOr(`dstate.${d.state}`, d.state), " · ",
      t("health.availability", { p: (d.availability * 100).toFixed(2), n: d.outages }),
      d.last_seen_at ? [" · ", t("health.lastSeen", { at: formatShort(d.last_seen_at) })] : null,
      cam ? [" · ", cam.record ? t("health.recording", { state: tOr(`video.state.${cam.state}`, cam.state) }) : t("health.notRecording")] : null,
      cam?.last_error ? h("div", { class: "muted" }, cam.last_error) : null);
  }));
}
