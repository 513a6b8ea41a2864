// The live alarm queue, the alarm detail pane and its handling actions (A/C/D/R/F/N/T/P).

import { ACTIONS, heldByOther, initActionDialog as initDialog, openAction as open, unavailable } from "./alarm-actions.js";
import { printRecord } from "./alarm-record.js";
import { armButtons } from "./arming.js";
import {
  actorName, contextNodes, dispositionText, holderLabel, loadCauses, loadMedia, payloadText,
  transitionText,
} from "./alarm-view.js";
import { api, ApiError } from "./api.js";
import { $, fill, formatShort, formatTime, h, scheduler } from "./dom.js";
import { t, tOr } from "./i18n.js";
import { playAlarmTone } from "./sound.js";
import {
  emit, kindLabel, newAlarmCount, OPEN_STATES, sortedAlarms, state,
} from "./state.js";

export { payloadText };

const TONE_REPEAT_MS = 5000;
const QUEUE_SHOWN = 200;
let muted = false;
let lastToneAt = 0;
const flashing = new Set();
let detail = null; // the full alarm (with transitions and events) shown in the pane
let detailTimer = null;

export function isMuted() {
  return muted;
}

export function setMuted(value) {
  muted = value;
  document.body.classList.toggle("muted", muted);
  emit("muted", muted);
}

function tone(force, priority) {
  if (muted) return;
  const now = Date.now();
  if (!force && now - lastToneAt < TONE_REPEAT_MS) return;
  lastToneAt = now;
  playAlarmTone(priority);
}

function mostUrgentNew() {
  let best = null;
  for (const a of state.alarms.values()) {
    if (a.state !== "new") continue;
    if (!best || a.priority < best.priority) best = a;
  }
  return best;
}

