// How an alarm reads to an operator: its context (whose home, which zone), its media, its
// handling record in words (never internal codes or ids), and event payloads as labelled
// values rather than JSON. Used by the alarm detail, the history and the printed record.

import "./alarm-strings.js";
import { api, blobUrl, imageDataUrl } from "./api.js";
import { formatTime, h } from "./dom.js";
import { lang, t, tOr } from "./i18n.js";
import { state } from "./state.js";

/** A person's name from an actor ("user:wang" → "wang", "system" → 系统). */
export function actorName(actor) {
  if (!actor || actor === "system") return t("tr.system");
  return String(actor).replace(/^user:/, "");
}

/** One handling step in words. */
export function transitionText(tr) {
  const d = tr.data ?? {};
  const code = tr.code || (tr.from_state ? tr.to_state : "raised");
  let text;
  if (code === "escalated") {
    text = t("tr.escalated", { level: d.level ?? "?", min: Math.round((d.waited_s ?? 0) / 60) });
  } else if (code === "implied_ack") {
    text = t("tr.implied_ack", { by: t(`action.${d.by ?? "resolve"}`) });
  } else if (code === "dispatch" && d.to) {
    text = t("tr.dispatchTo", { to: d.to });
  } else if (code === "assign") {
    text = t("tr.assign", { to: actorName(d.to) });
  } else if (code === "resolve" || code === "false_alarm") {
    text = [t(`tr.${code}`), dispositionText(d.disposition, d.cause)].filter(Boolean).join(" · ");
  } else {
    text = tOr(`tr.${code}`, tOr(`state.${tr.to_state}`, tr.to_state));
  }
  if (d.from) text += t("tr.from", { from: actorName(d.from) });
  return text;
}

let causes = null; // {dispositions, false_causes} from the server, loaded once

export async function loadCauses() {
  causes ??= await api("/alarm-causes");
  return causes;
}

export function causeList() {
  return causes ?? { dispositions: [], false_causes: [] };
}

function named(list, code) {
  const found = list.find((x) => x.code === code);
  if (!found) return code ?? "";
  return lang() === "en" ? found.en : found.zh;
}

export function dispositionText(disposition, cause) {
  if (!disposition) return "";
  const c = causeList();
  const text = named(c.dispositions, disposition);
  return cause ? `${text}（${named(c.false_causes, cause)}）` : text;
}

// Payload keys that only matter to the protocol, never to the person reading.
const HIDDEN = new Set([
  "sequence", "receiver", "line", "id_token", "extended", "modifiers", "encrypted",
  "length_mismatch", "transport", "qualifier", "alarm_id", "image", "images", "media",
]);

/** A payload as "label: value" pairs (scalars only, protocol details left out). */
export function payloadText(payload) {
  if (!payload) return "";
  const parts = [];
  for (const [k, v] of Object.entries(payload)) {
    if (HIDDEN.has(k) || v === null || v === "" || typeof v === "object") continue;
    parts.push(`${tOr(`pk.${k}`, k)}: ${v}`);
  }
  const text = parts.join(" · ");
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

function valueOf(f) {
  if (f.devtype) return tOr(`devtype.${f.value}`, f.value);
  if (f.devstate) return tOr(`dstate.${f.value}`, f.value);
  if (f.arm) return tOr(`arm.${f.value}`, f.value);
  if (f.comm) return tOr(`comm.${f.value}`, f.value);
  if (f.zonetype) return tOr(`ztype.${f.value}`, f.value);
  return f.value ?? "—";
}

/** The context sections (place, household, panel…) as definition lists; `extra(section)`
 *  may add controls to a section (the detail's arm and disarm buttons). */
export function contextNodes(sections, extra = () => null) {
  return (sections ?? []).map((sec) =>
    h(
      "section",
      { class: `context ctx-${sec.key}`, dataset: { key: sec.key } },
      h("h3", {}, lang() === "en" ? sec.en : sec.zh),
      h(
        "dl",
        { class: "fields" },
        sec.fields.flatMap((f) => [
          h("dt", {}, lang() === "en" ? f.en : f.zh),
          h(
            "dd",
            {},
            valueOf(f),
            f.tel
              ? h("a", { class: "tel", href: `tel:${f.value}`, title: t("detail.call") }, ` ☎ ${t("detail.call")}`)
              : null,
          ),
        ]),
      ),
      extra(sec),
    ),
  );
}

/** Snapshots (shown) and clips (playable) attached to an alarm, loaded into `box`. */
export async function loadMedia(alarmId, box) {
  let items = [];
  try {
    items = await api(`/video/alarms/${alarmId}/media`);
  } catch {
    items = [];
  }
  box.replaceChildren();
  if (items.length === 0) {
    box.append(h("p", { class: "muted" }, t("detail.noMedia")));
    return;
  }
  for (const m of items) {
    const label = `${m.camera ?? ""} ${formatTime(m.created_at ?? m.at ?? "")}`;
    if (m.kind === "snapshot") {
      const img = h("img", { alt: label, title: label, class: "snap", dataset: { media: String(m.id) } });
      box.append(h("figure", {}, img, h("figcaption", {}, label)));
      snapshotUrl(m.id).then((url) => { if (url) img.src = url; });
    } else {
      const video = h("video", { controls: true, preload: "none", class: "clip", dataset: { media: String(m.id) } });
      const fig = h("figure", {}, video, h("figcaption", {}, label));
      video.addEventListener("play", () => playClip(video, m.id), { once: true });
      box.append(fig);
    }
  }
}

// Each snapshot is fetched once per page (every viewing is audited on the server, and the
// detail re-renders on every change of its alarm).
const snapshots = new Map();

function snapshotUrl(id) {
  if (!snapshots.has(id)) snapshots.set(id, imageDataUrl(`/video/media/${id}`));
  return snapshots.get(id);
}

async function playClip(video, id) {
  try {
    video.src = await blobUrl(`/video/media/${id}`);
    await video.play();
  } catch {
    /* the clip was removed by retention or is still being written */
  }
}

/** The queue's label for whoever holds an alarm ("me" for the operator). */
export function holderLabel(a) {
  if (!a.assignee) return null;
  const me = state.user ? `user:${state.user.username}` : null;
  return a.assignee === me ? t("queue.mine") : actorName(a.assignee);
}
