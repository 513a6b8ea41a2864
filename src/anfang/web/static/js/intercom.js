// The intercom and visitor-pass tab: the live call log (with the visitor's snapshot and an
// audited remote unlock) and visitor passes (list, issue on a resident's behalf with the QR
// code, revoke with a reason). Live: every `intercom.*` event re-reads its call; calls still
// in progress (or still waiting for their snapshot) are re-read each second until settled.

import { api, ApiError, session } from "./api.js";
import { fromInput, toInput } from "./clock.js";
import { $, fill, formatShort, h } from "./dom.js";
import { addStrings, t, tOr } from "./i18n.js";
import { on, state } from "./state.js";
import { toast } from "./toast.js";

const CALL_STATES = ["ringing", "answered", "unlocked", "denied", "ended", "missed", "failed"];
const CALL_STATES_ZH = ["振铃中", "通话中", "已开门", "已拒绝", "已结束", "未接听", "失败"];
const CALL_STATES_EN = ["Ringing", "Answered", "Unlocked", "Refused", "Ended", "Missed", "Failed"];
const END_REASONS = [
  "timeout", "busy", "cancelled", "no_monitor", "unreachable", "unlocked", "denied",
  "declined", "hangup", "interrupted",
];
const END_ZH = [
  "超时未接", "占线", "访客挂断", "无室内机", "无法接通", "已开门", "住户拒绝", "住户拒接",
  "挂断", "服务中断",
];
const END_EN = [
  "No answer", "Busy", "Visitor hung up", "No monitor", "Unreachable", "Unlocked", "Refused",
  "Declined", "Hung up", "Interrupted",
];
const PASS_STATES = ["active", "pending", "expired", "used_up", "revoked"];
const PASS_ZH = ["有效", "未生效", "已过期", "已用完", "已撤销"];
const PASS_EN = ["Active", "Not yet valid", "Expired", "Used up", "Revoked"];
const zip = (prefix, keys, words) => Object.fromEntries(keys.map((k, i) => [`${prefix}.${k}`, words[i]]));

// Strings of this tab: both dictionaries list the same keys (tests/web checks it).
const ZH = {
  "tab.intercom": "对讲/访客",
  "intercom.calls": "对讲呼叫记录",
  "intercom.col.time": "时间",
  "intercom.col.station": "门口机",
  "intercom.col.household": "住户",
  "intercom.col.state": "状态",
  "intercom.col.snapshot": "访客抓拍",
  "intercom.col.action": "操作",
  "intercom.empty": "暂无呼叫",
  "intercom.noRead": "无权查看对讲记录",
  "intercom.sip": "SIP udp://{host}:{port} · 已注册 {n} 台",
  "intercom.sipOff": "对讲 SIP 服务未运行",
  "intercom.unlock": "远程开门",
  "intercom.unlock.title": "远程开门：{station}",
  "intercom.unlock.reason": "开门原因（必填，记入审计）",
  "intercom.unlock.done": "已开门：{station}",
  "intercom.unlock.denied": "无远程开门权限",
  "intercom.snapshot": "访客抓拍：{station}",
  "intercom.unlockedBy": "开门：{who}",
  "passes.title": "访客通行证",
  "passes.new": "代住户签发",
  "passes.col.visitor": "访客",
  "passes.col.household": "住户",
  "passes.col.doors": "可通行门",
  "passes.col.window": "有效时段",
  "passes.col.uses": "剩余次数",
  "passes.col.state": "状态",
  "passes.col.action": "操作",
  "passes.empty": "暂无通行证",
  "passes.noManage": "无权管理访客通行证",
  "passes.qr": "二维码",
  "passes.revoke": "撤销",
  "passes.revoke.title": "撤销通行证：{name}",
  "passes.revoke.reason": "撤销原因（必填，记入审计）",
  "passes.revoke.done": "已撤销：{name}",
  "passes.issue.title": "签发访客通行证",
  "passes.issue.household": "被访住户",
  "passes.issue.hhSearch": "输入楼号、单元或房号查找，如“3号楼 1201”",
  "passes.issue.name": "访客姓名",
  "passes.issue.phone": "访客手机（可选）",
  "passes.issue.doors": "可通行的门（可多选）",
  "passes.issue.from": "生效时间",
  "passes.issue.until": "失效时间",
  "passes.issue.uses": "可用次数",
  "passes.issue.submit": "签发",
  "passes.issue.noDoors": "请至少选择一个门",
  "passes.issue.done": "已签发：{name}",
  "passes.qr.title": "通行证二维码：{name}",
  "passes.qr.hint": "请将二维码发送给访客，在门口读头出示。",
  ...zip("intercom.state", CALL_STATES, CALL_STATES_ZH),
  ...zip("intercom.end", END_REASONS, END_ZH),
  ...zip("passes.state", PASS_STATES, PASS_ZH),
};

