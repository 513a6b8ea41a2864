// The car-park tab: each lot's occupancy, the latest plate reads with their captures and
// the platform's decisions, exits that no entry matched with the plates they were probably
// misread from (the operator confirms, nothing is guessed), the lanes with a manual open
// (reason required, audited), today's traffic and occupancy as charts, and XLSX reports.

import { api, ApiError, downloadFile, imageDataUrl } from "./api.js";
import { $, fill, formatShort, h, s } from "./dom.js";
import { addStrings, t } from "./i18n.js";
import { askReason } from "./reason-dialog.js";
import { toast } from "./toast.js";
import { poller } from "./poller.js";

const CLASSES = ["resident", "visitor", "unknown", "black"];
const CLASS_ZH = ["住户", "访客", "外来", "黑名单"];
const CLASS_EN = ["Resident", "Visitor", "Unknown", "Blacklisted"];
const REASONS = ["resident", "resident_expired", "invited", "visitor_desk", "unknown",
  "unknown_open", "exit", "blacklisted", "malformed", "empty", "too_long", "bad_colour",
  "bad_confidence", "no_lane"];
const REASON_ZH = ["住户车辆", "住户车辆已过期", "访客预约", "访客请到岗亭登记", "未登记车辆",
  "未登记车辆（放行）", "出场放行", "黑名单车辆", "车牌格式错误", "无车牌", "车牌过长",
  "车牌颜色无效", "置信度无效", "相机未配置车道"];
const REASON_EN = ["Resident", "Resident (expired)", "Invited visitor", "Visitor: see the desk",
  "Unknown vehicle", "Unknown (let in)", "Exit", "Blacklisted", "Malformed plate", "No plate",
  "Plate too long", "Bad colour", "Bad confidence", "Camera has no lane"];

const ZH = {
  "tab.parking": "停车",
  "parking.lots": "车场",
  "parking.inside": "场内 {n} / {cap}",
  "parking.inside.nocap": "场内 {n}",
  "parking.reads": "车牌识别记录",
  "parking.col.time": "时间",
  "parking.col.lane": "车道",
  "parking.col.plate": "车牌",
  "parking.col.capture": "抓拍",
  "parking.col.class": "类别",
  "parking.col.decision": "结果",
  "parking.open": "放行",
  "parking.closed": "未放行",
  "parking.unmatched": "无入场记录的出场",
  "parking.unmatched.none": "无",
  "parking.match": "确认为 {plate}",
  "parking.match.done": "已确认：{plate}",
  "parking.lanes": "车道",
  "parking.lane.in": "入口",
  "parking.lane.out": "出口",
  "parking.manual": "人工开闸",
  "parking.manual.title": "人工开闸：{lane}",
  "parking.manual.reason": "开闸原因（必填，记入审计）",
  "parking.manual.done": "已开闸：{lane}",
  "parking.manual.denied": "无开闸权限",
  "parking.chart": "今日车流与场内车辆",
  "parking.chart.in": "入场",
  "parking.chart.out": "出场",
  "parking.chart.occ": "场内",
  "parking.xlsx.day": "下载日报表",
  "parking.xlsx.month": "下载月报表",
  "parking.overstay": "超时停留 {n} 辆",
  "parking.empty": "暂无识别记录",
  ...Object.fromEntries(CLASSES.map((k, i) => [`parking.class.${k}`, CLASS_ZH[i]])),
  ...Object.fromEntries(REASONS.map((k, i) => [`parking.reason.${k}`, REASON_ZH[i]])),
};

const EN = {
  "tab.parking": "Car park",
  "parking.lots": "Lots",
  "parking.inside": "{n} / {cap} inside",
  "parking.inside.nocap": "{n} inside",
  "parking.reads": "Plate reads",
  "parking.col.time": "Time",
  "parking.col.lane": "Lane",
  "parking.col.plate": "Plate",
  "parking.col.capture": "Capture",
  "parking.col.class": "Class",
  "parking.col.decision": "Decision",
  "parking.open": "Opened",
  "parking.closed": "Kept shut",
  "parking.unmatched": "Exits without an entry",
  "parking.unmatched.none": "None",
  "parking.match": "It was {plate}",
  "parking.match.done": "Confirmed: {plate}",
  "parking.lanes": "Lanes",
  "parking.lane.in": "Entry",
  "parking.lane.out": "Exit",
  "parking.manual": "Open barrier",
  "parking.manual.title": "Open barrier: {lane}",
  "parking.manual.reason": "Reason (required, audited)",
  "parking.manual.done": "Barrier opened: {lane}",
  "parking.manual.denied": "Not allowed to open barriers",
  "parking.chart": "Today's traffic and occupancy",
  "parking.chart.in": "In",
  "parking.chart.out": "Out",
  "parking.chart.occ": "Inside",
  "parking.xlsx.day": "Day report (XLSX)",
  "parking.xlsx.month": "Month report (XLSX)",
  "parking.overstay": "{n} overstaying",
  "parking.empty": "No reads yet",
  ...Object.fromEntries(CLASSES.map((k, i) => [`parking.class.${k}`, CLASS_EN[i]])),
  ...Object.fromEntries(REASONS.map((k, i) => [`parking.reason.${k}`, REASON_EN[i]])),
};

