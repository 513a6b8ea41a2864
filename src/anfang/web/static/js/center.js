// The monitoring centre tab: who is on duty, the duty log and the hand-over; the alarm
// history with its search; the day's and month's report drawn with Chart.js (shipped in
// /static/vendor, no CDN) and downloaded as XLSX or PDF.

import { loadCauses } from "./alarm-view.js";
import { errorText } from "./alarm-actions.js";
import { select as selectAlarm } from "./alarms.js";
import { api, downloadFile } from "./api.js";
import { fromInput, nextDay, siteDay } from "./clock.js";
import { $, fill, formatShort, formatTime, h } from "./dom.js";
import { lang, t, tOr } from "./i18n.js";
import { kindLabel, state } from "./state.js";
import { askReason } from "./reason-dialog.js";
import { toast } from "./toast.js";
import { armingSection, refreshArming } from "./arming.js";
import { adminSections, refreshAdmin } from "./admin.js";
import { healthSection, refreshHealth } from "./health.js";
import { refreshUplink, uplinkSection } from "./uplink.js";
import { refreshRules, rulesSection } from "./rules.js";
import "./center-strings.js";
import { poller } from "./poller.js";

const view = { root: null, duty: null, log: null, history: [],
  next: null, report: null, charts: [], period: "day", day: null };
const POLL_MS = 15000;
const polling = poller(() => {
  refreshUplink();
  return loadDuty();
}, POLL_MS);

function can(perm) {
  const role = state.user?.role;
  if (perm === "duty") return ["operator", "supervisor", "admin"].includes(role);
  return true;
}

// ------------------------------------------------------------------ layout

function build() {
  const section = (id, title, ...body) => h("section", { id, class: "center-section" }, h("h3", {}, t(title)), ...body);
  fill(
    view.root,
    h("div", { class: "center-grid" },
      section("center-duty", "center.duty",
        h("div", { id: "center-duty-state", class: "duty-state" }),
        h("form", { id: "center-log-form", class: "center-log-form", onsubmit: onLog },
          h("select", { id: "center-log-cat", "aria-label": t("center.log.category") },
            ["note", "call", "visit", "patrol", "fault", "police", "other"].map((c) =>
              h("option", { value: c }, t(`center.cat.${c}`)))),
          h("input", { id: "center-log-text", maxlength: 2000, autocomplete: "off", placeholder: t("center.log.placeholder") }),
          h("label", { class: "inline" }, h("input", { id: "center-log-open", type: "checkbox" }), " ", t("center.log.open")),
          h("button", { type: "submit" }, t("center.log.add"))),
        h("ol", { id: "center-log", class: "center-log" })),
      section("center-history", "center.history",
        h("form", { id: "center-filter", class: "filters wrap", onsubmit: onSearch },
          h("label", {}, t("center.f.since"), h("input", { id: "cf-since", type: "date" })),
          h("label", {}, t("center.f.until"), h("input", { id: "cf-until", type: "date" })),
          h("label", {}, t("center.f.kind"), h("select", { id: "cf-kind" })),
          h("label", {}, t("center.f.zone"), h("select", { id: "cf-zone" })),
          h("label", {}, t("center.f.disposition"), h("select", { id: "cf-disp" })),
          h("label", {}, t("center.f.state"), h("select", { id: "cf-state" },
            ["", "open", "closed"].map((v) => h("option", { value: v }, v ? t(`center.state.${v}`) : t("center.all"))))),
          h("label", {}, t("center.f.text"), h("input", { id: "cf-text", type: "search", maxlength: 100 })),
          h("button", { type: "submit", class: "primary" }, t("center.search"))),
        h("div", { class: "scroll" },
          h("table", { class: "grid small", id: "center-history-table" },
            h("thead", {}, h("tr", {}, ["center.h.time", "center.h.priority", "center.h.title", "center.h.state", "center.h.disposition", "center.h.assignee"].map((k) => h("th", {}, t(k))))),
            h("tbody", { id: "center-history-rows" })),
          h("button", { id: "center-more", type: "button", hidden: true, onclick: () => search(true) }, t("events.more")))),
      healthSection((tab) => document.dispatchEvent(new CustomEvent("anfang:tab", { detail: tab }))),
      uplinkSection(),
      armingSection(),
      rulesSection(),
      ...adminSections(),
      section("center-report", "center.report",
        h("div", { class: "filters wrap" },
          h("label", {}, t("center.r.period"), h("select", { id: "cr-period", onchange: loadReport },
            h("option", { value: "day" }, t("center.r.day")), h("option", { value: "month" }, t("center.r.month")))),
          h("label", {}, t("center.r.date"), h("input", { id: "cr-day", type: "date", value: reportDay(), onchange: pickDay })),
          h("button", { type: "button", id: "cr-xlsx", onclick: () => download("xlsx") }, "XLSX"),
          h("button", { type: "button", id: "cr-pdf", onclick: () => download("pdf") }, "PDF")),
        h("div", { id: "cr-totals", class: "report-totals" }),
        h("div", { class: "report-charts" },
          chartBox("cr-chart-time", "center.c.time"), chartBox("cr-chart-kind", "center.c.kind"),
          chartBox("cr-chart-zone", "center.c.zone"), chartBox("cr-chart-cause", "center.c.cause"))),
    ),
  );
  $("#cr-period").value = view.period;
  fillFilterChoices();
}

