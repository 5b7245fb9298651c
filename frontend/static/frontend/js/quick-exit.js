// "Leave quickly": replace this page (no back-button entry) with a neutral site.
// Pressing Escape twice does the same.

function leave(url) {
  try {
    sessionStorage.clear();
  } catch {
    // Storage may be disabled; leaving matters more.
  }
  document.body.textContent = "";
  window.location.replace(url);
}

const button = document.getElementById("quick-exit");
if (button) {
  const url = button.dataset.exitUrl;
  button.addEventListener("click", (event) => {
    event.preventDefault();
    leave(url);
  });
  let lastEscape = 0;
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const now = Date.now();
    if (now - lastEscape < 800) leave(url);
    lastEscape = now;
  });
}
