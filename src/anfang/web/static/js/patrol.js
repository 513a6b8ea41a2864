// The guard-tour tab (with physical protection's inspections and repairs below, physical.js):
// every round of a day with its points as coloured dots (on time, late,
// missed, pending), the check-ins that did not count and why, compliance charts per guard
// and per day of the month, and the day's and month's reports as XLSX. While the tab is
// shown it reloads every five seconds.

import { api, downloadFile } from "./api.js";
import { siteDay } from "./clock.js";
import { $, fill, formatShort, h, s } from "./dom.js";
import { addStrings, t } from "./i18n.js";
import { physicalSection, refreshPhysical } from "./physical.js";
import { toast } from "./toast.js";
import { poller } from "./poller.js";

const STATUSES = ["scheduled", "waiting", "not_started", "on_time", "late", "out_of_order",
  "missed", "abandoned"];
const STATUS_ZH = ["未到时间", "等待开始", "未开始", "准时", "迟到", "顺序错误", "漏检", "中断"];
const STATUS_EN = ["Scheduled", "Waiting", "Not started", "On time", "Late", "Out of order",
  "Missed", "Abandoned"];
const POINTS = ["pending", "on_time", "late", "overdue", "missed"];
const POINT_ZH = ["待到", "准时", "迟到", "超时未到", "漏检"];
const POINT_EN = ["Pending", "On time", "Late", "Overdue", "Missed"];
const VERDICTS = ["ok", "unknown_tag", "malformed", "future", "too_old", "disabled"];
const VERDICT_ZH = ["有效", "未登记标签", "格式错误", "时间超前", "过于久远", "巡更点已停用"];
const VERDICT_EN = ["Counted", "Unknown tag", "Malformed", "From the future", "Too old",
  "Checkpoint disabled"];

const ZH = {
  "tab.patrol": "巡更",
  "patrol.day": "日期",
  "patrol.rounds": "巡更轮次",
  "patrol.col.time": "计划时间",
  "patrol.col.route": "路线",
  "patrol.col.guard": "巡更员",
  "patrol.col.status": "状态",
  "patrol.col.points": "巡更点",
  "patrol.col.score": "准时/总数",
  "patrol.none": "当天没有巡更计划",
  "patrol.rejected": "未计入的打卡",
  "patrol.rejected.none": "没有异常打卡",
  "patrol.col.device": "设备",
  "patrol.col.tag": "标签",
  "patrol.col.verdict": "原因",
  "patrol.chart.guard": "本月按人员合格率",
  "patrol.chart.day": "本月每日合格率",
  "patrol.chart.empty": "暂无数据",
  "patrol.xlsx.day": "下载日报表",
  "patrol.xlsx.month": "下载月报表",
  "patrol.totals": "当日 {rounds} 轮，准时率 {pct}%，漏检 {missed} 点，未开始 {ns} 轮",
  "patrol.visited": "{name}：应到 {expected}，实到 {visited}",
  "patrol.out_of_order": "（顺序错误）",
  ...Object.fromEntries(STATUSES.map((k, i) => [`patrol.status.${k}`, STATUS_ZH[i]])),
  ...Object.fromEntries(POINTS.map((k, i) => [`patrol.point.${k}`, POINT_ZH[i]])),
  ...Object.fromEntries(VERDICTS.map((k, i) => [`patrol.verdict.${k}`, VERDICT_ZH[i]])),
};