function chartBox(id, title) {
  return h("figure", { class: "chart-box" }, h("figcaption", {}, t(title)), h("div", { class: "chart-wrap" }, h("canvas", { id })));
}

function fillFilterChoices() {
  const kinds = [...state.kinds.values()].filter((k) => !k.kind.startsWith("device."));
  const prefixes = [...new Set(kinds.map((k) => k.kind.split(".")[0]))].sort();
  fill($("#cf-kind"), h("option", { value: "" }, t("center.all")),
    prefixes.map((p) => h("option", { value: `${p}.*` }, tOr(`center.sub.${p}`, p))));
  fill($("#cf-zone"), h("option", { value: "" }, t("center.all")),
    (state.site?.zones ?? []).map((z) => h("option", { value: z.id }, `${z.code} ${z.name}`)));
  const name = (x) => (lang() === "en" ? x.en : x.zh);
  loadCauses().then((c) => fill($("#cf-disp"), h("option", { value: "" }, t("center.all")),
    c.dispositions.map((d) => h("option", { value: d.code }, name(d))))).catch(() => {});
}

// ------------------------------------------------------------------ duty

async function loadDuty() {
  try {
    view.duty = await api("/center/duty");
    view.log = view.duty ? await api(`/center/shifts/${view.duty.id}/log`) : null;
  } catch (err) {
    toast(errorText(err), "error");
  }
  renderDuty();
}

const who = (actor) => String(actor ?? "").replace(/^user:/, "");

function renderDuty() {
  const d = view.duty;
  const me = state.user ? `user:${state.user.username}` : "";
  const box = $("#center-duty-state");
  if (!d) {
    fill(box, h("p", {}, t("center.nobody")),
      can("duty") ? h("button", { type: "button", class: "primary", id: "center-start", onclick: startShift }, t("center.start")) : null);
  } else {
    const c = view.log?.counts ?? {};
    fill(box,
      h("p", { class: "on-duty" }, t("center.onDuty", { who: who(d.operator), since: formatTime(d.started_at) })),
      h("p", { class: "muted" }, t("center.shiftCounts", {
        raised: view.log?.alarms_raised ?? 0, closed: view.log?.alarms_closed ?? 0, open: view.log?.open_alarms ?? 0,
        patrol: c.patrol ?? 0, visitors: c.visitors ?? 0, parking: c.parking ?? 0 })),
      d.state === "on_duty" && d.operator === me
        ? h("button", { type: "button", id: "center-handover", onclick: handOver }, t("center.handover")) : null,
      d.state === "handing_over" ? handoverBox(d, me) : null);
  }
  fill($("#center-log"), (view.log?.entries ?? []).slice().reverse().map((e) =>
    h("li", { class: e.open ? "open" : "" }, h("time", {}, formatShort(e.at)), " ",
      h("span", { class: "cat" }, t(`center.cat.${e.category}`)), " ", h("span", { class: "actor" }, who(e.actor)), " ", e.text)));
  $("#center-log-form").hidden = !d || !can("duty");
}

