// The PTZ pad on a live tile: arrows and zoom (a half-second move, then a stop) and the
// camera's presets, over the API's ONVIF PTZ (every command audited on the server).

import { api } from "./api.js";
import { h } from "./dom.js";
import { addStrings, t } from "./i18n.js";
import { toast } from "./toast.js";

const ZH = {
  "ptz.open": "云台控制",
  "ptz.none": "该摄像机不支持云台（或未配置 ONVIF）",
  "ptz.preset": "预置位",
  "ptz.failed": "云台操作失败：{msg}",
};

const EN = {
  "ptz.open": "PTZ",
  "ptz.none": "No PTZ on this camera (or no ONVIF address)",
  "ptz.preset": "Preset",
  "ptz.failed": "PTZ failed: {msg}",
};

addStrings(ZH, EN);

async function send(code, path, body) {
  try {
    await api(`/video/cameras/${encodeURIComponent(code)}/ptz/${path}`, { method: "POST", body });
  } catch (err) {
    toast(t("ptz.failed", { msg: err.message }), "error");
  }
}

/** The pad for camera `code` (its presets are loaded when it opens). */
export function ptzPad(code) {
  const stop = (fn) => (ev) => {
    ev.stopPropagation();
    fn();
  };
  const arrow = (label, body) => h("button", { type: "button", onclick: stop(() => send(code, "move", body)) }, label);
  const presets = h("select", { class: "ptz-presets", "aria-label": t("ptz.preset"), onclick: (ev) => ev.stopPropagation(),
    onchange: (ev) => ev.target.value && send(code, "preset", { preset: ev.target.value }) }, h("option", { value: "" }, t("ptz.preset")));
  const pad = h("div", { class: "ptz-pad", onclick: (ev) => ev.stopPropagation() },
    h("div", { class: "ptz-grid" },
      h("span"), arrow("▲", { tilt: 0.5 }), h("span"),
      arrow("◀", { pan: -0.5 }), h("span", { class: "ptz-mid" }, "◎"), arrow("▶", { pan: 0.5 }),
      arrow("＋", { zoom: 0.5 }), arrow("▼", { tilt: -0.5 }), arrow("－", { zoom: -0.5 })),
    presets);
  api(`/video/cameras/${encodeURIComponent(code)}/ptz`).then((list) => {
    if (!list.length) pad.replaceChildren(h("span", { class: "muted" }, t("ptz.none")));
    for (const p of list) presets.append(h("option", { value: p.token }, p.name || p.token));
  }).catch(() => pad.replaceChildren(h("span", { class: "muted" }, t("ptz.none"))));
  return pad;
}