const EN = {
  "tab.intercom": "Intercom",
  "intercom.calls": "Intercom calls",
  "intercom.col.time": "Time",
  "intercom.col.station": "Door station",
  "intercom.col.household": "Household",
  "intercom.col.state": "State",
  "intercom.col.snapshot": "Visitor",
  "intercom.col.action": "Action",
  "intercom.empty": "No calls yet",
  "intercom.noRead": "Not allowed to see intercom calls",
  "intercom.sip": "SIP udp://{host}:{port} · {n} registered",
  "intercom.sipOff": "Intercom SIP service is not running",
  "intercom.unlock": "Remote unlock",
  "intercom.unlock.title": "Remote unlock: {station}",
  "intercom.unlock.reason": "Reason (required, audited)",
  "intercom.unlock.done": "Unlocked: {station}",
  "intercom.unlock.denied": "Not allowed to unlock remotely",
  "intercom.snapshot": "Visitor at {station}",
  "intercom.unlockedBy": "Opened by {who}",
  "passes.title": "Visitor passes",
  "passes.new": "Issue for a resident",
  "passes.col.visitor": "Visitor",
  "passes.col.household": "Household",
  "passes.col.doors": "Doors",
  "passes.col.window": "Valid",
  "passes.col.uses": "Uses left",
  "passes.col.state": "State",
  "passes.col.action": "Action",
  "passes.empty": "No passes yet",
  "passes.noManage": "Not allowed to manage visitor passes",
  "passes.qr": "QR code",
  "passes.revoke": "Revoke",
  "passes.revoke.title": "Revoke pass: {name}",
  "passes.revoke.reason": "Reason (required, audited)",
  "passes.revoke.done": "Revoked: {name}",
  "passes.issue.title": "Issue a visitor pass",
  "passes.issue.household": "Household visited",
  "passes.issue.hhSearch": "Type building, unit or room, e.g. \u201c3号楼 1201\u201d",
  "passes.issue.name": "Visitor name",
  "passes.issue.phone": "Visitor mobile (optional)",
  "passes.issue.doors": "Doors (several allowed)",
  "passes.issue.from": "Valid from",
  "passes.issue.until": "Valid until",
  "passes.issue.uses": "Uses",
  "passes.issue.submit": "Issue",
  "passes.issue.noDoors": "Choose at least one door",
  "passes.issue.done": "Issued: {name}",
  "passes.qr.title": "Pass QR code: {name}",
  "passes.qr.hint": "Send the code to the visitor; they show it at the door reader.",
  ...zip("intercom.state", CALL_STATES, CALL_STATES_EN),
  ...zip("intercom.end", END_REASONS, END_EN),
  ...zip("passes.state", PASS_STATES, PASS_EN),
};

addStrings(ZH, EN);

