// The one dialog that asks an operator why (a remote open, a barrier opened by hand, what a
// repair fixed): the reason is required, Enter confirms, Escape cancels. The dialog stays in
// the page between uses, under the id the caller gives.

import { fill, h } from "./dom.js";
import { t } from "./i18n.js";

/** Ask for a reason (or an optional note: `required: false`); resolves to the text, or
 *  null when the operator cancels. */
export function askReason({ id, title, label, minlength = 2, maxlength = 500, required = true }) {
  let dialog = document.getElementById(id);
  if (!dialog) {
    dialog = h("dialog", { id, class: "reason-dialog", "aria-labelledby": `${id}-title` });
    document.body.append(dialog);
  }
  const input = h("input", { id: `${id}-input`, required, minlength: required ? minlength : 0,
    maxlength, autocomplete: "off" });
  return new Promise((resolve) => {
    let answer = null;
    const submit = (ev) => {
      ev.preventDefault();
      if (!input.reportValidity()) return;
      answer = input.value.trim();
      dialog.close();
    };
    fill(dialog, h("form", { method: "dialog", onsubmit: submit },
      h("h3", { id: `${id}-title` }, title),
      h("label", {}, h("span", {}, label), input),
      h("div", { class: "row" },
        h("button", { type: "submit", class: "primary" }, t("dialog.confirm")),
        h("button", { type: "button", onclick: () => dialog.close() }, t("dialog.cancel")))));
    dialog.addEventListener("close", () => resolve(answer), { once: true });
    dialog.showModal();
    input.focus();
  });
}
