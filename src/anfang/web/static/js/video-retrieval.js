// Retrieval of recorded video under the records rules (公共安全视频图像信息系统管理条例):
// every playback and export names its reason and, when someone else asks for it, the
// requesting unit and person (the exports themselves: video-export.js).

import { $, h } from "./dom.js";
import { addStrings, t } from "./i18n.js";

const ZH = {
  "video.pbReason": "调阅原因（必填）",
  "video.pbWho": "调阅单位/人",
  "video.pbUnit": "调阅单位（默认：本小区监控中心）",
  "video.pbRequester": "调阅人（默认：本人）",
};

const EN = {
  "video.pbReason": "Reason for viewing (required)",
  "video.pbWho": "Requesting unit / person",
  "video.pbUnit": "Requesting unit (default: this centre)",
  "video.pbRequester": "Requested by (default: you)",
};

addStrings(ZH, EN);

const REASON_KEY = "anfang.video.reason";

/** The playback form's retrieval fields (the reason remembered for the session). */
export function retrievalFields() {
  return [
    h("input", { id: "video-pb-reason", required: true, minlength: 2, maxlength: 500, size: 16,
      placeholder: t("video.pbReason"), "aria-label": t("video.pbReason"), value: sessionStorage.getItem(REASON_KEY) ?? "" }),
    h("details", { class: "inline" }, h("summary", {}, t("video.pbWho")),
      h("input", { id: "video-pb-unit", maxlength: 200, placeholder: t("video.pbUnit"), size: 18 }),
      h("input", { id: "video-pb-requester", maxlength: 100, placeholder: t("video.pbRequester"), size: 12 })),
  ];
}

/** The reason, unit and person of a retrieval (``fallback`` when no reason was typed). */
export function retrieval(fallback = "") {
  const reason = $("#video-pb-reason").value.trim() || fallback;
  if (reason) sessionStorage.setItem(REASON_KEY, reason);
  $("#video-pb-reason").value = reason;
  return { reason, unit: $("#video-pb-unit").value.trim(), requester: $("#video-pb-requester").value.trim() };
}
