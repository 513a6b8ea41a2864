// The live alarm queue, the alarm detail pane and the handling actions (A/D/R/F).

import { api, ApiError } from "./api.js";
import { $, fill, formatShort, formatTime, h, scheduler } from "./dom.js";
import { t, tOr } from "./i18n.js";
import { playAlarmTone } from "./sound.js";
import {
  emit, kindLabel, newAlarmCount, OPEN_STATES, sortedAlarms, state,
} from "./state.js";
import { toast } from "./toast.js";

const TONE_REPEAT_MS = 5000;
let muted = false;
let lastToneAt = 0;
const flashing = new Set();
let detail = null; // the full alarm (with transitions and events) shown in the pane
let detailTimer = null;

export const ACTIONS = {
  acknowledge: { path: "acknowledge", body: {}, noteRequired: false },
  dispatch: { path: "dispatch", body: {}, noteRequired: false },
  resolve: { path: "resolve", body: { outcome: "resolved" }, noteRequired: true },
  false_alarm: { path: "resolve", body: { outcome: "false_alarm" }, noteRequired: true },
};

export function isMuted() {
  return muted;
}

export function setMuted(value) {
  muted = value;
  document.body.classList.toggle("muted", muted);
  emit("muted", muted);
}

function tone(force) {
  if (muted) return;
  const now = Date.now();
  if (!force && now - lastToneAt < TONE_REPEAT_MS) return;
  lastToneAt = now;
  playAlarmTone();
}

/** Repeat the tone while any alarm is still in state `new`. */
export function startToneLoop() {
  setInterval(() => {
    if (newAlarmCount() > 0) tone(false);
  }, 1000);
}

const renderQueue = scheduler(() => {
  const list = $("#alarm-list");
  const alarms = sortedAlarms();
  fill(
    $("#queue-count"),
    t("queue.count", { n: alarms.length, m: newAlarmCount() }),
  );
  if (alarms.length === 0) {
    fill(list, h("li", { class: "empty" }, t("queue.empty")));
    return;
  }
  fill(list, alarms.map(queueItem));
  const selected = list.querySelector(".selected");
  if (selected) selected.scrollIntoView({ block: "nearest" });
});

function queueItem(a) {
  const classes = ["alarm", `p${a.priority}`, `st-${a.state}`];
  if (a.id === state.selectedAlarmId) classes.push("selected");
  if (flashing.has(a.id)) classes.push("flash");
  return h(
    "li",
    {
      class: classes.join(" "),
      dataset: { id: a.id, state: a.state },
      onclick: () => select(a.id),
    },
    h("span", { class: "prio" }, `P${a.priority}`),
    h(
      "div",
      { class: "main" },
      h("div", { class: "title" }, a.title || kindLabel(a.kind)),
      h("div", { class: "sub" }, kindLabel(a.kind), " · ", a.source ?? "—"),
    ),
    h(
      "div",
      { class: "meta" },
      h("span", { class: `badge st-${a.state}` }, tOr(`state.${a.state}`, a.state)),
      h("time", { datetime: a.created_at }, formatShort(a.created_at)),
      a.event_count > 1 ? h("span", { class: "count" }, `×${a.event_count}`) : null,
    ),
  );
}

/** Apply an Alarm from the API or the stream; `live` marks a pushed change. */
export function upsertAlarm(alarm, { live = false } = {}) {
  const old = state.alarms.get(alarm.id);
  if (old && Date.parse(old.updated_at) > Date.parse(alarm.updated_at)) return;
  if (OPEN_STATES.has(alarm.state)) {
    state.alarms.set(alarm.id, alarm);
    if (live && !old && alarm.state === "new") {
      flashing.add(alarm.id);
      setTimeout(() => {
        flashing.delete(alarm.id);
        renderQueue();
      }, 3000);
      tone(true);
    }
  } else if (old) {
    state.alarms.delete(alarm.id);
    if (state.selectedAlarmId === alarm.id) moveSelectionAfterRemoval(old);
  }
  if (state.selectedAlarmId === null && OPEN_STATES.has(alarm.state)) {
    select(alarm.id);
  } else if (
    alarm.id === state.selectedAlarmId ||
    (state.selectedAlarmId === null && detail?.id === alarm.id)
  ) {
    refreshDetailSoon(alarm.id);
  }
  renderQueue();
  emit("alarms");
}

