// Staff in a chat room: mark a participant message "risk missed" or "false alarm" for the
// risk detector's review list. Posts to the mark endpoint with the page's CSRF token.
import { t } from "./socket.js";

const form = document.getElementById("risk-mark-form");
const list = document.getElementById("messages");
const roomId = document.getElementById("chat").dataset.roomId;
const notice = document.getElementById("notice");

const KINDS = [
  ["missed", () => t("Risk missed")],
  ["false_alarm", () => t("False alarm")],
];

function say(text) {
  notice.textContent = text;
  notice.hidden = !text;
}

async function mark(li, kind) {
  const body = new FormData(form);
  body.set("room", roomId);
  body.set("message", li.dataset.id);
  body.set("kind", kind);
  try {
    const response = await fetch(form.action, { method: "POST", body, credentials: "same-origin" });
    const answer = await response.json();
    say(response.ok ? t("Marked for the supervisors' review. Thank you.") : answer.detail);
  } catch {
    say(t("The mark could not be sent. Try again."));
  }
}

function addControls(li) {
  if (!li.classList.contains("role-participant") || !li.dataset.id || li.querySelector(".risk-mark")) return;
  // A button and a hidden group, not a second <details> menu beside moderation's.
  const box = document.createElement("span");
  box.className = "risk-mark";
  const toggle = document.createElement("button");
  toggle.type = "button";
  toggle.className = "link-button";
  toggle.textContent = t("Risk detection");
  toggle.setAttribute("aria-expanded", "false");
  const choices = document.createElement("span");
  choices.hidden = true;
  toggle.addEventListener("click", () => {
    choices.hidden = !choices.hidden;
    toggle.setAttribute("aria-expanded", String(!choices.hidden));
  });
  for (const [kind, label] of KINDS) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link-button";
    button.textContent = label();
    button.addEventListener("click", () => {
      choices.hidden = true;
      toggle.setAttribute("aria-expanded", "false");
      mark(li, kind);
    });
    choices.append(button);
  }
  box.append(toggle, choices);
  li.append(box);
}

if (form && list) {
  new MutationObserver(() => list.querySelectorAll("li.message[data-id]").forEach(addControls)).observe(list, {
    childList: true,
    subtree: false,
  });
  list.querySelectorAll("li.message[data-id]").forEach(addControls);
}
