// The video tab: a 1/4/9/16 live wall, playback of a recorded range with seek and speed,
// export with a reason, and an alarm's camera popping up over any tab.

import { api, imageDataUrl } from "./api.js";
import { fromInput, toInput } from "./clock.js";
import { $, fill, formatTime, h } from "./dom.js";
import { addStrings, t } from "./i18n.js";
import { on, state } from "./state.js";
import { toast } from "./toast.js";
import { exportDialog, openExport, refreshExports, stopExports } from "./video-export.js";
import { retrieval, retrievalFields } from "./video-retrieval.js";
import { LivePlayer, RecordingPlayer } from "./video-mse.js";
import { ptzPad } from "./video-ptz.js";

// Strings of this tab: both dictionaries list the same keys (tests/web checks it).
const ZH = {
  "tab.video": "视频",
  "video.cameras": "摄像机",
  "video.noCameras": "没有摄像机",
  "video.layout": "画面分割",
  "video.live": "实时预览",
  "video.playback": "录像回放",
  "video.emptyTile": "点击左侧摄像机，放入选中的画面",
  "video.fullscreen": "全屏",
  "video.snapshot": "抓图（保存为图片）",
  "video.closeTile": "关闭画面",
  "video.noPicture": "该画面还没有图像",
  "video.tour": "轮巡",
  "video.wallFull": "电视墙全屏",
  "video.camera": "摄像机",
  "video.start": "开始时间",
  "video.end": "结束时间",
  "video.play": "回放",
  "video.speed": "倍速",
  "video.export": "导出",
  "video.alarmReview": "报警复核",
  "video.exportTitle": "导出录像",
  "video.reason": "导出原因（必填，记入审计日志）",
  "video.reasonRequired": "请填写导出原因",
  "video.exporting": "正在导出…",
  "video.exported": "导出完成",
  "video.exportFailed": "导出失败：{error}",
  "video.download": "下载",
  "video.noRecording": "该时段没有录像",
  "video.gaps": "录像缺失 {n} 段",
  "video.offline": "离线",
  "video.connecting": "连接中…",
  "video.unsupported": "浏览器不支持该编码",
  "video.error": "视频无法播放",
  "video.alarmVideo": "报警视频",
  "video.close": "关闭",
  "video.snapshot": "抓拍",
  "video.clip": "录像片段",
  "video.keys": "Shift+1/2/3/4 切换 1/4/9/16 画面 · W 循环 · 双击画面切换主码流 · Esc 关闭弹窗",
  "video.main": "主码流",
};

const EN = {
  "tab.video": "Video",
  "video.cameras": "Cameras",
  "video.noCameras": "No cameras",
  "video.layout": "Layout",
  "video.live": "Live",
  "video.playback": "Playback",
  "video.emptyTile": "Click a camera on the left to put it in the selected tile",
  "video.fullscreen": "Full screen",
  "video.snapshot": "Snapshot (save as a picture)",
  "video.closeTile": "Close the tile",
  "video.noPicture": "No picture in this tile yet",
  "video.tour": "Tour",
  "video.wallFull": "Wall full screen",
  "video.camera": "Camera",
  "video.start": "Start",
  "video.end": "End",
  "video.play": "Play",
  "video.speed": "Speed",
  "video.export": "Export",
  "video.alarmReview": "Alarm review",
  "video.exportTitle": "Export recording",
  "video.reason": "Reason (required, kept in the audit log)",
  "video.reasonRequired": "Please give a reason for the export",
  "video.exporting": "Exporting…",
  "video.exported": "Export finished",
  "video.exportFailed": "Export failed: {error}",
  "video.download": "Download",
  "video.noRecording": "No recording in that range",
  "video.gaps": "{n} gaps in the recording",
  "video.offline": "offline",
  "video.connecting": "connecting…",
  "video.unsupported": "codec not supported by this browser",
  "video.error": "video cannot play",
  "video.alarmVideo": "Alarm video",
  "video.close": "Close",
  "video.snapshot": "Snapshot",
  "video.clip": "Clip",
  "video.keys": "Shift+1/2/3/4: 1/4/9/16 tiles · W: cycle · double-click: main stream · Esc: close pop-up",
  "video.main": "Main stream",
};

