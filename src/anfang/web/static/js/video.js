// The video tab (filled in by the video work): init once, show/hide, re-render on language change.

import { addStrings } from "./i18n.js";

// Strings of this tab: both dictionaries list the same keys (tests/web checks it).
const ZH = {
  "tab.video": "视频",
};

const EN = {
  "tab.video": "Video",
};

addStrings(ZH, EN);

export function init() {}

export function show() {}

export function hide() {}

export function rerender() {}