function handoverBox(d, me) {
  return h("div", { class: "handover" },
    h("p", {}, t("center.handingOver", { who: who(d.operator), to: d.handover_to ? who(d.handover_to) : t("center.anyone") })),
    d.handover_note ? h("p", { class: "note" }, d.handover_note) : null,
    h("ul", { class: "plain" }, d.open_items.map((i) => h("li", {}, i.kind === "alarm" ? `P${i.priority} ${i.title} · ${tOr(`state.${i.state}`, i.state)}` : `📝 ${i.title}`))),
    d.operator !== me && can("duty")
      ? h("button", { type: "button", class: "primary", id: "center-accept", onclick: () => accept(d) }, t("center.accept")) : null);
}

async function startShift() {
  try {
    await api("/center/shifts", { method: "POST" });
    await loadDuty();
  } catch (err) {
    toast(errorText(err), "error");
  }
}

async function onLog(ev) {
  ev.preventDefault();
  const text = $("#center-log-text").value.trim();
  if (!text) return;
  try {
    await api("/center/log", { method: "POST", body: { text, category: $("#center-log-cat").value, open: $("#center-log-open").checked } });
    $("#center-log-text").value = "";
    $("#center-log-open").checked = false;
    await loadDuty();
  } catch (err) {
    toast(errorText(err), "error");
  }
}

async function handOver() {
  const note = await askNote("center.handoverNote");
  if (note === null) return;
  try {
    await api(`/center/shifts/${view.duty.id}/handover`, { method: "POST", body: { note } });
    toast(t("center.handedOver"), "ok");
    await loadDuty();
  } catch (err) {
    toast(errorText(err), "error");
  }
}

async function accept(d) {
  const note = await askNote("center.acceptNote");
  if (note === null) return;
  try {
    await api(`/center/shifts/${d.id}/accept`, { method: "POST", body: { note } });
    toast(t("center.accepted"), "ok");
    await loadDuty();
  } catch (err) {
    toast(errorText(err), "error");
  }
}

function askNote(titleKey) {
  return askReason({ id: "center-note-dialog", title: t(titleKey), label: t("dialog.note"),
    required: false, maxlength: 4000 });
}

// ------------------------------------------------------------------ history

function filterQuery() {
  const day = (id, end) => {
    const v = $(id).value;
    if (!v) return null;
    return fromInput(end ? nextDay(v) : v).toISOString();
  };
  return { since: day("#cf-since"), until: day("#cf-until", true), kind: $("#cf-kind").value,
    zone_id: $("#cf-zone").value, disposition: $("#cf-disp").value, state: $("#cf-state").value,
    q: $("#cf-text").value.trim(), limit: 100 };
}

function onSearch(ev) {
  ev.preventDefault();
  search(false);
}

async function search(more) {
  try {
    const query = { ...filterQuery(), before: more ? view.next : null };
    const page = await api("/center/alarms", { query });
    view.history = more ? [...view.history, ...page.items] : page.items;
    view.next = page.next_before;
    renderHistory();
  } catch (err) {
    toast(errorText(err), "error");
  }
}

function renderHistory() {
  const disp = (a) => (a.disposition ? tOr(`center.disp.${a.disposition}`, a.disposition) : "");
  fill($("#center-history-rows"), view.history.map((a) =>
    h("tr", { class: `p${a.priority}`, dataset: { id: a.id }, onclick: () => selectAlarm(a.id) },
      h("td", {}, formatShort(a.created_at)), h("td", {}, `P${a.priority}`),
      h("td", {}, a.title || kindLabel(a.kind)), h("td", {}, tOr(`state.${a.state}`, a.state)),
      h("td", {}, disp(a)), h("td", {}, who(a.assignee)))));
  $("#center-more").hidden = !view.next;
}

