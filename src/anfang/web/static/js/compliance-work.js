// The compliance tab's working parts: rectification orders (the police issue them with a
// deadline, the property company answers with evidence, the police close or send back),
// the operating status the police supervise (availability per subsystem drawn as bars),
// and the maintenance work orders (assigned, closed with a note and photos).

import { errorText } from "./alarm-actions.js";
import { api } from "./api.js";
import { fromInput } from "./clock.js";
import { openDeviceRecord } from "./device-record.js";
import { $, fill, formatShort, h, s } from "./dom.js";
import { t, tOr } from "./i18n.js";
import { askReason } from "./reason-dialog.js";
import { state } from "./state.js";
import { toast } from "./toast.js";

const ROLE = () => state.user?.role;
export const may = {
  manage: () => ["admin", "supervisor"].includes(ROLE()),
  inspect: () => ROLE() === "police_inspector",
  work: () => ["admin", "supervisor", "installer"].includes(ROLE()),
};
const who = (actor) => (actor || "").replace(/^user:/, "");

function section(id, title, ...body) {
  return h("section", { id, class: "center-section" }, h("h3", {}, t(title)), ...body);
}

export function workSections() {
  return [
    section("comp-orders", "comp.orders",
      h("form", { id: "comp-order-form", class: "filters wrap", hidden: true, onsubmit: issueOrder },
        h("strong", {}, t("comp.order.issue")),
        h("input", { name: "title", required: true, maxlength: 200, placeholder: t("comp.order.title"), size: 28 }),
        h("input", { name: "rule", maxlength: 8, pattern: "[A-Z]{2,4}-[0-9]{2}", placeholder: t("comp.order.rule"), size: 8 }),
        h("label", {}, t("comp.order.deadline"), h("input", { name: "deadline", type: "date", required: true })),
        h("input", { name: "detail", maxlength: 2000, placeholder: t("comp.order.detail"), size: 30 }),
        h("button", { type: "submit", class: "primary" }, t("comp.order.issue"))),
      h("div", { id: "comp-order-list" })),
    section("comp-status", "comp.status", h("div", { id: "comp-status-body" })),
    section("comp-retention", "comp.ret",
      h("table", { class: "grid small" },
        h("thead", {}, h("tr", {}, ["comp.ret.type", "comp.ret.min", "comp.ret.days", "comp.ret.held", "comp.col.source"].map((k) => h("th", {}, t(k))))),
        h("tbody", { id: "comp-ret-rows" }))),
    section("comp-work", "comp.work",
      h("div", { class: "scroll" }, h("table", { class: "grid small" },
        h("thead", {}, h("tr", {}, ["comp.work.col.title", "comp.work.col.prio", "comp.work.col.due", "comp.work.col.who", ""].map((k) => h("th", {}, k ? t(k) : "")))),
        h("tbody", { id: "comp-work-rows" })))),
  ];
}

// ------------------------------------------------------------------ orders

async function issueOrder(e) {
  e.preventDefault();
  const f = e.target;
  // The deadline is the end of the chosen day, local time.
  const deadline = fromInput(`${f.deadline.value}T23:59:59`).toISOString();
  const body = { title: f.title.value.trim(), detail: f.detail.value.trim(), deadline, rule_id: f.rule.value.trim() || null };
  try {
    const o = await api("/compliance/orders", { method: "POST", body });
    toast(t("comp.order.issued", { id: o.id }), "ok");
    f.reset();
  } catch (err) {
    toast(errorText(err), "error");
  }
  refreshWork();
}

async function filesOf(input) {
  const out = [];
  for (const file of input.files) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    let bin = "";
    for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    out.push({ name: file.name, content_b64: btoa(bin) });
  }
  return out;
}

async function answer(e, o) {
  e.preventDefault();
  const f = e.target;
  try {
    await api(`/compliance/orders/${o.id}/answers`, { method: "POST", body: { text: f.text.value.trim(), attachments: await filesOf(f.files) } });
    toast(t("comp.order.answered", { id: o.id }), "ok");
  } catch (err) {
    toast(errorText(err), "error");
  }
  refreshWork();
}