function moveSelectionAfterRemoval(removed) {
  const rest = sortedAlarms();
  const order = [...rest, removed].sort(
    (a, b) =>
      a.priority - b.priority ||
      String(a.created_at).localeCompare(String(b.created_at)) ||
      String(a.id).localeCompare(String(b.id)),
  );
  const idx = order.findIndex((a) => a.id === removed.id);
  const next = rest[Math.min(idx, rest.length - 1)];
  state.selectedAlarmId = next ? next.id : null;
  if (next) loadDetail(next.id);
}

/** Replace the whole queue (first load and after a reconnect). */
export function setAlarms(items) {
  state.alarms.clear();
  for (const a of items) if (OPEN_STATES.has(a.state)) state.alarms.set(a.id, a);
  if (state.selectedAlarmId !== null && !state.alarms.has(state.selectedAlarmId)) {
    state.selectedAlarmId = null;
  }
  if (state.selectedAlarmId === null) {
    const first = sortedAlarms()[0];
    if (first) select(first.id);
  } else {
    refreshDetailSoon(state.selectedAlarmId);
  }
  renderQueue();
  emit("alarms");
}

export async function loadOpenAlarms() {
  const items = [];
  let before = null;
  // Open alarms are few; the page cap only guards against a runaway loop.
  for (let page = 0; page < 20; page += 1) {
    const data = await api("/alarms", { query: { state: "open", limit: 200, before } });
    items.push(...data.items);
    if (!data.next_before) break;
    before = data.next_before;
  }
  setAlarms(items);
}

export function select(id) {
  state.selectedAlarmId = id;
  renderQueue();
  loadDetail(id);
}

export function selectRelative(step) {
  const alarms = sortedAlarms();
  if (alarms.length === 0) return;
  const idx = alarms.findIndex((a) => a.id === state.selectedAlarmId);
  const next = idx < 0 ? 0 : Math.max(0, Math.min(alarms.length - 1, idx + step));
  select(alarms[next].id);
}

function refreshDetailSoon(id) {
  clearTimeout(detailTimer);
  detailTimer = setTimeout(() => loadDetail(id), 250);
}

async function loadDetail(id) {
  if (!detail || detail.id !== id) {
    detail = null;
    fill($("#detail"), h("p", { class: "muted" }, t("detail.loading")));
  }
  try {
    const full = await api(`/alarms/${id}`);
    if (state.selectedAlarmId !== null && state.selectedAlarmId !== id) return;
    detail = full;
    renderDetail();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    fill($("#detail"), h("p", { class: "error" }, t("error.generic", { msg: err.message })));
  }
}