// ------------------------------------------------------------------ report

// view.day: the day the operator picked; null follows the site's today (a console open past midnight).
function reportDay() {
  return view.day ?? siteDay();
}

function pickDay(ev) {
  view.day = ev.target.value || null;
  loadReport();
}

async function loadReport() {
  view.period = $("#cr-period").value;
  const day = reportDay();
  if ($("#cr-day").value !== day) $("#cr-day").value = day;
  try {
    view.report = await api("/center/reports/summary", { query: { day, period: view.period } });
  } catch (err) {
    toast(errorText(err), "error");
    return;
  }
  renderReport();
}

function renderReport() {
  const r = view.report;
  if (!r) return;
  const tt = r.totals;
  const secs = (x) => (x === null || x === undefined ? "—" : `${x} s`);
  fill($("#cr-totals"), [
    [t("center.t.alarms"), tt.alarms], [t("center.t.closed"), tt.closed], [t("center.t.open"), tt.open],
    [t("center.t.falseRate"), tt.false_rate === null ? "—" : `${(tt.false_rate * 100).toFixed(1)}%`],
    [t("center.t.response"), secs(r.response.p50_s)], [t("center.t.handling"), secs(r.handling.p50_s)],
    [t("center.t.escalated"), tt.escalated],
  ].map(([k, v]) => h("div", { class: "stat" }, h("span", { class: "v" }, String(v)), h("span", { class: "k" }, k))));
  const name = (x) => (lang() === "en" ? x.en : x.zh);
  for (const c of view.charts) c.destroy();
  view.charts = [];
  const Chart = window.Chart;
  if (!Chart) return; // the vendored file missing: the totals above still show
  const bar = (id, labels, data, color, extra = {}) => view.charts.push(new Chart($(`#${id}`), {
    type: "bar",
    data: { labels, datasets: [{ data, backgroundColor: color, ...extra }] },
    options: { animation: false, maintainAspectRatio: false, plugins: { legend: { display: false } },
      scales: { x: { ticks: { color: "#8b96a5" } }, y: { beginAtZero: true, ticks: { color: "#8b96a5", precision: 0 } } } },
  }));
  bar("cr-chart-time", r.by_time.map((x) => x.label), r.by_time.map((x) => x.count), "#4ea1ff");
  bar("cr-chart-kind", r.by_kind.map(name), r.by_kind.map((x) => x.count), "#ff7b38");
  bar("cr-chart-zone", r.by_zone.slice(0, 15).map((x) => x.zone), r.by_zone.slice(0, 15).map((x) => x.count), "#e3b341");
  view.charts.push(new Chart($("#cr-chart-cause"), {
    type: "doughnut",
    data: { labels: r.causes.map(name), datasets: [{ data: r.causes.map((x) => x.count) }] },
    options: { animation: false, maintainAspectRatio: false, plugins: { legend: { position: "right", labels: { color: "#d8dee9" } } } },
  }));
  view.root.dataset.reportReady = "1";
}

async function download(fmt) {
  const day = reportDay();
  const period = $("#cr-period").value;
  try {
    await downloadFile(`/center/reports/summary.${fmt}?day=${day}&period=${period}`, `report-${period}-${day}.${fmt}`);
  } catch (err) {
    toast(errorText(err), "error");
  }
}

// ------------------------------------------------------------------ tab life cycle

export function init() {
  view.root = $("#panel-center");
  build();
}

export function show() {
  fillFilterChoices();
  polling.start();
  search(false);
  loadReport();
  refreshArming();
  refreshRules();
  refreshHealth();
  refreshUplink();
  refreshAdmin();
}

export function hide() {
  polling.stop();
}

export function rerender() {
  build();
  refreshArming();
  refreshRules();
  refreshHealth();
  refreshUplink();
  refreshAdmin();
  renderDuty();
  renderHistory();
  renderReport();
}