addStrings(ZH, EN);

const LAYOUTS = [1, 4, 9, 16];
const SPEEDS = [0.25, 0.5, 1, 2, 4, 8, 16];
const view = {
  root: null,
  layout: 4,
  tiles: [], // {code, player, el, video}
  selected: 0,
  visible: false,
  recording: null,
  seenAlarms: new Set(),
  popup: null,
};

export function cameras() {
  return [...state.devices.values()]
    .filter((d) => d.type === "camera")
    .sort((a, b) => a.code.localeCompare(b.code));
}

// ------------------------------------------------------------------ wall

function setLayout(n) {
  if (!LAYOUTS.includes(n)) return;
  view.layout = n;
  for (const tile of view.tiles.slice(n)) tile.player?.stop();
  view.tiles = Array.from({ length: n }, (_, i) => view.tiles[i] ?? { code: null });
  view.selected = Math.min(view.selected, n - 1);
  renderWall();
}

function assign(index, code) {
  const tile = view.tiles[index];
  if (tile.code === code && tile.player) return;
  tile.player?.stop();
  tile.code = code;
  tile.player = null;
  renderWall();
}

function renderWall() {
  const wall = $("#video-wall", view.root);
  if (!wall) return;
  wall.dataset.layout = String(view.layout);
  for (const b of view.root.querySelectorAll("[data-layout-btn]")) {
    b.classList.toggle("active", Number(b.dataset.layoutBtn) === view.layout);
  }
  fill(wall, ...view.tiles.map((tile, i) => renderTile(tile, i)));
}

function renderTile(tile, i) {
  const video = tile.video ?? h("video", { muted: true, autoplay: true, playsinline: true });
  video.muted = true;
  tile.video = video;
  const main = tile.stream === "main" ? ` · ${t("video.main")}` : "";
  const label = h("span", { class: "video-label" }, tile.code ? tile.code + main : "");
  const status = h("span", { class: "video-status" });
  const el = h(
    "div",
    {
      class: `video-tile${i === view.selected ? " selected" : ""}`,
      dataset: { index: String(i), camera: tile.code ?? "" },
      onclick: () => {
        view.selected = i;
        renderWall();
      },
      // Double click: the camera's main stream (full resolution) instead of its sub stream.
      ondblclick: () => {
        if (!tile.code) return;
        tile.stream = tile.stream === "main" ? "sub" : "main";
        tile.player?.stop();
        tile.player = null;
        renderWall();
      },
    },
    tile.code ? video : h("span", { class: "muted video-empty" }, t("video.emptyTile")),
    label,
    status,
    tile.code ? tileTools(tile, i) : null,
  );
  if (tile.code && view.visible && !tile.player) {
    tile.player = new LivePlayer(video, tile.code, {
      stream: tile.stream ?? "sub",
      onState: (st, why) => {
        tile.state = st;
        const s = tile.el?.querySelector(".video-status");
        if (s) s.textContent = st === "online" ? "" : `${t(`video.${st}`)} ${why ?? ""}`;
      },
    });
    tile.player.start();
  }
  tile.el = el;
  return el;
}

// A tile's own buttons: its picture full screen, and a snapshot of the live picture saved
// as a PNG on the operator's computer (a live frame, not recorded material).
function tileTools(tile, i) {
  const stop = (fn) => (ev) => {
    ev.stopPropagation();
    fn();
  };
  return h("div", { class: "tile-tools" },
    h("button", { type: "button", class: "tile-full", title: t("video.fullscreen"), onclick: stop(() => tile.el?.requestFullscreen?.()) }, "⛶"),
    h("button", { type: "button", class: "tile-snap", title: t("video.snapshot"), onclick: stop(() => snapshot(tile)) }, "📷"),
    h("button", { type: "button", class: "tile-ptz", title: t("ptz.open"), onclick: stop(() => {
      const open = tile.el?.querySelector(".ptz-pad");
      if (open) open.remove();
      else tile.el?.append(ptzPad(tile.code));
    }) }, "🎮"),
    h("button", { type: "button", class: "tile-close", title: t("video.closeTile"), onclick: stop(() => {
      tile.player?.stop();
      view.tiles[i] = { code: null };
      renderWall();
    }) }, "✕"));
}

