// The device list tab: state colours, a state filter, live updates.

import { api } from "./api.js";
import { mayOpenRecord, openDeviceRecord } from "./device-record.js";
import { $, fill, formatTime, h, scheduler } from "./dom.js";
import { t, tOr } from "./i18n.js";
import { emit, state } from "./state.js";

export const DEVICE_STATES = ["online", "offline", "fault", "tamper", "unknown"];
const changed = new Set();

export function deviceStateBadge(st) {
  const known = DEVICE_STATES.includes(st) ? st : "unknown";
  return h("span", { class: `dstate ds-${known}` }, tOr(`dstate.${st}`, st));
}

const render = scheduler(() => {
  const wanted = $("#dev-state").value;
  const rows = [...state.devices.values()]
    .filter((d) => !wanted || d.state === wanted)
    .sort((a, b) => String(a.code).localeCompare(String(b.code)));
  fill($("#dev-count"), t("devices.count", { n: rows.length }));
  fill(
    $("#device-rows"),
    rows.length === 0
      ? h("tr", {}, h("td", { colspan: 7, class: "muted" }, t("devices.empty")))
      : rows.map((d) =>
          h(
            "tr",
            { class: changed.has(d.id) ? "flash" : "", dataset: { id: d.id, state: d.state } },
            h("td", { class: "mono" }, d.code),
            h("td", {}, d.name),
            h("td", {}, tOr(`devtype.${d.type}`, d.type)),
            h("td", {}, tOr(`subsystem.${d.subsystem}`, d.subsystem)),
            h("td", {}, deviceStateBadge(d.state)),
            h("td", { class: "nowrap" }, formatTime(d.last_seen_at)),
            h("td", {}, mayOpenRecord()
              ? h("button", { type: "button", class: "link", onclick: () => openDeviceRecord(d.code, d.name) }, t("rec.open"))
              : null),
          ),
        ),
  );
  changed.clear();
});

/** Every device: a plain list, or pages of {items, total} fetched by offset. */
async function fetchDevices() {
  const first = await api("/devices");
  if (Array.isArray(first)) return first;
  const items = [...(first.items ?? [])];
  while (typeof first.total === "number" && items.length < first.total) {
    const page = await api("/devices", { query: { offset: items.length } });
    if (!page.items?.length) break;
    items.push(...page.items);
  }
  return items;
}

export async function loadDevices() {
  const list = await fetchDevices();
  state.devices.clear();
  for (const d of list) state.devices.set(d.id, d);
  render();
  emit("devices");
}

let reloadTimer = null;

/** A pushed device change (state and last-seen only): merge it into what we know. */
export function liveDevice(d) {
  const old = state.devices.get(d.id);
  if (!old) {
    // A device added since we loaded the list: fetch the list again (coalesced).
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => loadDevices().catch(() => {}), 500);
    return;
  }
  state.devices.set(d.id, { ...old, ...d });
  changed.add(d.id);
  render();
  emit("devices");
}

export function initDevices() {
  const select = $("#dev-state");
  fillStateFilter();
  select.addEventListener("change", render);
}

function fillStateFilter() {
  const select = $("#dev-state");
  const chosen = select.value;
  fill(
    select,
    h("option", { value: "" }, t("devices.allStates")),
    DEVICE_STATES.map((s) => h("option", { value: s }, t(`dstate.${s}`))),
  );
  select.value = chosen;
}

export function rerenderDevices() {
  fillStateFilter();
  render();
}