export function renderDetail() {
  const pane = $("#detail");
  if (!detail) {
    if (state.selectedAlarmId === null) fill(pane, h("p", { class: "muted" }, t("detail.none")));
    return;
  }
  const a = detail;
  const device = a.device_id != null ? state.devices.get(a.device_id) : null;
  const zone = a.zone_id != null ? state.site?.zones.find((z) => z.id === a.zone_id) : null;
  const field = (label, value) => [h("dt", {}, t(label)), h("dd", {}, value ?? t("none"))];
  fill(
    pane,
    h(
      "div",
      { class: `detail-head p${a.priority}` },
      h("span", { class: "prio" }, `P${a.priority}`),
      h("h2", { id: "detail-title" }, a.title || kindLabel(a.kind)),
      h("span", { class: `badge st-${a.state}`, id: "detail-state" }, tOr(`state.${a.state}`, a.state)),
    ),
    h(
      "div",
      { class: "actions" },
      Object.keys(ACTIONS).map((name) =>
        h(
          "button",
          { type: "button", class: `act act-${name}`, onclick: () => openAction(name) },
          h("kbd", {}, { acknowledge: "A", dispatch: "D", resolve: "R", false_alarm: "F" }[name]),
          " ",
          t(`action.${name}`),
        ),
      ),
    ),
    h(
      "dl",
      { class: "fields" },
      field("detail.kind", kindLabel(a.kind)),
      field("detail.source", a.source),
      field("detail.device", device ? `${device.code} ${device.name}` : a.device_id),
      field("detail.zone", zone ? `${zone.code} ${zone.name}` : a.zone_id),
      field("detail.created", formatTime(a.created_at)),
      field("detail.lastEvent", formatTime(a.last_event_at)),
      field("detail.eventCount", a.event_count),
      field("detail.escalation", a.escalation_level),
    ),
    h("h3", {}, t("detail.procedure")),
    h("pre", { class: "procedure" }, a.procedure || t("detail.noProcedure")),
    h("h3", {}, t("detail.transitions")),
    h(
      "ol",
      { class: "transitions" },
      (a.transitions ?? []).map((tr) =>
        h(
          "li",
          {},
          h("time", {}, formatTime(tr.at)),
          h("span", { class: "actor" }, tr.actor ?? ""),
          h(
            "span",
            {},
            tr.from_state ? `${tOr(`state.${tr.from_state}`, tr.from_state)} → ` : "",
            tOr(`state.${tr.to_state}`, tr.to_state),
          ),
          tr.note ? h("span", { class: "note" }, tr.note) : null,
        ),
      ),
    ),
    h("h3", {}, t("detail.events"), ` (${(a.events ?? []).length})`),
    h(
      "table",
      { class: "grid small" },
      h(
        "tbody",
        {},
        (a.events ?? []).map((e) =>
          h(
            "tr",
            { class: `sev-${e.severity}` },
            h("td", {}, formatTime(e.occurred_at)),
            h("td", {}, kindLabel(e.kind)),
            h("td", {}, e.source),
            h("td", { class: "payload" }, payloadText(e.payload)),
          ),
        ),
      ),
    ),
  );
}

export function payloadText(payload) {
  if (!payload || Object.keys(payload).length === 0) return "";
  const text = JSON.stringify(payload);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

export function rerenderAlarms() {
  renderQueue();
  renderDetail();
}

// ----------------------------------------------------------------- action dialog

let pendingAction = null;

export function openAction(name) {
  const id = state.selectedAlarmId ?? detail?.id;
  if (id === null || id === undefined) return;
  const alarm = state.alarms.get(id) ?? detail;
  pendingAction = { name, id };
  const dialog = $("#action-dialog");
  fill($("#action-title"), `${t(`action.${name}`)} — #${id} ${alarm?.title ?? ""}`);
  dialog.dataset.action = name;
  const input = $("#action-note");
  input.value = "";
  input.required = ACTIONS[name].noteRequired;
  fill($("#action-error"), "");
  dialog.showModal();
  input.focus();
}

export function initActionDialog() {
  const dialog = $("#action-dialog");
  $("#action-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    confirmAction();
  });
  $("#action-cancel").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    pendingAction = null;
  });
}

async function confirmAction() {
  const dialog = $("#action-dialog");
  if (!pendingAction) return;
  const { name, id } = pendingAction;
  const note = $("#action-note").value.trim();
  const spec = ACTIONS[name];
  if (spec.noteRequired && !note) {
    fill($("#action-error"), t("dialog.noteRequired"));
    $("#action-note").focus();
    return;
  }
  dialog.close();
  try {
    const alarm = await api(`/alarms/${id}/${spec.path}`, {
      method: "POST",
      body: { note, ...spec.body },
    });
    upsertAlarm(alarm);
    toast(t(`done.${name}`, { id }), "ok");
  } catch (err) {
    if (!(err instanceof ApiError)) toast(t("error.network", { msg: err.message }), "error");
    else if (err.status === 409) toast(t("error.conflict"), "error");
    else if (err.status === 403) toast(t("error.forbidden"), "error");
    else if (err.status !== 401) toast(t("error.generic", { msg: err.message }), "error");
  }
}
