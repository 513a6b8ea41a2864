// The handling actions on one alarm: which are available and why not, the dialog that asks
// for a note, whom to send, the disposition and cause, and a clear answer to a conflict
// (another operator holds the alarm: offer to take it over, keeping the typed note).

import "./alarm-strings.js";
import { api, ApiError } from "./api.js";
import { $, fill, h } from "./dom.js";
import { lang, t, tOr } from "./i18n.js";
import { actorName, causeList, loadCauses } from "./alarm-view.js";
import { OPEN_STATES, state } from "./state.js";
import { toast } from "./toast.js";

// name → request; `fields` are the dialog's inputs it shows.
export const ACTIONS = {
  acknowledge: { path: "acknowledge", key: "A", fields: [] },
  claim: { path: "claim", key: "C", fields: [] },
  dispatch: { path: "dispatch", key: "D", fields: ["to"] },
  resolve: { path: "resolve", key: "R", fields: ["disposition"], body: { outcome: "resolved" }, noteRequired: true },
  false_alarm: { path: "resolve", key: "F", fields: ["cause"], body: { outcome: "false_alarm", disposition: "false" }, noteRequired: true },
  note: { path: "notes", key: "N", fields: [], noteRequired: true },
  assign: { path: "assign", key: "T", fields: ["assign"] },
  release: { path: "release", key: null, fields: [] },
};
const STATE_STEPS = new Set(["acknowledge", "claim", "dispatch", "resolve", "false_alarm", "release"]);

function me() {
  return state.user ? `user:${state.user.username}` : null;
}

/** Why `name` cannot be done on alarm `a` now (a key for t()), or null when it can. */
export function unavailable(name, a) {
  if (!a) return "why.state";
  const open = OPEN_STATES.has(a.state);
  if (!open && name !== "note") return "why.closed";
  if (name === "acknowledge" && a.state !== "new") return "why.state";
  if (name === "claim" && a.assignee === me()) return "why.state";
  if (name === "release" && a.assignee !== me()) return "why.state";
  return null;
}

/** Held by another operator: the step needs a take-over (asked on confirm). */
export function heldByOther(a) {
  return Boolean(a && a.assignee && a.assignee !== me() && OPEN_STATES.has(a.state));
}

let pending = null; // {name, alarm, onDone}

export function openAction(name, alarm, onDone) {
  if (!alarm || !ACTIONS[name] || unavailable(name, alarm)) return;
  pending = { name, alarm, onDone };
  const spec = ACTIONS[name];
  const dialog = $("#action-dialog");
  fill($("#action-title"), `${t(`action.${name}`)} — ${alarm.title ?? ""}`);
  dialog.dataset.action = name;
  for (const f of ["to", "assign", "disposition", "cause"]) {
    $(`#action-field-${f}`).hidden = !spec.fields.includes(f);
  }
  $("#action-to").value = alarm.dispatched_to ?? "";
  $("#action-assign").value = "";
  fillChoices();
  loadLists();
  const input = $("#action-note");
  input.value = "";
  input.required = Boolean(spec.noteRequired);
  fill($("#action-error"), "");
  dialog.showModal();
  input.focus();
}

function fillChoices() {
  const c = causeList();
  const name = (x) => (lang() === "en" ? x.en : x.zh);
  fill(
    $("#action-disposition"),
    c.dispositions.filter((d) => d.code !== "false").map((d) => h("option", { value: d.code }, name(d))),
  );
  fill(
    $("#action-cause"),
    h("option", { value: "" }, "—"),
    c.false_causes.map((d) => h("option", { value: d.code }, name(d))),
  );
}

export function initActionDialog() {
  const dialog = $("#action-dialog");
  $("#action-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    confirmAction(false);
  });
  $("#action-cancel").addEventListener("click", () => dialog.close());
  // Enter confirms (as the hint says); Shift+Enter starts a new line of the note.
  $("#action-note").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      $("#action-form").requestSubmit();
    }
  });
  dialog.addEventListener("close", () => {
    if (!$("#takeover-dialog").open) pending = null;
  });
  $("#takeover-yes").addEventListener("click", () => {
    $("#takeover-dialog").close();
    confirmAction(true);
  });
  $("#takeover-no").addEventListener("click", () => {
    $("#takeover-dialog").close();
    pending = null;
  });
}

let guardsLoaded = false;

// Lists the dialog offers, loaded on first use (after login: a request before it would
// answer 401 and end the session).
function loadLists() {
  if (causeList().dispositions.length === 0) loadCauses().then(fillChoices).catch(() => {});
  if (!guardsLoaded) {
    guardsLoaded = true;
    loadGuardNames();
  }
}

async function loadGuardNames() {
  // Names to dispatch to: the guard tour's guards where the user may read them.
  try {
    const guards = await api("/patrol/guards");
    fill($("#guard-names"), guards.map((g) => h("option", { value: g.name })));
  } catch {
    /* no guard tour or no permission: free text only */
  }
}

function bodyFor(name, note, takeOver) {
  const spec = ACTIONS[name];
  const body = { note, ...(spec.body ?? {}) };
  if (name === "dispatch") body.to = $("#action-to").value.trim();
  if (name === "assign") body.to = $("#action-assign").value.trim();
  if (name === "resolve") body.disposition = $("#action-disposition").value || "real";
  if (name === "false_alarm") body.cause = $("#action-cause").value;
  if (takeOver && STATE_STEPS.has(name)) body.take_over = true;
  if (name === "note" || name === "assign") delete body.take_over;
  return body;
}

async function confirmAction(takeOver) {
  if (!pending) return;
  const { name, alarm, onDone } = pending;
  const spec = ACTIONS[name];
  const note = $("#action-note").value.trim();
  if (spec.noteRequired && !note) return refuse("dialog.noteRequired", "#action-note");
  if (name === "false_alarm" && !$("#action-cause").value) return refuse("dialog.causeRequired", "#action-cause");
  if (name === "assign" && !$("#action-assign").value.trim()) return refuse("dialog.toRequired", "#action-assign");
  const body = bodyFor(name, note, takeOver);
  $("#action-dialog").close();
  try {
    const updated = await api(`/alarms/${alarm.id}/${spec.path}`, { method: "POST", body });
    pending = null;
    onDone?.(updated);
    toast(t(`done.${name}`, { id: shortTitle(alarm) }), "ok");
  } catch (err) {
    if (err instanceof ApiError && err.code === "alarm_held" && !takeOver) {
      // Keep the note and the choices: ask, then send again with take_over.
      fill($("#takeover-text"), t("takeover.confirm", { by: actorName(err.params?.by) }));
      $("#takeover-dialog").showModal();
      return;
    }
    pending = null;
    toast(errorText(err), "error");
  }
}

function refuse(key, focus) {
  fill($("#action-error"), t(key));
  $(focus).focus();
}

function shortTitle(a) {
  return a.title ?? "";
}

/** A server refusal in the operator's language (by its code where it has one). */
export function errorText(err) {
  if (!(err instanceof ApiError)) return t("error.network", { msg: err.message });
  if (err.code) {
    const params = { ...(err.params ?? {}) };
    if (params.by) params.by = actorName(params.by);
    if (params.state) params.state = tOr(`state.${params.state}`, params.state);
    const key = `code.${err.code}`;
    const text = tOr(key, null);
    if (text !== null) return t(key, params);
  }
  if (err.status === 409) return t("error.conflict");
  if (err.status === 403) return t("error.forbidden");
  return t("error.generic", { msg: err.message });
}
