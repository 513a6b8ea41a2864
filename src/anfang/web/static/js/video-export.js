// Exports of recorded video: the dialog (a reason; for publication or not) with its progress
// while the range is cut and, for publication, faces and plates are masked; and the list
// under playback: others' exports to approve (a second person: for publication or longer
// than the limit), running ones with their progress, one's own finished ones to download.

import { errorText } from "./alarm-actions.js";
import { api, downloadFile } from "./api.js";
import { $, fill, formatShort, h } from "./dom.js";
import { addStrings, t } from "./i18n.js";
import { can, state } from "./state.js";
import { toast } from "./toast.js";

const ZH = {
  "video.public": "用于公开发布（遮挡人脸和车牌，需第二人审批）",
  "video.awaiting": "已提交，需另一位有导出权限的人员审批后导出",
  "video.exports": "导出记录（{n}，待我审批 {waiting}）",
  "video.awaitingOthers": "等待他人审批",
  "video.job.failed": "导出失败",
  "video.job.rejected": "已驳回",
  "video.approve": "批准",
  "video.reject": "驳回",
  "video.approved": "已批准导出 #{id}",
  "video.publicTag": "公开发布",
  "video.cutting": "正在剪辑录像…",
  "video.masking": "正在遮挡人脸和车牌：{done}/{total} 帧（{pct}%）",
  "video.maskingStart": "正在遮挡人脸和车牌…",
};

const EN = {
  "video.public": "For publication (faces and plates masked; a second person approves)",
  "video.awaiting": "Submitted; another person with export rights must approve it",
  "video.exports": "Exports ({n}, {waiting} awaiting your approval)",
  "video.awaitingOthers": "awaiting another person's approval",
  "video.job.failed": "failed",
  "video.job.rejected": "rejected",
  "video.approve": "Approve",
  "video.reject": "Reject",
  "video.approved": "Export #{id} approved",
  "video.publicTag": "for publication",
  "video.cutting": "Cutting the recording…",
  "video.masking": "Masking faces and plates: {done}/{total} frames ({pct}%)",
  "video.maskingStart": "Masking faces and plates…",
};

addStrings(ZH, EN);

/** How far a running export has got: a line and, while masking, a progress bar. */
export function exportProgress(job) {
  const p = job.progress;
  if (!p) return [t("video.exporting")];
  if (p.stage !== "masking") return [t("video.cutting")];
  if (!p.total) return [t("video.maskingStart")];
  const pct = Math.min(100, Math.floor((100 * p.done) / p.total));
  return [h("div", {}, t("video.masking", { done: p.done, total: p.total, pct })),
    h("progress", { id: "video-export-progress", max: p.total, value: Math.min(p.done, p.total) })];
}

/** The export dialog; ``range(reason)`` gives the playback form's camera, range and
 *  retrieval fields. */
export function exportDialog(range) {
  const dialog = h(
    "dialog",
    { id: "video-export-dialog" },
    h(
      "form",
      { onsubmit: (ev) => submitExport(ev, range) },
      h("h3", {}, t("video.exportTitle")),
      h("label", {}, t("video.reason"), h("textarea", { id: "video-export-reason", rows: "3", maxlength: "500" })),
      h("label", { class: "inline" }, h("input", { id: "video-export-public", type: "checkbox" }), " ", t("video.public")),
      h("div", { id: "video-export-state", class: "muted" }),
      h(
        "div",
        { class: "row" },
        h("button", { type: "submit", class: "primary" }, t("video.export")),
        h("button", { type: "button", onclick: () => dialog.close() }, t("video.close")),
      ),
    ),
  );
  return dialog;
}

/** Open the export dialog, empty. */
export function openExport() {
  $("#video-export-reason").value = "";
  $("#video-export-public").checked = false;
  fill($("#video-export-state"), "");
  $("#video-export-dialog").showModal();
}