addStrings(ZH, EN);

const POLL_MS = 3000;
const polling = poller(() => poll(), POLL_MS);
const view = { root: null, lots: [], reads: [], lanes: [], report: null,
  thumbs: new Map(), ticks: 0, insideIds: new Map() };

function build() {
  const head = h("thead", {}, h("tr", {},
    ...["time", "lane", "plate", "capture", "class", "decision"].map((c) =>
      h("th", { scope: "col" }, t(`parking.col.${c}`)))));
  const bar = h("div", { class: "patrol-bar" },
    h("div", { id: "parking-lots", class: "parking-lots" }),
    h("button", { type: "button", onclick: () => download("day") }, t("parking.xlsx.day")),
    h("button", { type: "button", onclick: () => download("month") }, t("parking.xlsx.month")));
  const main = h("section", { class: "patrol-rounds" }, h("h3", {}, t("parking.reads")),
    h("table", { class: "grid" }, head, h("tbody", { id: "parking-rows" })));
  const side = h("section", { class: "patrol-side" },
    h("h3", {}, t("parking.chart")), h("div", { id: "parking-chart" }),
    h("h3", {}, t("parking.unmatched")), h("ul", { id: "parking-unmatched", class: "plain" }),
    h("h3", {}, t("parking.lanes")), h("ul", { id: "parking-lanes", class: "plain" }));
  fill(view.root, bar, h("div", { class: "patrol-layout" }, main, side));
}

async function thumb(name, img) {
  if (!view.thumbs.has(name)) {
    const url = await imageDataUrl(`/parking/captures/${name}`);
    if (!url) return; // a missing capture leaves the cell empty
    view.thumbs.set(name, url);
  }
  img.src = view.thumbs.get(name);
}

function renderLots() {
  const box = $("#parking-lots");
  if (!box) return;
  fill(box, view.lots.map((lot) => {
    const pct = lot.capacity ? Math.min(100, Math.round((100 * lot.inside) / lot.capacity)) : 0;
    const label = lot.capacity ? t("parking.inside", { n: lot.inside, cap: lot.capacity })
      : t("parking.inside.nocap", { n: lot.inside });
    const gauge = s("svg", { viewBox: "0 0 100 8", width: 120, height: 10, role: "img" },
      s("rect", { x: 0, y: 0, width: 100, height: 8, fill: "#30363d" }),
      s("rect", { x: 0, y: 0, width: pct, height: 8, fill: pct > 90 ? "#e5484d" : "#2f9e44" }));
    return h("span", { class: "parking-lot", "data-lot": lot.code }, h("b", {}, lot.name), " ",
      gauge, " ", label,
      lot.overstays.length ? h("span", { class: "badge st-acknowledged" },
        t("parking.overstay", { n: lot.overstays.length })) : null);
  }));
}

function renderReads() {
  const body = $("#parking-rows");
  if (!body) return;
  if (!view.reads.length) {
    fill(body, h("tr", {}, h("td", { colspan: 6, class: "muted" }, t("parking.empty"))));
    return;
  }
  fill(body, view.reads.map((ev) => {
    const p = ev.payload ?? {};
    const img = h("img", { alt: "", width: 94, height: 24 });
    if (p.capture) thumb(p.capture, img);
    const black = p.class === "black";
    const reason = p.reason ? t(`parking.reason.${REASONS.includes(p.reason) ? p.reason : "malformed"}`) : "";
    return h("tr", { "data-plate": p.plate ?? "", class: black ? "watch" : null },
      h("td", {}, formatShort(ev.occurred_at)),
      h("td", {}, p.direction ? t(`parking.lane.${p.direction}`) : ev.source),
      h("td", {}, h("b", {}, p.plate ?? "—")),
      h("td", {}, p.capture ? img : ""),
      h("td", {}, p.class ? h("span", { class: `badge ${black ? "st-new" : ""}` },
        t(`parking.class.${p.class}`)) : ""),
      h("td", {}, h("span", { class: `badge ${p.open ? "st-resolved" : "st-false_alarm"}` },
        t(p.open ? "parking.open" : "parking.closed")), " ", reason));
  }));
}

