// The event log tab: newest first, live, filtered by kind and source, paged with `before`.

import { payloadText } from "./alarms.js";
import { api, ApiError } from "./api.js";
import { $, fill, formatTime, h } from "./dom.js";
import { lang, t } from "./i18n.js";
import { kindLabel, state } from "./state.js";

const LIVE_KEEP = 2000; // rows kept when live events pile up at the top
let items = [];
const seen = new Set();
let nextBefore = null;
let loading = false;
let generation = 0; // discards answers to a superseded filter

function filters() {
  return { kind: $("#ev-kind").value, source: $("#ev-source").value.trim() };
}

function matches(ev) {
  const f = filters();
  return (!f.kind || ev.kind === f.kind) && (!f.source || ev.source === f.source);
}

function row(ev, live) {
  return h(
    "tr",
    { class: `sev-${ev.severity}${live ? " flash" : ""}`, dataset: { id: ev.id } },
    h("td", { class: "nowrap" }, formatTime(ev.occurred_at)),
    h("td", {}, h("span", { class: `sev sev-${ev.severity}` }, t(`severity.${ev.severity}`))),
    h("td", { title: ev.kind }, kindLabel(ev.kind)),
    h("td", {}, ev.source),
    h("td", { class: "payload" }, payloadText(ev.payload)),
  );
}

function renderAll() {
  const body = $("#event-rows");
  fill(body, items.map((ev) => row(ev, false)));
  renderFooter();
}

function renderFooter() {
  const more = $("#ev-more");
  more.hidden = !nextBefore;
  fill(
    $("#ev-status"),
    items.length === 0 ? t("events.empty") : nextBefore ? "" : t("events.end"),
  );
}

export function fillKindFilter() {
  const select = $("#ev-kind");
  const chosen = select.value;
  const kinds = [...state.kinds.values()].sort((a, b) =>
    (lang() === "en" ? a.en : a.zh).localeCompare(lang() === "en" ? b.en : b.zh, lang()),
  );
  fill(
    select,
    h("option", { value: "" }, t("events.allKinds")),
    kinds.map((k) => h("option", { value: k.kind }, `${kindLabel(k.kind)} (${k.kind})`)),
  );
  select.value = chosen;
}

export async function reloadEvents() {
  generation += 1;
  items = [];
  seen.clear();
  nextBefore = null;
  loading = false;
  renderAll();
  await loadMore();
}

export async function loadMore() {
  if (loading) return;
  loading = true;
  const gen = generation;
  const f = filters();
  try {
    const data = await api("/events", {
      query: { limit: 100, kind: f.kind, source: f.source, before: nextBefore },
    });
    if (gen !== generation) return;
    const fresh = data.items.filter((ev) => !seen.has(ev.id));
    for (const ev of fresh) seen.add(ev.id);
    items.push(...fresh);
    nextBefore = data.next_before;
    $("#event-rows").append(...fresh.map((ev) => row(ev, false)));
    renderFooter();
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) {
      fill($("#ev-status"), t("error.generic", { msg: err.message }));
    }
  } finally {
    if (gen === generation) loading = false;
  }
}

/** A pushed event: put it on top when it passes the filters. */
export function liveEvent(ev) {
  if (seen.has(ev.id) || !matches(ev)) return;
  seen.add(ev.id);
  items.unshift(ev);
  const body = $("#event-rows");
  body.prepend(row(ev, true));
  if (items.length > LIVE_KEEP) {
    for (const old of items.splice(LIVE_KEEP)) seen.delete(old.id);
    while (body.rows.length > LIVE_KEEP) body.lastElementChild.remove();
    // Older pages are fetched again from the oldest row we still show.
    nextBefore = items[items.length - 1].id;
  }
  renderFooter();
}

export function initEvents() {
  $("#ev-kind").addEventListener("change", reloadEvents);
  $("#ev-source").addEventListener("change", reloadEvents);
  $("#ev-more").addEventListener("click", loadMore);
}

export function rerenderEvents() {
  fillKindFilter();
  renderAll();
}