// Mirrors GRANTS in src/anfang/api/rbac.py; hidden actions are refused by the API anyway.
const DESK = new Set(["operator", "supervisor", "admin"]);
const PERMS = { "intercom.read": DESK, "intercom.unlock": DESK, "passes.manage": DESK };
const can = (perm) => PERMS[perm].has(state.user?.role);

const OPEN = new Set(["ringing", "answered"]);
const MAX_CALLS = 100;
const WATCH_MS = 1000;
const SNAPSHOT_WAIT_MS = 15_000; // a call's snapshot may land after the call has settled
const LIVE_MAX_MS = 10 * 60_000; // a call open longer than this is stale: stop re-reading it

const view = {
  root: null,
  visible: false,
  loaded: false,
  calls: [], // newest first
  passes: [],
  households: new Map(), // id -> label
  doors: [], // [{code, name}] a pass may name
  snaps: new Map(), // call id -> data: URL (each fetch is audited: once per call)
  snapPending: new Set(),
  sip: null,
  watchTimer: null,
  target: null, // the call or pass a dialog acts on
};

// ------------------------------------------------------------------ helpers

/** A data: URL of an authenticated image (the CSP allows 'self' and data: images only). */
async function imageUrl(path) {
  const r = await fetch(`/api/v1${path}`, {
    headers: { Authorization: `Bearer ${session()?.access_token ?? ""}` },
    cache: "no-store",
  });
  if (!r.ok) throw new ApiError(r.status, r.statusText);
  const blob = await r.blob();
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

function stationName(code) {
  for (const d of state.devices.values()) if (d.code === code) return d.name || code;
  return code;
}

function householdLabel(id, fallback = "—") {
  if (id === null || id === undefined) return fallback;
  return view.households.get(id) ?? `#${id}`;
}

function errorText(err) {
  return err instanceof ApiError ? err.message : String(err?.message ?? err);
}

/** Re-render inside `box` and give focus back to the control that had it (keyboard users). */
function keepFocus(box, render) {
  const key = document.activeElement && box.contains(document.activeElement)
    ? document.activeElement.dataset.focus : null;
  render();
  if (key) box.querySelector(`[data-focus="${CSS.escape(key)}"]`)?.focus();
}

function dialog(id, titleId, ...body) {
  return h("dialog", { id, class: "ic-dialog", "aria-labelledby": titleId }, ...body);
}

function buttons(submitLabel, closeId) {
  return h("div", { class: "row" },
    h("button", { type: "submit", class: "primary" }, submitLabel),
    h("button", { type: "button", onclick: () => $(`#${closeId}`).close() }, t("dialog.cancel")));
}

// ------------------------------------------------------------------ layout

function build() {
  const calls = h("section", { id: "ic-calls-section", class: "ic-section" },
    h("div", { class: "ic-head" },
      h("h3", {}, t("intercom.calls")), h("span", { id: "ic-sip", class: "muted" })),
    h("table", { class: "grid", id: "ic-calls" },
      h("thead", {}, h("tr", {}, ...["time", "station", "household", "state", "snapshot", "action"]
        .map((c) => h("th", { scope: "col" }, t(`intercom.col.${c}`))))),
      h("tbody", { id: "ic-call-rows" })),
    h("p", { id: "ic-calls-denied", class: "muted", hidden: true }, t("intercom.noRead")));
  const passes = h("section", { id: "ic-passes-section", class: "ic-section" },
    h("div", { class: "ic-head" },
      h("h3", {}, t("passes.title")),
      h("button", { type: "button", id: "ic-pass-new", onclick: openIssue }, t("passes.new"))),
    h("table", { class: "grid", id: "ic-passes" },
      h("thead", {}, h("tr", {}, ...["visitor", "household", "doors", "window", "uses", "state",
        "action"].map((c) => h("th", { scope: "col" }, t(`passes.col.${c}`))))),
      h("tbody", { id: "ic-pass-rows" })),
    h("p", { id: "ic-passes-denied", class: "muted", hidden: true }, t("passes.noManage")));

  const unlock = dialog("ic-unlock-dialog", "ic-unlock-title",
    h("form", { id: "ic-unlock-form", novalidate: true, onsubmit: onUnlock },
      h("h2", { id: "ic-unlock-title" }),
      h("label", {}, h("span", {}, t("intercom.unlock.reason")),
        h("input", { id: "ic-unlock-reason", required: true, minlength: 2, maxlength: 200,
          autocomplete: "off" })),
      h("p", { id: "ic-unlock-error", class: "message", role: "alert" }),
      buttons(t("dialog.confirm"), "ic-unlock-dialog")));
  const revoke = dialog("ic-revoke-dialog", "ic-revoke-title",
    h("form", { id: "ic-revoke-form", novalidate: true, onsubmit: onRevoke },
      h("h2", { id: "ic-revoke-title" }),
      h("label", {}, h("span", {}, t("passes.revoke.reason")),
        h("input", { id: "ic-revoke-reason", required: true, minlength: 2, maxlength: 200,
          autocomplete: "off" })),
      h("p", { id: "ic-revoke-error", class: "message", role: "alert" }),
      buttons(t("dialog.confirm"), "ic-revoke-dialog")));
  const field = (key, control) => h("label", {}, h("span", {}, t(key)), control);
  const issue = dialog("ic-issue-dialog", "ic-issue-title",
    h("form", { id: "ic-issue-form", class: "ic-form", novalidate: true, onsubmit: onIssue },
      h("h2", { id: "ic-issue-title" }, t("passes.issue.title")),
      field("passes.issue.household", h("input", { id: "ic-issue-hh-search", type: "search",
        autocomplete: "off", placeholder: t("passes.issue.hhSearch"), oninput: fillHouseholds })),
      h("select", { id: "ic-issue-household", required: true, size: 5,
        "aria-label": t("passes.issue.household") }),
      field("passes.issue.name", h("input", { id: "ic-issue-name", required: true, maxlength: 100,
        autocomplete: "off" })),
      field("passes.issue.phone", h("input", { id: "ic-issue-phone", type: "tel", maxlength: 32,
        pattern: "[0-9+\\- ]{3,32}", autocomplete: "off" })),
      h("fieldset", { id: "ic-issue-doors", class: "ic-doors" },
        h("legend", {}, t("passes.issue.doors"))),
      h("div", { class: "ic-pair" },
        field("passes.issue.from", h("input", { id: "ic-issue-from", type: "datetime-local",
          required: true })),
        field("passes.issue.until", h("input", { id: "ic-issue-until", type: "datetime-local",
          required: true }))),
      field("passes.issue.uses", h("input", { id: "ic-issue-uses", type: "number", min: 1,
        max: 100, value: 1, required: true })),
      h("p", { id: "ic-issue-error", class: "message", role: "alert" }),
      buttons(t("passes.issue.submit"), "ic-issue-dialog")));
  const qr = dialog("ic-qr-dialog", "ic-qr-title",
    h("h2", { id: "ic-qr-title" }),
    h("img", { id: "ic-pass-qr", class: "ic-qr", alt: "QR" }),
    h("p", { class: "muted" }, t("passes.qr.hint")),
    h("p", { id: "ic-qr-text", class: "mono ic-qr-text" }),
    h("div", { class: "row" }, h("button", { type: "button", class: "primary",
      onclick: () => $("#ic-qr-dialog").close() }, t("dialog.close"))));
  const snap = dialog("ic-snap-dialog", "ic-snap-title",
    h("h2", { id: "ic-snap-title" }),
    h("img", { id: "ic-snap-large", class: "ic-snap-large", alt: "" }),
    h("div", { class: "row" }, h("button", { type: "button", class: "primary",
      onclick: () => $("#ic-snap-dialog").close() }, t("dialog.close"))));
  fill(view.root, h("div", { class: "ic-layout" }, calls, passes), unlock, revoke, issue, qr, snap);
}

function applyRoles() {
  const read = can("intercom.read");
  $("#ic-calls").hidden = !read;
  $("#ic-calls-denied").hidden = read;
  const manage = can("passes.manage");
  $("#ic-passes").hidden = !manage;
  $("#ic-pass-new").hidden = !manage;
  $("#ic-passes-denied").hidden = manage;
}

// ------------------------------------------------------------------ call log

function snapshotCell(call) {
  if (!call.has_snapshot) return "";
  const img = h("img", { class: "ic-thumb", alt: t("intercom.col.snapshot"), width: 64, height: 48 });
  const url = view.snaps.get(call.id);
  if (url) img.src = url;
  else if (view.visible) loadSnapshot(call.id); // each fetch is an audited view: only when seen
  return h("button", { type: "button", class: "ic-thumb-btn", "data-focus": `snap-${call.id}`,
    onclick: () => showSnapshot(call) }, img);
}

async function loadSnapshot(id) {
  if (view.snapPending.has(id) || view.snaps.has(id)) return;
  view.snapPending.add(id);
  try {
    view.snaps.set(id, await imageUrl(`/intercom/calls/${id}/snapshot.jpg`));
    const img = $(`#ic-call-rows tr[data-call="${CSS.escape(id)}"] img.ic-thumb`);
    if (img) img.src = view.snaps.get(id);
  } catch {
    // Not there (yet) or offline: the next render tries again.
  } finally {
    view.snapPending.delete(id);
  }
}

function showSnapshot(call) {
  const url = view.snaps.get(call.id);
  if (!url) return;
  fill($("#ic-snap-title"), t("intercom.snapshot", { station: stationName(call.door_station) }));
  $("#ic-snap-large").src = url;
  $("#ic-snap-dialog").showModal();
}

function callRow(call) {
  const stateCell = h("td", {},
    h("span", { class: `badge ic-st-${call.state}` }, tOr(`intercom.state.${call.state}`, call.state)),
    call.end_reason && call.end_reason !== call.state
      ? h("span", { class: "muted ic-reason" }, " ", tOr(`intercom.end.${call.end_reason}`, call.end_reason)) : null,
    call.unlocked_by
      ? h("div", { class: "muted ic-by" }, t("intercom.unlockedBy", { who: call.unlocked_by }))
      : null);
  const action = OPEN.has(call.state) && can("intercom.unlock")
    ? h("button", { type: "button", class: "ic-unlock", "data-focus": `unlock-${call.id}`,
      onclick: () => askUnlock(call) }, t("intercom.unlock"))
    : "";
  return h("tr", { "data-call": call.id, "data-state": call.state },
    h("td", { class: "nowrap" }, formatShort(call.started_at)),
    h("td", {}, stationName(call.door_station)),
    h("td", {}, householdLabel(call.household_id, call.dialed)),
    stateCell,
    h("td", {}, snapshotCell(call)),
    h("td", {}, action));
}

function renderCalls() {
  const body = $("#ic-call-rows");
  if (!body) return;
  keepFocus(body, () => {
    if (!view.calls.length) {
      fill(body, h("tr", {}, h("td", { colspan: 6, class: "muted" }, t("intercom.empty"))));
    } else fill(body, view.calls.map(callRow));
  });
}

function renderSip() {
  const el = $("#ic-sip");
  if (!el) return;
  const s = view.sip;
  if (!s) fill(el, "");
  else if (!s.listening) fill(el, t("intercom.sipOff"));
  else fill(el, t("intercom.sip", { host: s.sip_host, port: s.sip_port, n: s.registered }));
}

async function loadSip() {
  try {
    view.sip = await api("/intercom/status");
  } catch {
    view.sip = null; // switched off (503) or offline: the line stays empty
  }
  renderSip();
}

function upsertCall(call) {
  const i = view.calls.findIndex((c) => c.id === call.id);
  if (i >= 0) view.calls[i] = call;
  else {
    view.calls.unshift(call);
    view.calls.sort((a, b) => String(b.started_at).localeCompare(String(a.started_at)));
    view.calls.length = Math.min(view.calls.length, MAX_CALLS);
  }
}

/** Calls worth re-reading: not ended yet (answered, unlocked… end without an event), or
 * recent and still without their snapshot. */
function unsettled() {
  const now = Date.now();
  return view.calls.filter((c) => {
    const age = now - new Date(c.started_at).getTime();
    return (!c.ended_at && age < LIVE_MAX_MS) || (!c.has_snapshot && age < SNAPSHOT_WAIT_MS);
  });
}

async function refreshCall(id) {
  try {
    upsertCall(await api(`/intercom/calls/${encodeURIComponent(id)}`));
    renderCalls();
  } catch {
    // Offline or gone: the next event or show() reloads the log.
  }
  watch();
}

function watch() {
  if (view.watchTimer || !view.visible || !unsettled().length) return;
  view.watchTimer = setTimeout(async () => {
    view.watchTimer = null;
    const ids = unsettled().map((c) => c.id);
    await Promise.all(ids.map((id) => api(`/intercom/calls/${encodeURIComponent(id)}`)
      .then(upsertCall).catch(() => {})));
    renderCalls();
    watch();
  }, WATCH_MS);
}

function onEvent(ev) {
  if (!ev?.kind) return;
  if (ev.kind.startsWith("intercom.")) {
    const id = ev.payload?.call;
    if (!view.loaded || !can("intercom.read")) return;
    if (id) refreshCall(id);
    if (view.visible) loadSip();
  } else if (ev.payload?.credential === "qr" && view.visible && can("passes.manage")) {
    loadPasses(); // a pass was shown at a door: its uses changed
  }
}

function askUnlock(call) {
  view.target = call;
  fill($("#ic-unlock-title"), t("intercom.unlock.title", { station: stationName(call.door_station) }));
  fill($("#ic-unlock-error"), "");
  $("#ic-unlock-reason").value = "";
  $("#ic-unlock-dialog").showModal();
  $("#ic-unlock-reason").focus();
}

async function onUnlock(ev) {
  ev.preventDefault();
  const input = $("#ic-unlock-reason");
  if (!input.reportValidity()) return;
  const call = view.target;
  const station = stationName(call.door_station);
  try {
    await api(`/intercom/door-stations/${encodeURIComponent(call.door_station)}/unlock`, {
      method: "POST", body: { reason: input.value.trim(), call_id: call.id },
    });
    $("#ic-unlock-dialog").close();
    toast(t("intercom.unlock.done", { station }));
    refreshCall(call.id);
  } catch (err) {
    const text = err instanceof ApiError && err.status === 403
      ? t("intercom.unlock.denied") : errorText(err);
    fill($("#ic-unlock-error"), text);
  }
}

// ------------------------------------------------------------------ passes

function passRow(p) {
  const open = p.status === "active" || p.status === "pending";
  return h("tr", { "data-pass": p.id, "data-status": p.status },
    h("td", {}, p.visitor_name, p.visitor_phone ? h("div", { class: "muted" }, p.visitor_phone) : null),
    h("td", {}, householdLabel(p.household_id)),
    h("td", { class: "mono" }, p.doors.join(", ")),
    h("td", { class: "nowrap" }, formatShort(p.valid_from), " – ", formatShort(p.valid_until)),
    h("td", {}, `${Math.max(0, p.uses_allowed - p.uses_used)} / ${p.uses_allowed}`),
    h("td", {}, h("span", { class: `badge ic-ps-${p.status}` }, tOr(`passes.state.${p.status}`, p.status))),
    h("td", { class: "nowrap" }, open ? [
      h("button", { type: "button", class: "ic-qr-btn", "data-focus": `qr-${p.id}`,
        onclick: () => showQr(p) }, t("passes.qr")),
      h("button", { type: "button", class: "ic-revoke", "data-focus": `revoke-${p.id}`,
        onclick: () => askRevoke(p) }, t("passes.revoke")),
    ] : null));
}

function renderPasses() {
  const body = $("#ic-pass-rows");
  if (!body) return;
  keepFocus(body, () => {
    if (!view.passes.length) {
      fill(body, h("tr", {}, h("td", { colspan: 7, class: "muted" }, t("passes.empty"))));
    } else fill(body, view.passes.map(passRow));
  });
}

async function loadPasses() {
  try {
    view.passes = await api("/visitor-passes", { query: { limit: 100 } });
    renderPasses();
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) toast(errorText(err), "error");
  }
}

