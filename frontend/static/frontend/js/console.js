// The mentor console: availability, the live queue, my chats.
import { LiveSocket, interpolate, statusText, t } from "./socket.js";

const root = document.getElementById("console");
const statusLine = document.getElementById("conn-status");
const form = document.getElementById("availability");
const queueList = document.getElementById("queue-list");
const queueEmpty = document.getElementById("queue-empty");
const chatList = document.getElementById("chat-list");
const roomList = document.getElementById("room-list");
const summary = document.getElementById("me-summary");
const notice = document.getElementById("notice");
const readiness = document.getElementById("readiness");
const readinessDetail = document.getElementById("readiness-detail");
const readinessMissing = document.getElementById("readiness-missing");
const readinessLink = document.getElementById("readiness-link");
const baseTitle = document.title;
let formDirty = false;

function minutes(seconds) {
  return Math.max(0, Math.floor(seconds / 60));
}

function linkItem(href, text) {
  const li = document.createElement("li");
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  li.append(a);
  return li;
}

// Why a new chat would be refused (training not complete, a cool-down, a shift limit).
function renderReadiness(refusal) {
  readiness.hidden = !refusal;
  if (!refusal) return;
  readinessDetail.textContent = refusal.detail;
  readinessMissing.replaceChildren(
    ...(refusal.missing || []).map((item) => {
      const li = document.createElement("li");
      li.textContent = item.title;
      return li;
    }),
  );
  readinessLink.hidden = refusal.code !== "training_required";
}

function render(snapshot) {
  renderReadiness(snapshot.me.refusal);
  if (!formDirty) {
    for (const radio of form.elements.status) radio.checked = radio.value === snapshot.me.status;
    form.elements.max_chats.value = snapshot.me.max_chats;
  }
  summary.textContent = interpolate(t("%(active)s of %(max)s chats open."), {
    active: snapshot.me.active_chats,
    max: snapshot.me.max_chats,
  });
  queueList.replaceChildren(
    ...snapshot.queue.map((item) => {
      const li = document.createElement("li");
      if (item.priority > 0) li.classList.add("priority");
      const label = document.createElement("span");
      label.textContent = interpolate(t("%(handle)s, waiting %(minutes)s min"), {
        handle: item.handle,
        minutes: minutes(item.waited_seconds),
      });
      const button = document.createElement("button");
      button.type = "button";
      button.className = "primary small";
      button.textContent = t("Accept");
      button.addEventListener("click", () => socket.send({ type: "queue.accept", ticket: item.ticket }));
      li.append(label, " ", button);
      return li;
    }),
  );
  queueEmpty.hidden = snapshot.queue.length > 0;
  // A mentor working in another tab sees at a glance that someone is waiting.
  document.title = snapshot.queue.length ? `(${snapshot.queue.length}) ${baseTitle}` : baseTitle;
  chatList.replaceChildren(...snapshot.chats.map((chat) => linkItem(`/chat/${chat.room}/`, chat.title)));
  roomList.replaceChildren(...snapshot.rooms.map((room) => linkItem(`/chat/${room.room}/`, room.title)));
}

const socket = new LiveSocket(root.dataset.wsPath, {
  onFrame: (frame) => {
    if (frame.type === "staff.snapshot") render(frame);
    else if (frame.type === "queue.accepted") {
      window.location.assign(`/chat/${frame.room}/`);
    } else if (frame.type === "chat.assigned") {
      notice.textContent = t("A chat was transferred to you. It is in “My chats”.");
      notice.hidden = false;
    } else if (frame.type === "error") {
      notice.textContent = frame.detail;
      notice.hidden = false;
    }
  },
  onStatus: (status, seconds) => {
    statusLine.textContent = statusText(status, seconds);
  },
});

form.addEventListener("input", () => {
  formDirty = true;
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  const status = form.elements.status.value || "away";
  socket.send({ type: "availability.set", status, max_chats: Number(form.elements.max_chats.value) });
  formDirty = false;
  notice.hidden = true;
});
socket.connect();
