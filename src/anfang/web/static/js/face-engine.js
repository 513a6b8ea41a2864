// Face engine status (under the access panel's doors): which engine runs, its operating
// points and liveness mode, and — after a change of engine — the re-enrolment's progress
// and the people without a usable photo, for the property office to photograph again.

import { api, ApiError } from "./api.js";
import { h } from "./dom.js";
import { addStrings, t, tOr } from "./i18n.js";
import { toast } from "./toast.js";

const POLL_MS = 1000;

const ZH = {
  "fe.title": "人脸识别引擎",
  "fe.engine": "引擎",
  "fe.people": "已登记人员 {people} 人，模板 {templates} 个",
  "fe.points": "阈值（余弦相似度）：出入口 ≥ {entrance}（领先 {margin}），布控 ≥ {watch}，访客核验 ≥ {verify}",
  "fe.liveness": "活体检测：{mode}",
  "fe.liveness.off": "关闭",
  "fe.liveness.score": "记录分数（不拦截）",
  "fe.liveness.enforce": "低于 {min} 拒绝通行",
  "fe.stale": "{n} 个模板来自其他引擎，需要重新登记",
  "fe.migrate": "从登记照片重新登记",
  "fe.progress": "重新登记：{done}/{total}（成功 {migrated}）",
  "fe.state.done": "重新登记完成：{migrated} 人成功",
  "fe.state.failed": "重新登记失败：{error}",
  "fe.state.cancelled": "重新登记已中止",
  "fe.unusable": "以下人员的登记照片无法使用，请物业重新采集：",
  "fe.col.person": "人员编号",
  "fe.col.name": "姓名",
  "fe.col.reason": "原因",
  "fe.reason.no_photo": "未保存登记照片",
  "fe.reason.photo_does_not_open": "照片无法解密（密钥不符）",
  "fe.failed": "操作失败：{msg}",
};
const EN = {
  "fe.title": "Face recognition engine",
  "fe.engine": "Engine",
  "fe.people": "{people} people enrolled, {templates} templates",
  "fe.points": "Thresholds (cosine similarity): entrance ≥ {entrance} (margin {margin}), watch list ≥ {watch}, visitor check ≥ {verify}",
  "fe.liveness": "Liveness: {mode}",
  "fe.liveness.off": "off",
  "fe.liveness.score": "scored (not enforced)",
  "fe.liveness.enforce": "refused below {min}",
  "fe.stale": "{n} templates come from another engine and must be re-enrolled",
  "fe.migrate": "Re-enrol from the enrolment photos",
  "fe.progress": "Re-enrolling: {done}/{total} ({migrated} done)",
  "fe.state.done": "Re-enrolment finished: {migrated} people",
  "fe.state.failed": "Re-enrolment failed: {error}",
  "fe.state.cancelled": "Re-enrolment stopped",
  "fe.unusable": "These people's enrolment photos cannot be used; the property office should photograph them again:",
  "fe.col.person": "Person",
  "fe.col.name": "Name",
  "fe.col.reason": "Reason",
  "fe.reason.no_photo": "no enrolment photo kept",
  "fe.reason.photo_does_not_open": "the photo does not open (wrong key)",
  "fe.failed": "Failed: {msg}",
};
addStrings(ZH, EN);

function reason(code) {
  return tOr(`fe.reason.${code}`, code);
}

function liveness(status) {
  if (status.liveness === "enforce") return t("fe.liveness.enforce", { min: status.liveness_min_score });
  return t(`fe.liveness.${status.liveness}`);
}

function progressLine(m) {
  if (m.state === "running") {
    const bar = h("progress", { max: String(Math.max(m.total, 1)), value: String(m.done) });
    return h("p", { role: "status" }, bar, " ", t("fe.progress", m));
  }
  if (m.state === "done") return h("p", {}, t("fe.state.done", m));
  if (m.state === "failed") return h("p", { class: "error" }, t("fe.state.failed", m));
  if (m.state === "cancelled") return h("p", {}, t("fe.state.cancelled"));
  return null;
}

function unusableTable(list) {
  const head = h("tr", {}, ...["person", "name", "reason"].map((c) => h("th", {}, t(`fe.col.${c}`))));
  const rows = list.map((u) => h("tr", {}, h("td", {}, u.person_id), h("td", {}, u.name), h("td", {}, reason(u.reason))));
  return [h("p", {}, t("fe.unusable")), h("table", { class: "grid", id: "face-unusable" }, h("thead", {}, head), h("tbody", {}, ...rows))];
}

let current = null; // the load function of the section on screen

/** Load the face-engine section again (the access tab calls it when it is shown: the
 * section is built at start-up, before anyone has logged in). */
export function refreshFace() {
  current?.();
}

/** The face-engine section; it loads itself and follows a running re-enrolment. */
export function faceSection() {
  const section = h("section", { id: "face-engine" });
  let timer = null;

  async function start() {
    try {
      await api("/face/migration", { method: "POST" });
    } catch (err) {
      toast(t("fe.failed", { msg: err instanceof ApiError ? err.message : String(err) }), "error");
    }
    load();
  }

  function render(status, m) {
    const p = status.operating_point;
    const parts = [
      h("h3", {}, t("fe.title")),
      h("p", {}, `${t("fe.engine")}: ${status.engine} (${status.model})`),
      h("p", {}, t("fe.people", status)),
      h("p", {}, t("fe.points", p)),
      h("p", {}, t("fe.liveness", { mode: liveness(status) })),
    ];
    if (status.stale_templates > 0) {
      parts.push(h("p", { class: "warn" }, t("fe.stale", { n: status.stale_templates })));
      if (m.state !== "running") {
        const button = h("button", { type: "button", id: "face-migrate" }, t("fe.migrate"));
        button.addEventListener("click", start);
        parts.push(button);
      }
    }
    const line = progressLine(m);
    if (line) parts.push(line);
    if (m.unusable?.length) parts.push(...unusableTable(m.unusable));
    section.replaceChildren(...parts);
  }

  async function load() {
    clearTimeout(timer);
    if (!section.isConnected && timer !== null) return; // the panel was rebuilt
    try {
      const [status, m] = await Promise.all([api("/face/status"), api("/face/migration")]);
      render(status, m);
      if (m.state === "running") timer = setTimeout(load, POLL_MS);
    } catch {
      section.replaceChildren(); // face recognition off, or not this user's to see
    }
  }

  current = load;
  load();
  return section;
}