async function decide(o, approve) {
  let opinion = "";
  if (!approve) {
    opinion = await askReason({ id: "comp-back-dialog", title: t("comp.order.back"), label: t("comp.step.opinion") });
    if (opinion === null) return;
  }
  try {
    await api(`/compliance/orders/${o.id}/decision`, { method: "POST", body: { approve, opinion } });
  } catch (err) {
    toast(errorText(err), "error");
  }
  refreshWork();
}

function orderItem(o) {
  const head = h("div", { class: "comp-order-head" },
    h("strong", {}, `#${o.id} ${o.title}`), " ",
    h("span", { class: `tag comp-order-${o.state}` }, t(`comp.order.st.${o.state}`)), " ",
    o.rule_id ? h("code", {}, o.rule_id) : null, " ",
    h("span", { class: o.overdue ? "bad" : "muted" }, `${t("comp.order.deadline")} ${formatShort(o.deadline)}${o.overdue ? ` · ${t("comp.order.overdue")}` : ""}`));
  const answers = h("ol", { class: "center-log" }, o.answers.map((a) => h("li", {},
    `${who(a.actor)} · ${formatShort(a.at)}：${a.text}`, a.attachments.length ? ` 📎${a.attachments.map((x) => x.name).join("、")}` : "")));
  const forms = [];
  if (o.state !== "closed" && may.manage()) {
    forms.push(h("form", { class: "filters wrap", onsubmit: (e) => answer(e, o) },
      h("input", { name: "text", required: true, maxlength: 2000, placeholder: t("comp.order.answer.text"), size: 30 }),
      h("label", {}, t("comp.order.files"), h("input", { name: "files", type: "file", multiple: true, accept: "image/*,.pdf" })),
      h("button", { type: "submit" }, t("comp.order.answer"))));
  }
  if (o.state === "answered" && may.inspect()) {
    forms.push(h("div", { class: "row" },
      h("button", { type: "button", class: "primary", onclick: () => decide(o, true) }, t("comp.order.close")),
      h("button", { type: "button", onclick: () => decide(o, false) }, t("comp.order.back"))));
  }
  return h("div", { class: `comp-order ${o.overdue ? "overdue" : ""}`, dataset: { order: o.id, state: o.state } },
    head, o.detail ? h("div", {}, o.detail) : null,
    h("div", { class: "muted" }, t("comp.order.by", { who: who(o.issued_by), when: formatShort(o.issued_at) })), answers, ...forms);
}

// ------------------------------------------------------------------ status and work

function uptimeBars(rows) {
  const W = 420;
  return s("svg", { viewBox: `0 0 ${W} ${rows.length * 20 + 4}`, class: "comp-uptime", role: "img", "aria-label": t("comp.uptime") },
    rows.map((r, i) => {
      const share = r.availability ?? 0;
      return [
        s("text", { x: 0, y: i * 20 + 14, "font-size": 11, fill: "currentColor" }, tOr(`subsystem.${r.subsystem}`, r.subsystem)),
        s("rect", { x: 90, y: i * 20 + 3, width: 260, height: 14, fill: "#263140" }),
        s("rect", { x: 90, y: i * 20 + 3, width: 260 * share, height: 14, fill: share >= 0.99 ? "#2e9d4a" : share >= 0.95 ? "#d08a1b" : "#d64541" }),
        s("text", { x: 356, y: i * 20 + 14, "font-size": 11, fill: "currentColor" }, `${(share * 100).toFixed(2)}% ${r.online}/${r.devices}`),
      ];
    }).flat());
}

function renderStatus(st) {
  const a = st.alarms;
  const b = st.biometrics;
  const pia = b.impact_assessment;
  fill($("#comp-status-body"),
    h("div", {}, t("comp.uptime")), uptimeBars(st.uptime),
    h("div", {}, a.with_time_limit ? t("comp.alarms.intime", { in: a.in_time, n: a.with_time_limit, share: `${(a.share * 100).toFixed(1)}%` }) : t("comp.alarms.none")),
    h("div", {}, t("comp.orders.summary", st.orders)),
    h("div", {}, t("comp.work.summary", st.work_orders)),
    h("div", {}, t("comp.bio", { people: b.people, face: b.with_face, nocon: b.without_consent, days: b.capture_retention_days })),
    h("div", { class: pia ? "" : "bad" }, pia ? t("comp.bio.pia", { title: pia.title, v: pia.version, when: formatShort(pia.at) }) : t("comp.bio.nopia")));
}