function snapshot(tile) {
  const v = tile.video;
  if (!v || !v.videoWidth) {
    toast(t("video.noPicture"), "error");
    return;
  }
  const canvas = document.createElement("canvas");
  canvas.width = v.videoWidth;
  canvas.height = v.videoHeight;
  canvas.getContext("2d").drawImage(v, 0, 0);
  canvas.toBlob((blob) => {
    const a = document.createElement("a");
    const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
    a.href = URL.createObjectURL(blob);
    a.download = `${tile.code}-${stamp}.png`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    document.documentElement.dataset.snapshot = a.download;
  }, "image/png");
}

// A tour: the wall steps through every camera, a wall's worth at a time.
const TOUR_MS = 15000;

function toggleTour() {
  if (view.tour) {
    clearInterval(view.tour);
    view.tour = null;
  } else {
    view.tourAt = 0;
    stepTour();
    view.tour = setInterval(stepTour, TOUR_MS);
  }
  $("#video-tour")?.classList.toggle("active", Boolean(view.tour));
}

function stepTour() {
  const all = cameras();
  if (!all.length || !view.visible) return;
  const start = view.tourAt % all.length;
  for (let i = 0; i < view.layout; i += 1) {
    const cam = all[(start + i) % all.length];
    if (i < all.length) assign(i, cam.code);
  }
  view.tourAt = start + view.layout;
}

function stopWall() {
  for (const tile of view.tiles) {
    tile.player?.stop();
    tile.player = null;
  }
}

function renderCameras() {
  const list = $("#video-cameras", view.root);
  if (!list) return;
  const cams = cameras();
  if (!cams.length) {
    fill(list, h("li", { class: "muted" }, t("video.noCameras")));
    return;
  }
  fill(
    list,
    ...cams.map((c) =>
      h(
        "li",
        { dataset: { camera: c.code, state: c.state ?? "" } },
        h("button", { type: "button", class: "link", onclick: () => assign(view.selected, c.code) }, c.code),
        h("span", { class: "muted" }, ` ${c.name ?? ""}`),
      ),
    ),
  );
  const select = $("#video-pb-camera", view.root);
  const keep = select.value;
  fill(select, ...cams.map((c) => h("option", { value: c.code }, `${c.code} ${c.name ?? ""}`)));
  if (keep) select.value = keep;
}

// ------------------------------------------------------------------ playback

function localInput(date) {
  return toInput(date, true);
}

function rangeFromInputs(fallbackReason = "") {
  const start = fromInput($("#video-pb-start", view.root).value);
  const end = fromInput($("#video-pb-end", view.root).value);
  return { camera: $("#video-pb-camera", view.root).value, start: start.toISOString(), end: end.toISOString(),
    ...retrieval(fallbackReason) };
}

/** Play ``camera`` from ``start`` to ``end`` (Date objects) in the playback pane. */
export async function playRange(camera, start, end) {
  $("#video-pb-camera", view.root).value = camera;
  $("#video-pb-start", view.root).value = localInput(start);
  $("#video-pb-end", view.root).value = localInput(end);
  await startPlayback(t("video.alarmReview"));
}

async function startPlayback(fallbackReason = "") {
  const info = $("#video-pb-info", view.root);
  let sess;
  try {
    sess = await api("/video/playback", { method: "POST", body: rangeFromInputs(fallbackReason) });
  } catch (err) {
    fill(info, h("span", { class: "error" }, err.message));
    return;
  }
  renderTimeline(sess);
  pbVideoError(info);
  const ok = await view.recording.open(sess).catch((err) => {
    fill(info, h("span", { class: "error" }, err.message));
    return null;
  });
  if (ok === false) fill(info, t("video.noRecording"));
  else if (ok) fill(info, sess.gaps.length ? t("video.gaps", { n: sess.gaps.length }) : "");
  view.recording.setRate(Number($("#video-pb-speed", view.root).value));
}

function pbVideoError(info) {
  view.recording.video.onerror = () => {
    const why = view.recording.video.error?.message ?? "";
    fill(info, h("span", { class: "error" }, `${t("video.error")} ${why}`));
  };
}

