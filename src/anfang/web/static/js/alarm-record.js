// The printable 接处警记录 (incident record) of one alarm: what happened, where, whose home,
// every handling step with who and when, and lines for signatures. Printed with the
// browser's own print (to paper or PDF); nothing leaves the page.

import "./alarm-strings.js";
import { actorName, contextNodes, dispositionText, payloadText, transitionText } from "./alarm-view.js";
import { fill, formatTime, h } from "./dom.js";
import { t, tOr } from "./i18n.js";
import { kindLabel, state } from "./state.js";

function area() {
  let el = document.getElementById("print-area");
  if (!el) {
    el = h("div", { id: "print-area", class: "print-area" });
    document.body.append(el);
  }
  return el;
}

/** Build the record of `a` (an alarm detail) and open the print dialog. */
export function printRecord(a) {
  if (!a) return;
  const row = (label, value) => h("tr", {}, h("th", {}, t(label)), h("td", {}, value ?? "—"));
  fill(
    area(),
    h("h1", {}, t("record.title")),
    h("h2", {}, a.title || kindLabel(a.kind)),
    h(
      "table",
      { class: "record-fields" },
      row("detail.kind", kindLabel(a.kind)),
      row("detail.priority", `P${a.priority}`),
      row("detail.state", tOr(`state.${a.state}`, a.state)),
      row("detail.source", a.source),
      row("detail.created", formatTime(a.created_at)),
      row("detail.closedAt", a.closed_at ? formatTime(a.closed_at) : null),
      row("detail.assignee", a.assignee ? actorName(a.assignee) : null),
      row("detail.dispatchedTo", a.dispatched_to || null),
      row("detail.disposition", dispositionText(a.disposition, a.cause) || null),
      row("detail.eventCount", a.event_count),
    ),
    contextNodes(a.context),
    h("h3", {}, t("detail.transitions")),
    h(
      "table",
      { class: "record-steps" },
      (a.transitions ?? []).map((tr) =>
        h(
          "tr",
          {},
          h("td", {}, formatTime(tr.at)),
          h("td", {}, actorName(tr.actor)),
          h("td", {}, transitionText(tr)),
          h("td", {}, tr.note ?? ""),
        ),
      ),
    ),
    h("h3", {}, t("detail.events")),
    h(
      "table",
      { class: "record-steps" },
      (a.events ?? []).slice(0, 30).map((e) =>
        h("tr", {}, h("td", {}, formatTime(e.occurred_at)), h("td", {}, kindLabel(e.kind)), h("td", {}, payloadText(e.payload))),
      ),
    ),
    h("p", { class: "signature" }, t("record.signature")),
    h(
      "p",
      { class: "printed" },
      `${t("record.printed")}: ${formatTime(new Date().toISOString())} · ${t("record.operator")}: ${state.user?.display_name || state.user?.username || ""}`,
    ),
  );
  document.documentElement.dataset.printed = a.id;
  window.print();
}