async function showQr(p, text = null) {
  fill($("#ic-qr-title"), t("passes.qr.title", { name: p.visitor_name }));
  fill($("#ic-qr-text"), text ?? "");
  const img = $("#ic-pass-qr");
  img.removeAttribute("src");
  if (!$("#ic-qr-dialog").open) $("#ic-qr-dialog").showModal();
  try {
    img.src = await imageUrl(`/visitor-passes/${encodeURIComponent(p.id)}/qr.png?scale=6`);
  } catch (err) {
    toast(errorText(err), "error");
  }
}

// Households shown in the list: every word typed must appear in the label ("3号楼 1201"),
// so the desk finds one of 888 by typing instead of scrolling (issue 17).
function fillHouseholds() {
  const words = ($("#ic-issue-hh-search")?.value ?? "").trim().split(/\s+/).filter(Boolean);
  const households = [...view.households.entries()]
    .filter(([, label]) => words.every((w) => label.includes(w)))
    .sort((a, b) => a[1].localeCompare(b[1], "zh-CN", { numeric: true }));
  const select = $("#ic-issue-household");
  fill(select, households.slice(0, 200).map(([id, label]) => h("option", { value: id }, label)));
  if (households.length === 1 || (households.length && !select.value)) select.selectedIndex = 0;
}