async function submitExport(ev, range) {
  ev.preventDefault();
  const dialog = $("#video-export-dialog");
  const reason = $("#video-export-reason").value.trim();
  const out = $("#video-export-state");
  if (!reason) {
    fill(out, h("span", { class: "error" }, t("video.reasonRequired")));
    return;
  }
  fill(out, t("video.exporting"));
  try {
    const publication = $("#video-export-public").checked;
    let job = await api("/video/exports", { method: "POST", body: { ...range(reason), reason, publication } });
    while (job.state === "running") {
      await new Promise((r) => setTimeout(r, 500));
      job = await api(`/video/exports/${job.id}`);
      fill(out, exportProgress(job));
    }
    if (job.state === "awaiting_approval") {
      fill(out, t("video.awaiting"));
      dialog.dataset.done = "1";
      refreshExports();
      return;
    }
    if (job.state !== "done") {
      fill(out, h("span", { class: "error" }, t("video.exportFailed", { error: job.error })));
      return;
    }
    fill(
      out,
      h("div", {}, t("video.exported"), " SHA-256 ", h("code", { class: "sha" }, job.sha256)),
      h("button", { type: "button", class: "primary", onclick: () => downloadExport(job) }, t("video.download")),
    );
  } catch (err) {
    fill(out, h("span", { class: "error" }, err.message));
  }
  dialog.dataset.done = "1";
  refreshExports();
}

async function decide(job, approve) {
  try {
    await api(`/video/exports/${job.id}/approval`, { method: "POST", body: { approve } });
    if (approve) toast(t("video.approved", { id: job.id }), "ok");
  } catch (err) {
    toast(errorText(err), "error");
  }
  refreshExports();
}

/** Download a finished export (audited by the server). */
export async function downloadExport(job) {
  try {
    await downloadFile(`/video/exports/${job.id}/download`, `${job.camera}-${job.start}.mp4`);
  } catch (err) {
    toast(errorText(err), "error");
  }
}

const RECENT_MS = 24 * 3600 * 1000;
let timer = null;

// Which exports the list shows: every one waiting or running, and the caller's own (asked
// for or approved) finished in the last day, so an approved export can be fetched here.
function shown(jobs, mine) {
  const since = Date.now() - RECENT_MS;
  return jobs.filter((j) => ["awaiting_approval", "running"].includes(j.state)
    || ((j.created_by === mine || j.approved_by === mine) && new Date(j.created_at).getTime() >= since));
}

function jobItem(j, mine) {
  const who = (a) => (a || "").replace(/^user:/, "");
  const line = `#${j.id} ${j.camera} ${formatShort(j.start)}–${formatShort(j.end)} · ${j.reason} · ${j.unit || ""} ${j.requester || ""} · ${who(j.created_by)}`;
  let tail = null;
  if (j.state === "awaiting_approval") {
    tail = j.created_by === mine ? h("span", { class: "muted" }, t("video.awaitingOthers")) : [
      h("button", { type: "button", class: "primary", onclick: () => decide(j, true) }, t("video.approve")),
      h("button", { type: "button", onclick: () => decide(j, false) }, t("video.reject"))];
  } else if (j.state === "running") {
    tail = h("span", { class: "export-progress" }, exportProgress(j));
  } else if (j.state === "done") {
    tail = [h("code", { class: "sha", title: j.sha256 }, j.sha256.slice(0, 12)),
      h("button", { type: "button", onclick: () => downloadExport(j) }, t("video.download"))];
  } else {
    tail = h("span", { class: "error" }, t(`video.job.${j.state}`), j.error ? `：${j.error}` : "");
  }
  return h("li", { dataset: { export: j.id, state: j.state } }, line,
    j.publication ? h("span", { class: "tag" }, ` ${t("video.publicTag")}`) : null, " ", tail);
}

/** The exports list under playback: approvals for others' exports, progress, downloads;
 *  polled while the tab is shown (often while something runs). */
export async function refreshExports() {
  clearTimeout(timer);
  const box = $("#video-exports");
  if (!box || !can("video.view")) return;
  let jobs = [];
  try {
    jobs = shown(await api("/video/exports", { query: { limit: 100 } }), `user:${state.user.username}`);
  } catch {
    jobs = null;
  }
  if (jobs !== null) {
    const mine = `user:${state.user.username}`;
    box.hidden = jobs.length === 0;
    const waiting = jobs.filter((j) => j.state === "awaiting_approval" && j.created_by !== mine).length;
    fill(box, h("strong", {}, t("video.exports", { n: jobs.length, waiting })),
      h("ul", {}, jobs.map((j) => jobItem(j, mine))));
  }
  const busy = jobs?.some((j) => j.state === "running");
  if (!box.closest("[hidden]")) timer = setTimeout(refreshExports, busy ? 1000 : 15000);
}

/** Stop polling (the tab is hidden). */
export function stopExports() {
  clearTimeout(timer);
}