const EN = {
  "tab.patrol": "Guard tour",
  "patrol.day": "Day",
  "patrol.rounds": "Rounds",
  "patrol.col.time": "Planned",
  "patrol.col.route": "Route",
  "patrol.col.guard": "Guard",
  "patrol.col.status": "Status",
  "patrol.col.points": "Checkpoints",
  "patrol.col.score": "On time/all",
  "patrol.none": "No rounds planned that day",
  "patrol.rejected": "Check-ins not counted",
  "patrol.rejected.none": "No rejected check-ins",
  "patrol.col.device": "Device",
  "patrol.col.tag": "Tag",
  "patrol.col.verdict": "Why",
  "patrol.chart.guard": "Compliance by guard, this month",
  "patrol.chart.day": "Compliance by day, this month",
  "patrol.chart.empty": "No data yet",
  "patrol.xlsx.day": "Day report (XLSX)",
  "patrol.xlsx.month": "Month report (XLSX)",
  "patrol.totals": "{rounds} rounds, {pct}% on time, {missed} points missed, {ns} not started",
  "patrol.visited": "{name}: due {expected}, visited {visited}",
  "patrol.out_of_order": "(out of order)",
  ...Object.fromEntries(STATUSES.map((k, i) => [`patrol.status.${k}`, STATUS_EN[i]])),
  ...Object.fromEntries(POINTS.map((k, i) => [`patrol.point.${k}`, POINT_EN[i]])),
  ...Object.fromEntries(VERDICTS.map((k, i) => [`patrol.verdict.${k}`, VERDICT_EN[i]])),
};

addStrings(ZH, EN);

const POLL_MS = 5000;
const polling = poller(() => refresh(), POLL_MS);
// day: the day the operator picked; null follows the site's today (a console open past midnight).
const view = { root: null, day: null, rounds: [], rejected: [], month: null, dayReport: null };

function build() {
  const picker = h("input", { type: "date", id: "patrol-day", value: shownDay(),
    onchange: (e) => { view.day = e.target.value || null; refresh(); } });
  const bar = h("div", { class: "patrol-bar" },
    h("label", {}, t("patrol.day"), " ", picker),
    h("span", { id: "patrol-totals", class: "muted" }),
    h("button", { type: "button", onclick: () => download("day") }, t("patrol.xlsx.day")),
    h("button", { type: "button", onclick: () => download("month") }, t("patrol.xlsx.month")));
  const head = h("thead", {}, h("tr", {},
    ...["time", "route", "guard", "status", "points", "score"].map((c) =>
      h("th", { scope: "col" }, t(`patrol.col.${c}`)))));
  const rounds = h("section", { class: "patrol-rounds" },
    h("h3", {}, t("patrol.rounds")),
    h("table", { class: "grid", id: "patrol-table" }, head, h("tbody", { id: "patrol-rows" })));
  const side = h("section", { class: "patrol-side" },
    h("h3", {}, t("patrol.chart.guard")), h("div", { id: "patrol-chart-guard" }),
    h("h3", {}, t("patrol.chart.day")), h("div", { id: "patrol-chart-day" }),
    h("h3", {}, t("patrol.rejected")), h("table", { class: "grid" }, h("tbody", { id: "patrol-rejected" })),
    physicalSection());
  fill(view.root, bar, h("div", { class: "patrol-layout" }, rounds, side));
}

function dot(p) {
  const title = t("patrol.visited", { name: p.checkpoint, expected: formatShort(p.expected),
    visited: p.visited_at ? formatShort(p.visited_at) : "—" })
    + ` · ${t(`patrol.point.${p.status}`)}${p.out_of_order ? t("patrol.out_of_order") : ""}`;
  return h("span", { class: `pdot pt-${p.status}${p.out_of_order ? " ooo" : ""}`, title,
    "aria-label": title });
}

function renderRounds() {
  const body = $("#patrol-rows");
  if (!body) return;
  if (!view.rounds.length) {
    fill(body, h("tr", {}, h("td", { colspan: 6, class: "muted" }, t("patrol.none"))));
  } else {
    fill(body, view.rounds.map((r) => h("tr", { "data-status": r.status, "data-id": r.id },
      h("td", {}, formatShort(r.planned_start)),
      h("td", {}, r.route),
      h("td", {}, r.guard ?? "—"),
      h("td", {}, h("span", { class: `badge rs-${r.status}` }, t(`patrol.status.${r.status}`))),
      h("td", { class: "pdots" }, r.points.map(dot)),
      h("td", {}, `${r.points_on_time}/${r.points_total}`))));
  }
  const tot = view.dayReport?.totals;
  if (tot) {
    fill($("#patrol-totals"), t("patrol.totals", { rounds: tot.rounds, pct: tot.compliance_pct,
      missed: tot.missed, ns: tot.rounds_not_started }));
  }
}