function renderTimeline(sess) {
  const bar = $("#video-timeline", view.root);
  const t0 = new Date(sess.start).getTime();
  const span = new Date(sess.end).getTime() - t0;
  const pos = (iso) => Math.max(0, ((new Date(iso).getTime() - t0) / span) * 100);
  // Positions through the CSSOM: the console's policy forbids inline style attributes.
  const span_ = (cls, a, b, title) => {
    const el = h("span", { class: cls, title });
    el.style.left = `${pos(a)}%`;
    el.style.width = `${pos(b) - pos(a)}%`;
    return el;
  };
  fill(
    bar,
    ...sess.segments.map((s) => span_("seg", s.start, s.end)),
    ...sess.gaps.map((g) => span_("gap", g.start, g.end, g.reason)),
  );
}

function onProgress(seconds, length) {
  const seek = $("#video-seek", view.root);
  if (!seek || !view.recording.session) return;
  if (document.activeElement !== seek) seek.value = String((seconds / length) * 1000);
  fill($("#video-pb-clock", view.root), formatTime(view.recording.wall(seconds).toISOString()));
}

// ------------------------------------------------------------------ alarm pop-up

function alarmCamera(alarm) {
  const cams = cameras();
  const own = cams.find((c) => c.code === alarm.source || c.id === alarm.device_id);
  if (own) return own.code;
  return cams.find((c) => alarm.zone_id && c.zone_id === alarm.zone_id)?.code ?? null;
}

async function onAlarms() {
  for (const alarm of state.alarms.values()) {
    if (view.seenAlarms.has(alarm.id)) continue;
    view.seenAlarms.add(alarm.id);
    if (alarm.state !== "new" || !view.ready) continue;
    let code = alarmCamera(alarm);
    let media = [];
    for (const wait of [0, 2000, 5000]) {
      if (code && wait) break;
      await new Promise((r) => setTimeout(r, wait));
      media = await api(`/video/alarms/${alarm.id}/media`).catch(() => []);
      code = code ?? media.find((m) => m.camera)?.camera ?? null;
    }
    if (code) showPopup(alarm, code, media);
  }
}

function showPopup(alarm, code, media) {
  closePopup();
  const video = h("video", { muted: true, autoplay: true, playsinline: true });
  const player = new LivePlayer(video, code);
  const snap = media.find((m) => m.kind === "snapshot");
  const el = h(
    "aside",
    { id: "video-popup", class: "video-popup", dataset: { alarm: alarm.id, camera: code } },
    h(
      "header",
      {},
      h("strong", {}, `${t("video.alarmVideo")} · ${alarm.title ?? alarm.kind} · ${code}`),
      h("button", { type: "button", onclick: closePopup }, t("video.close")),
    ),
    video,
    snap ? h("img", { alt: t("video.snapshot"), "data-media": String(snap.id) }) : null,
  );
  document.body.append(el);
  view.popup = { el, player };
  player.start();
  if (snap) loadImage(el.querySelector("img"), snap.url);
}

async function loadImage(img, url) {
  const data = await imageDataUrl(url);
  if (data) img.src = data;
}

function closePopup() {
  view.popup?.player.stop();
  view.popup?.el.remove();
  view.popup = null;
}

// ------------------------------------------------------------------ keys and tab life cycle