async function assign(w) {
  const name = await askReason({ id: "comp-assign-dialog", title: t("comp.work.assign"), label: t("comp.work.assignee"), minlength: 1, maxlength: 64 });
  if (!name) return;
  try {
    await api(`/maintenance/orders/${w.id}/assign`, { method: "POST", body: { assignee: name } });
  } catch (err) {
    toast(errorText(err), "error");
  }
  refreshWork();
}

async function closeWork(e, w) {
  e.preventDefault();
  const f = e.target;
  try {
    await api(`/maintenance/orders/${w.id}/close`, { method: "POST", body: { note: f.note.value.trim(), attachments: await filesOf(f.files) } });
    toast(t("comp.work.closed", { id: w.id }), "ok");
  } catch (err) {
    toast(errorText(err), "error");
  }
  refreshWork();
}

function renderWork(rows) {
  if (!rows.length) {
    fill($("#comp-work-rows"), h("tr", {}, h("td", { colspan: 5, class: "muted" }, t("comp.work.none"))));
    return;
  }
  fill($("#comp-work-rows"), rows.map((w) => h("tr", { class: w.overdue ? "bad" : "", dataset: { work: w.id } },
    h("td", {}, `#${w.id} ${w.title}`, w.device_code ? [" · ", h("button", { type: "button", class: "link", onclick: () => openDeviceRecord(w.device_code) }, w.device_code)] : null),
    h("td", {}, `P${w.priority}`), h("td", {}, formatShort(w.due_at)),
    h("td", {}, w.assignee || "—"),
    h("td", {}, may.work() ? [
      h("button", { type: "button", onclick: () => assign(w) }, t("comp.work.assign")),
      h("form", { class: "inline", onsubmit: (e) => closeWork(e, w) },
        h("input", { name: "note", required: true, maxlength: 2000, placeholder: t("comp.work.note"), size: 16 }),
        h("input", { name: "files", type: "file", multiple: true, accept: "image/*" }),
        h("button", { type: "submit" }, t("comp.work.close")))] : null))));
}

async function setDays(e, r) {
  e.preventDefault();
  try {
    await api(`/compliance/retention/${r.record_type}`, { method: "PUT", body: { days: Number(e.target.days.value) } });
  } catch (err) {
    toast(errorText(err), "error");
  }
  refreshWork();
}

function renderRetention(rows) {
  fill($("#comp-ret-rows"), rows.map((r) => h("tr", { dataset: { record: r.record_type } },
    h("td", {}, r.name), h("td", {}, t("comp.ret.n", { n: r.minimum_days })),
    h("td", {}, may.manage()
      ? h("form", { class: "inline", onsubmit: (e) => setDays(e, r) },
        h("input", { name: "days", type: "number", min: r.minimum_days, max: 3650, value: r.days, size: 5 }),
        h("button", { type: "submit" }, t("comp.ret.save")))
      : t("comp.ret.n", { n: r.days })),
    h("td", { class: r.held_days !== null && r.held_days < r.days ? "muted" : "" }, r.held_days === null ? "—" : t("comp.ret.n", { n: r.held_days })),
    h("td", { class: "muted" }, r.source))));
}

export async function refreshWork() {
  $("#comp-order-form").hidden = !may.inspect(); // the user is known only after login
  try {
    const [orders, status, work, retention] = await Promise.all([api("/compliance/orders"), api("/compliance/status"),
      api("/maintenance/orders", { query: { state: "open" } }), api("/compliance/retention")]);
    renderRetention(retention);
    fill($("#comp-order-list"), orders.length ? orders.map(orderItem) : h("div", { class: "muted" }, t("comp.orders.none")));
    renderStatus(status);
    renderWork(work);
  } catch (err) {
    toast(errorText(err), "error");
  }
}
