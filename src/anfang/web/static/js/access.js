// The access tab (filled in by the access work): init once, show/hide, re-render on language change.

import { addStrings } from "./i18n.js";

// Strings of this tab: both dictionaries list the same keys (tests/web checks it).
const ZH = {
  "tab.access": "门禁",
};

const EN = {
  "tab.access": "Access",
};

addStrings(ZH, EN);

export function init() {}

export function show() {}

export function hide() {}

export function rerender() {}