function onKey(ev) {
  if (ev.key === "Escape" && view.popup) {
    closePopup();
    return;
  }
  if (!view.visible || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  if (ev.target.closest?.("input, textarea, select, dialog")) return;
  const digit = /^Digit([1-4])$/.exec(ev.code);
  if (ev.shiftKey && digit) setLayout(LAYOUTS[Number(digit[1]) - 1]);
  else if (ev.key === "w" || ev.key === "W") setLayout(LAYOUTS[(LAYOUTS.indexOf(view.layout) + 1) % 4]);
  else return;
  ev.preventDefault();
}

function build() {
  const speed = h("select", { id: "video-pb-speed" }, ...SPEEDS.map((s) => h("option", { value: String(s) }, `${s}×`)));
  speed.value = "1";
  speed.addEventListener("change", () => view.recording.setRate(Number(speed.value)));
  const seek = h("input", { id: "video-seek", type: "range", min: "0", max: "1000", value: "0" });
  seek.addEventListener("input", () => view.recording.seek((Number(seek.value) / 1000) * view.recording.length));
  const pbVideo = h("video", { id: "video-pb-video", muted: true, playsinline: true });
  view.recording = new RecordingPlayer(pbVideo, { onProgress });
  const now = new Date();
  fill(
    view.root,
    h("section", { class: "video-side" }, h("h3", {}, t("video.cameras")), h("ul", { id: "video-cameras", class: "video-cameras" })),
    h(
      "section",
      { class: "video-main" },
      h(
        "div",
        { class: "video-toolbar" },
        h("span", { class: "muted" }, t("video.layout")),
        ...LAYOUTS.map((n) => h("button", { type: "button", dataset: { layoutBtn: String(n) }, onclick: () => setLayout(n) }, String(n))),
        h("button", { type: "button", id: "video-tour", class: view.tour ? "active" : "", onclick: toggleTour }, t("video.tour")),
        h("button", { type: "button", id: "video-wall-full", onclick: () => $("#video-wall")?.requestFullscreen?.() }, `⛶ ${t("video.wallFull")}`),
        h("span", { class: "muted video-keys" }, t("video.keys")),
      ),
      h("div", { id: "video-wall", class: "video-wall" }),
      h(
        "div",
        { class: "video-playback" },
        h("h3", {}, t("video.playback")),
        h(
          "form",
          { id: "video-pb-form", class: "video-pb-form", onsubmit: (ev) => (ev.preventDefault(), startPlayback()) },
          h("label", {}, t("video.camera"), " ", h("select", { id: "video-pb-camera" })),
          h("label", {}, t("video.start"), " ", h("input", { id: "video-pb-start", type: "datetime-local", step: "1", value: localInput(new Date(now - 600000)) })),
          h("label", {}, t("video.end"), " ", h("input", { id: "video-pb-end", type: "datetime-local", step: "1", value: localInput(now) })),
          ...retrievalFields(),
          h("button", { type: "submit", class: "primary" }, t("video.play")),
          h("label", {}, t("video.speed"), " ", speed),
          h("button", { type: "button", id: "video-export-open", onclick: openExport }, t("video.export")),
        ),
        pbVideo,
        h("div", { id: "video-timeline", class: "video-timeline" }),
        seek,
        h("div", { class: "video-pb-status" }, h("span", { id: "video-pb-clock" }), " ", h("span", { id: "video-pb-info", class: "muted" })),
        h("div", { id: "video-exports", class: "video-approvals", hidden: true }),
      ),
    ),
  );
  view.root.append(exportDialog(rangeFromInputs));
}


export function init() {
  view.root = $("#panel-video");
  build();
  setLayout(view.layout);
  renderCameras();
  on("devices", renderCameras);
  // Alarms present at start-up are not "new" pop-ups; only those that arrive later are.
  on("alarms", () => {
    if (!view.ready) {
      for (const id of state.alarms.keys()) view.seenAlarms.add(id);
      view.ready = true;
      return;
    }
    onAlarms();
  });
  document.addEventListener("keydown", onKey);
  // A camera opened from a plan on the map.
  document.addEventListener("anfang:camera", (ev) => showPopup({ id: ev.detail.code, title: ev.detail.title }, ev.detail.code, []));
  // A linkage rule's pop-up: the camera it names, live, whatever tab is open.
  on("event", (ev) => {
    if (ev.kind === "center.rule_popup" && ev.payload?.camera) {
      closePopup();
      showPopup({ id: ev.id, title: ev.payload.title ?? "" }, ev.payload.camera, []);
    }
  });
}

export function show() {
  view.visible = true;
  renderCameras();
  renderWall();
  refreshExports();
}

export function hide() {
  view.visible = false;
  stopExports();
  if (view.tour) toggleTour();
  stopWall();
  view.recording?.video.pause();
}

export function rerender() {
  const keepWall = view.tiles.map((tile) => ({ code: tile.code, stream: tile.stream }));
  stopWall();
  build();
  view.tiles = keepWall;
  renderCameras();
  renderWall();
}