function fillIssueChoices() {
  fillHouseholds();
  // Doors as check boxes: a multiple select needed Ctrl-click (issue 17).
  fill($("#ic-issue-doors"), h("legend", {}, t("passes.issue.doors")), view.doors.map((d) =>
    h("label", { class: "ic-door" }, h("input", { type: "checkbox", value: d.code }), " ",
      d.name && d.name !== d.code ? `${d.name} (${d.code})` : d.code)));
}

async function openIssue() {
  await loadChoices();
  fillIssueChoices();
  const now = new Date();
  $("#ic-issue-form").reset();
  $("#ic-issue-from").value = toInput(now);
  $("#ic-issue-until").value = toInput(new Date(now.getTime() + 4 * 3600 * 1000));
  fill($("#ic-issue-error"), "");
  $("#ic-issue-dialog").showModal();
  $("#ic-issue-hh-search").focus();
}

async function onIssue(ev) {
  ev.preventDefault();
  const form = $("#ic-issue-form");
  const doors = [...document.querySelectorAll("#ic-issue-doors input:checked")].map((o) => o.value);
  if (!doors.length) {
    fill($("#ic-issue-error"), t("passes.issue.noDoors"));
    $("#ic-issue-doors input")?.focus();
    return;
  }
  if (!form.reportValidity()) return;
  const phone = $("#ic-issue-phone").value.trim();
  const body = {
    household_id: Number($("#ic-issue-household").value),
    visitor_name: $("#ic-issue-name").value.trim(),
    visitor_phone: phone || null,
    doors,
    valid_from: fromInput($("#ic-issue-from").value).toISOString(),
    valid_until: fromInput($("#ic-issue-until").value).toISOString(),
    uses: Number($("#ic-issue-uses").value),
  };
  try {
    const issued = await api("/visitor-passes", { method: "POST", body });
    $("#ic-issue-dialog").close();
    toast(t("passes.issue.done", { name: issued.visitor_name }));
    view.passes = [issued, ...view.passes.filter((p) => p.id !== issued.id)];
    renderPasses();
    showQr(issued, issued.qr_text);
  } catch (err) {
    fill($("#ic-issue-error"), errorText(err));
  }
}

