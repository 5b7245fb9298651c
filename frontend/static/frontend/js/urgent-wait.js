// A banned participant's urgent-help page: the queue is closed to them, so this socket
// (their own case only) says when a supervisor has opened the chat, and the page moves
// there. Without it, the page's "Check whether the chat is ready" link does the same.
import { navigate } from "./quick-exit.js";
import { LiveSocket, statusText, t } from "./socket.js";

function say(text) {
  const status = document.getElementById("supervisor-wait-status");
  if (status) status.textContent = text;
}

const socket = new LiveSocket(document.getElementById("supervisor-wait").dataset.wsPath, {
  onFrame: (frame) => {
    if (frame.type !== "urgent.status") return;
    if (frame.room) {
      // Moving on: a socket closing under the navigation must not say "connection lost".
      socket.stopped = true;
      say(t("A supervisor has joined. Opening your chat…"));
      navigate(`/chat/${frame.room}/`);
    } else {
      say(t("Connected. No supervisor has opened the chat yet; this page will move to it when one does."));
    }
  },
  onStatus: (status, seconds) => {
    if (status !== "open") say(statusText(status, seconds));
  },
});
socket.connect();
