// Shared client state (kinds, open alarms, devices, site) with a tiny change notifier.

import { lang } from "./i18n.js";

export const OPEN_STATES = new Set(["new", "acknowledged", "dispatched"]);

export const state = {
  user: null,
  kinds: new Map(), // kind -> {kind, severity, zh, en}
  alarms: new Map(), // id -> Alarm (open ones only)
  devices: new Map(), // id -> Device
  site: null, // {site, buildings, zones}
  selectedAlarmId: null,
};

/** Whether the signed-in user's role holds `perm` (from /me; the server checks again). */
export function can(perm) {
  return state.user?.permissions?.includes(perm) ?? false;
}

const listeners = new Map();

export function on(topic, fn) {
  if (!listeners.has(topic)) listeners.set(topic, new Set());
  listeners.get(topic).add(fn);
}

export function emit(topic, payload) {
  for (const fn of listeners.get(topic) ?? []) fn(payload);
}

export function kindLabel(kind) {
  const info = state.kinds.get(kind);
  if (!info) return kind ?? "—";
  return (lang() === "en" ? info.en : info.zh) || kind;
}

/** The queue's order (the server's GET /alarms/open has the same): priority 1 first;
 *  within a priority, alarms nobody acknowledged before those being handled; then newest
 *  first, so a new intrusion is never buried below older ones (escalation marks those). */
export function sortedAlarms(list = [...state.alarms.values()]) {
  return list.sort(
    (a, b) =>
      a.priority - b.priority ||
      (a.state === "new" ? 0 : 1) - (b.state === "new" ? 0 : 1) ||
      String(b.id).localeCompare(String(a.id)),
  );
}

export function newAlarmCount() {
  let n = 0;
  for (const a of state.alarms.values()) if (a.state === "new") n += 1;
  return n;
}

/** Device ids and zone ids that have an open alarm (the map blinks them). */
export function alarmedTargets() {
  const devices = new Set();
  const zones = new Set();
  for (const a of state.alarms.values()) {
    if (a.device_id !== null && a.device_id !== undefined) devices.add(a.device_id);
    if (a.zone_id !== null && a.zone_id !== undefined) zones.add(a.zone_id);
  }
  return { devices, zones };
}