function renderRejected() {
  const body = $("#patrol-rejected");
  if (!body) return;
  if (!view.rejected.length) {
    fill(body, h("tr", {}, h("td", { class: "muted" }, t("patrol.rejected.none"))));
    return;
  }
  fill(body, view.rejected.map((c) => h("tr", { title: c.reason },
    h("td", {}, formatShort(c.occurred_at)),
    h("td", {}, c.device),
    h("td", {}, c.tag || "—"),
    h("td", {}, h("span", { class: "badge st-new" }, t(`patrol.verdict.${c.verdict}`))))));
}

// A bar chart in SVG: one bar per row, its height (or length) the compliance in percent.
function bars(rows, { horizontal }) {
  if (!rows.length) return h("p", { class: "muted" }, t("patrol.chart.empty"));
  const colour = (pct) => (pct >= 90 ? "#2f9e44" : pct >= 70 ? "#e0a800" : "#e5484d");
  if (horizontal) {
    const height = rows.length * 22 + 4;
    return s("svg", { viewBox: `0 0 300 ${height}`, width: "100%", role: "img" },
      ...rows.flatMap((r, i) => [
        s("text", { x: 0, y: i * 22 + 15, fill: "#c9d1d9", "font-size": 12 }, r.key),
        s("rect", { x: 90, y: i * 22 + 4, width: Math.max(1, r.compliance_pct * 1.6), height: 14,
          fill: colour(r.compliance_pct) }, s("title", {}, `${r.key}: ${r.compliance_pct}%`)),
        s("text", { x: 96 + r.compliance_pct * 1.6, y: i * 22 + 15, fill: "#8b96a5",
          "font-size": 11 }, `${r.compliance_pct}%`),
      ]));
  }
  const w = Math.max(8, Math.floor(300 / rows.length));
  return s("svg", { viewBox: "0 0 300 120", width: "100%", role: "img" },
    s("line", { x1: 0, y1: 100, x2: 300, y2: 100, stroke: "#444c56" }),
    ...rows.flatMap((r, i) => [
      s("rect", { x: i * w + 1, y: 100 - r.compliance_pct, width: w - 2,
        height: Math.max(1, r.compliance_pct), fill: colour(r.compliance_pct) },
      s("title", {}, `${r.key}: ${r.compliance_pct}%`)),
      i % Math.ceil(rows.length / 10) === 0
        ? s("text", { x: i * w, y: 114, fill: "#8b96a5", "font-size": 10 }, r.key.slice(8)) : null,
    ]));
}

function renderCharts() {
  const g = $("#patrol-chart-guard");
  const d = $("#patrol-chart-day");
  if (!g || !d || !view.month) return;
  fill(g, bars(view.month.by_guard, { horizontal: true }));
  fill(d, bars(view.month.by_day, { horizontal: false }));
}

function shownDay() {
  return view.day ?? siteDay();
}

async function refresh() {
  const day = shownDay();
  const picker = $("#patrol-day");
  if (picker && picker.value !== day) picker.value = day;
  try {
    const [rounds, rejected, dayReport, month] = await Promise.all([
      api("/patrol/rounds", { query: { day } }),
      api("/patrol/checkins", { query: { limit: 30 } }),
      api("/patrol/report", { query: { period: "day", day } }),
      api("/patrol/report", { query: { period: "month", day } }),
    ]);
    view.rounds = rounds;
    view.rejected = rejected.filter((c) => c.verdict !== "ok").slice(0, 15);
    view.dayReport = dayReport;
    view.month = month;
    renderRounds();
    renderRejected();
    renderCharts();
    await refreshPhysical();
  } catch {
    // Offline or logged out: the header shows it; try again on the next tick.
  }
}

async function download(period) {
  try {
    await downloadFile(`/patrol/report.xlsx?period=${period}&day=${shownDay()}`,
      `patrol-${period}-${shownDay()}.xlsx`);
  } catch (err) {
    toast(err.message, "error");
  }
}

export function init() {
  view.root = $("#panel-patrol");
  build();
}

export function show() {
  polling.start();
}

export function hide() {
  polling.stop();
}

export function rerender() {
  build();
  renderRounds();
  renderRejected();
  renderCharts();
}