/** Repeat the tone while any alarm is still in state `new` (the most urgent one's tone). */
export function startToneLoop() {
  setInterval(() => {
    const a = mostUrgentNew();
    if (a) tone(false, a.priority);
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
  // The first lines only: building 10,000 lines on every change took the browser 7 s to
  // show a new alarm (bench/console); the rest are counted, and the selected one is kept.
  const shown = alarms.slice(0, QUEUE_SHOWN);
  const sel = alarms.findIndex((a) => a.id === state.selectedAlarmId);
  if (sel >= QUEUE_SHOWN) shown.push(alarms[sel]);
  const rest = alarms.length - shown.length;
  fill(list, shown.map(queueItem), rest > 0 ? h("li", { class: "empty more" }, t("queue.more", { n: rest })) : null);
  const selected = list.querySelector(".selected");
  if (selected) selected.scrollIntoView({ block: "nearest" });
});

function queueItem(a) {
  const classes = ["alarm", `p${a.priority}`, `st-${a.state}`];
  if (a.id === state.selectedAlarmId) classes.push("selected");
  if (flashing.has(a.id)) classes.push("flash");
  if (a.escalation_level > 0 && a.state === "new") classes.push(`esc esc-${Math.min(a.escalation_level, 3)}`);
  const holder = holderLabel(a);
  return h(
    "li",
    {
      class: classes.join(" "),
      dataset: { id: a.id, state: a.state },
      onclick: () => {
        document.body.classList.remove("wide");
        select(a.id);
      },
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
      a.escalation_level > 0 && a.state === "new"
        ? h("span", { class: "esc-badge", title: t("detail.escalated", { n: a.escalation_level }) }, t("queue.esc", { n: a.escalation_level }))
        : null,
      holder ? h("span", { class: "holder" }, holder) : null,
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
      tone(true, alarm.priority);
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
  const order = sortedAlarms([...rest, removed]);
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
  // The whole queue in one request, from the server's memory (issue 17: paging 200 at a
  // time stopped at 4,000 of 10,080 open alarms).
  const [items] = await Promise.all([api("/alarms/open"), loadCauses().catch(() => null)]);
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
  const field = (label, value) =>
    value === null || value === undefined || value === "" ? [] : [h("dt", {}, t(label)), h("dd", {}, value)];
  const media = h("div", { class: "media-strip", id: "detail-media" }, h("p", { class: "muted" }, t("detail.loading")));
  fill(
    pane,
    h(
      "div",
      { class: `detail-head p${a.priority}` },
      h("span", { class: "prio" }, `P${a.priority}`),
      h("h2", { id: "detail-title" }, a.title || kindLabel(a.kind)),
      h("span", { class: `badge st-${a.state}`, id: "detail-state" }, tOr(`state.${a.state}`, a.state)),
      a.escalation_level > 0 ? h("span", { class: "esc-badge" }, t("detail.escalated", { n: a.escalation_level })) : null,
    ),
    actionBar(a),
    contextNodes(a.context, (sec) =>
      sec.key === "panel" && sec.partition
        ? armButtons(sec.account, sec.partition, sec.settable, () => loadDetail(a.id))
        : null),
    h(
      "dl",
      { class: "fields" },
      field("detail.kind", kindLabel(a.kind)),
      field("detail.source", a.source),
      field("detail.created", formatTime(a.created_at)),
      field("detail.lastEvent", formatTime(a.last_event_at)),
      field("detail.eventCount", a.event_count),
      field("detail.assignee", a.assignee ? actorName(a.assignee) : null),
      field("detail.dispatchedTo", a.dispatched_to),
      field("detail.disposition", dispositionText(a.disposition, a.cause)),
      field("detail.closedAt", a.closed_at ? formatTime(a.closed_at) : null),
    ),
    h("h3", {}, t("detail.media")),
    media,
    h("h3", {}, t("detail.procedure")),
    h("pre", { class: "procedure" }, a.procedure || t("detail.noProcedure")),
    h("h3", {}, t("detail.transitions")),
    h(
      "ol",
      { class: "transitions" },
      (a.transitions ?? []).map((tr) =>
        h(
          "li",
          { dataset: { code: tr.code ?? "" } },
          h("time", {}, formatTime(tr.at)),
          h("span", { class: "actor" }, actorName(tr.actor)),
          h("span", {}, transitionText(tr)),
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
  loadMedia(a.id, media);
}

function actionBar(a) {
  const held = heldByOther(a);
  const buttons = Object.entries(ACTIONS).map(([name, spec]) => {
    const why = unavailable(name, a);
    const title = why ? t(why) : held && name !== "note" && name !== "assign" ? t("why.held", { by: actorName(a.assignee) }) : "";
    return h(
      "button",
      {
        type: "button",
        class: `act act-${name}${held && !why ? " held" : ""}`,
        disabled: Boolean(why),
        title,
        onclick: () => openAction(name),
      },
      spec.key ? h("kbd", {}, spec.key) : null,
      spec.key ? " " : null,
      t(`action.${name}`),
    );
  });
  buttons.push(
    h("button", { type: "button", class: "act act-locate", onclick: () => openAction("locate") }, h("kbd", {}, "G"), " ", t("action.locate")),
    h("button", { type: "button", class: "act act-print", onclick: () => printRecord(detail) }, h("kbd", {}, "P"), " ", t("action.print")),
  );
  return h("div", { class: "actions" }, buttons);
}

/** Open the dialog of `name` for the selected alarm (keys and buttons). */
export function openAction(name) {
  const id = state.selectedAlarmId ?? detail?.id;
  if (id === null || id === undefined) return;
  if (name === "print") {
    if (detail?.id === id) printRecord(detail);
    return;
  }
  if (name === "locate") {
    const source = (detail?.id === id ? detail : state.alarms.get(id))?.source;
    if (source) document.dispatchEvent(new CustomEvent("anfang:locate", { detail: source }));
    return;
  }
  const alarm = detail?.id === id ? { ...detail, ...(state.alarms.get(id) ?? {}) } : state.alarms.get(id);
  open(name, alarm, (updated) => upsertAlarm(updated));
}

export function initActionDialog() {
  initDialog();
}

export function rerenderAlarms() {
  renderQueue();
  renderDetail();
}