function askRevoke(p) {
  view.target = p;
  fill($("#ic-revoke-title"), t("passes.revoke.title", { name: p.visitor_name }));
  fill($("#ic-revoke-error"), "");
  $("#ic-revoke-reason").value = "";
  $("#ic-revoke-dialog").showModal();
  $("#ic-revoke-reason").focus();
}

async function onRevoke(ev) {
  ev.preventDefault();
  const input = $("#ic-revoke-reason");
  if (!input.reportValidity()) return;
  const p = view.target;
  try {
    const out = await api(`/visitor-passes/${encodeURIComponent(p.id)}/revoke`, {
      method: "POST", body: { reason: input.value.trim() },
    });
    $("#ic-revoke-dialog").close();
    toast(t("passes.revoke.done", { name: p.visitor_name }));
    view.passes = view.passes.map((x) => (x.id === out.id ? out : x));
    renderPasses();
  } catch (err) {
    fill($("#ic-revoke-error"), errorText(err));
  }
}

// ------------------------------------------------------------------ loading

/** Household labels ("1号楼1单元 301") and the doors a pass may name. */
async function loadChoices() {
  const q = { query: { limit: 1000 } };
  const [buildings, units, households, doors] = await Promise.allSettled([
    api("/buildings", q), api("/units", q), api("/households", q), api("/access/doors"),
  ]);
  if (households.status === "fulfilled") {
    const b = new Map((buildings.value ?? []).map((x) => [x.id, x.name]));
    const u = new Map((units.value ?? []).map((x) => [x.id, x]));
    view.households = new Map(households.value.map((x) => {
      const unit = u.get(x.unit_id);
      const where = unit ? `${b.get(unit.building_id) ?? ""}${unit.name}` : "";
      return [x.id, `${where} ${x.room}`.trim()];
    }));
  }
  const seen = new Map();
  for (const d of doors.status === "fulfilled" ? doors.value : []) seen.set(d.code, d.name);
  for (const d of state.devices.values()) {
    if (["access", "intercom", "parking"].includes(d.subsystem) && d.type !== "indoor_monitor"
      && !seen.has(d.code)) seen.set(d.code, d.name);
  }
  view.doors = [...seen.entries()].map(([code, name]) => ({ code, name }))
    .sort((a, b) => a.code.localeCompare(b.code));
}

async function load() {
  applyRoles();
  await loadChoices();
  const jobs = [];
  if (can("intercom.read")) {
    jobs.push(api("/intercom/calls", { query: { limit: 50 } }).then((calls) => {
      // Calls the stream already brought in stay; the list fills in the rest.
      for (const c of calls.reverse()) upsertCall(c);
      view.loaded = true;
      renderCalls();
      watch();
    }));
    jobs.push(loadSip());
  }
  if (can("passes.manage")) jobs.push(loadPasses());
  const results = await Promise.allSettled(jobs);
  for (const r of results) {
    if (r.status === "rejected" && !(r.reason instanceof ApiError && r.reason.status === 401)) {
      toast(errorText(r.reason), "error");
    }
  }
}

export function init() {
  view.root = $("#panel-intercom");
  build();
  on("event", onEvent);
}

export function show() {
  view.visible = true;
  load();
}

export function hide() {
  view.visible = false;
  clearTimeout(view.watchTimer);
  view.watchTimer = null;
}

export function rerender() {
  build();
  if (state.user) applyRoles();
  renderSip();
  renderCalls();
  renderPasses();
}
