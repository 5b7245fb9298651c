// A banned participant's urgent-help page: the queue is closed to them, so this socket
// (their own case only) says when a supervisor has opened the chat, and the page moves
// there, or that the case was closed without a chat, and the page shows that in place.
// Without it, the page's "Check whether the chat is ready" link does the same.
import { fetchOwnPage, navigate, swapAfterStatus } from "./quick-exit.js";
import { LiveSocket, statusText, t } from "./socket.js";

function say(text) {
  const status = document.getElementById("supervisor-wait-status");
  if (status) status.textContent = text;
}

// The closed case's words, lines and button come from this page's own address, so they
// are in the person's language and region, as without scripts. The live region stays in
// place (a region swapped in is not reliably read out) and is given the new status.
async function showClosed() {
  try {
    const page = await fetchOwnPage();
    const fresh = page.getElementById("supervisor-wait");
    const freshStatus = page.getElementById("supervisor-wait-status");
    if (!fresh || fresh.dataset.state !== "closed" || !freshStatus || !page.querySelector(".crisis-support")) {
      throw new Error("not closed");
    }
    const wait = document.getElementById("supervisor-wait");
    swapAfterStatus(page, wait, document.getElementById("supervisor-wait-status"), freshStatus);
    wait.dataset.state = "closed";
    say(freshStatus.textContent);
  } catch {
    // Offline for a moment, or the case moved on again: the page itself says where it is.
    window.location.replace(window.location.href);
  }
}

// Once the case is closed the page keeps saying so, whatever becomes of the socket.
let caseClosed = false;

const socket = new LiveSocket(document.getElementById("supervisor-wait").dataset.wsPath, {
  onFrame: (frame) => {
    if (frame.type !== "urgent.status") return;
    if (frame.state === "open") {
      // Moving on: a socket closing under the navigation must not say "connection lost".
      socket.stopped = true;
      say(t("A supervisor has joined. Opening your chat…"));
      navigate(`/chat/${frame.room}/`);
    } else if (frame.state === "closed") {
      // Nothing more will come on this case; its socket is not tried again.
      socket.stopped = true;
      caseClosed = true;
      showClosed();
    } else {
      say(t("Connected. No supervisor has opened the chat yet; this page will move to it when one does."));
    }
  },
  onStatus: (status, seconds) => {
    if (status !== "open" && !caseClosed) say(statusText(status, seconds));
  },
});
socket.connect();