function renderSide() {
  const list = $("#parking-unmatched");
  if (list) {
    const rows = view.lots.flatMap((lot) => lot.unmatched);
    fill(list, rows.length ? rows.map((u) => h("li", {},
      `${formatShort(u.exited_at)} ${u.exit_plate} `,
      ...u.near.map((plate) => {
        const inside = view.insideIds?.get(plate);
        return inside ? h("button", { type: "button", onclick: () => confirmMatch(u, plate, inside) },
          t("parking.match", { plate })) : null;
      })))
      : h("li", { class: "muted" }, t("parking.unmatched.none")));
  }
  const lanes = $("#parking-lanes");
  if (lanes) {
    fill(lanes, view.lanes.map((ln) => h("li", {},
      `${ln.device_code} · ${t(`parking.lane.${ln.direction}`)} `,
      ln.barrier ? h("button", { type: "button", onclick: () => askOpen(ln) }, t("parking.manual"))
        : null)));
  }
  renderChart();
}

function renderChart() {
  const box = $("#parking-chart");
  if (!box || !view.report) return;
  const steps = view.report.steps;
  const top = Math.max(1, ...steps.map((x) => Math.max(x.entries, x.exits, x.occupancy)));
  const w = 300 / steps.length;
  const y = (v) => 100 - (90 * v) / top;
  const line = steps.map((x, i) => `${i * w + w / 2},${y(x.occupancy)}`).join(" ");
  fill(box, s("svg", { viewBox: "0 0 300 115", width: "100%", role: "img" },
    ...steps.flatMap((x, i) => [
      s("rect", { x: i * w + 1, y: y(x.entries), width: w / 2 - 1, height: 100 - y(x.entries),
        fill: "#2f9e44" }, s("title", {}, `${x.label} ${t("parking.chart.in")} ${x.entries}`)),
      s("rect", { x: i * w + w / 2, y: y(x.exits), width: w / 2 - 1, height: 100 - y(x.exits),
        fill: "#1f6feb" }, s("title", {}, `${x.label} ${t("parking.chart.out")} ${x.exits}`)),
      i % 3 === 0 ? s("text", { x: i * w, y: 112, fill: "#8b96a5", "font-size": 9 }, x.label) : null,
    ]),
    s("polyline", { points: line, fill: "none", stroke: "#e0a800", "stroke-width": 1.5 },
      s("title", {}, t("parking.chart.occ")))));
}

async function confirmMatch(unmatched, plate, insideId) {
  try {
    await api(`/parking/sessions/${unmatched.id}/match`, { method: "POST",
      body: { session_id: insideId } });
    toast(t("parking.match.done", { plate }));
    await poll();
  } catch (err) {
    toast(err.message, "error");
  }
}

async function askOpen(lane) {
  const reason = await askReason({ id: "parking-open-dialog", label: t("parking.manual.reason"),
    title: t("parking.manual.title", { lane: lane.device_code }), maxlength: 200 });
  if (!reason) return;
  try {
    await api(`/parking/lanes/${lane.id}/open`, { method: "POST", body: { reason } });
    toast(t("parking.manual.done", { lane: lane.device_code }));
  } catch (err) {
    toast(err instanceof ApiError && err.status === 403 ? t("parking.manual.denied") : err.message,
      "error");
  }
}


async function download(period) {
  try {
    await downloadFile(`/parking/report.xlsx?period=${period}`, `parking-${period}.xlsx`);
  } catch (err) {
    toast(err.message, "error");
  }
}

async function poll() {
  try {
    const [lots, reads, lanes, inside] = await Promise.all([
      api("/parking/lots/state"),
      api("/events", { query: { kind: "parking.plate", limit: 40 } }),
      api("/parking/lanes"),
      api("/parking/sessions", { query: { state: "inside", limit: 1000 } }),
    ]);
    view.lots = lots;
    view.reads = reads.items;
    view.lanes = lanes;
    view.insideIds = new Map(inside.map((x) => [x.plate, x.id]));
    if (view.ticks++ % 10 === 0) view.report = await api("/parking/report", { query: { period: "day" } });
    const keep = new Set(view.reads.map((r) => r.payload?.capture).filter(Boolean));
    for (const name of [...view.thumbs.keys()]) if (!keep.has(name)) view.thumbs.delete(name);
    renderLots();
    renderReads();
    renderSide();
  } catch {
    // Offline or logged out: the header shows it; try again on the next tick.
  }
}

export function init() {
  view.root = $("#panel-parking");
  build();
}

export function show() {
  view.ticks = 0;
  polling.start();
}

export function hide() {
  polling.stop();
}

export function rerender() {
  build();
  renderLots();
  renderReads();
  renderSide();
}
