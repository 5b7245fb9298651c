// "Leave quickly": replace this page with a neutral site, leaving no entry of this site
// in the tab's history where the browser allows it. Pressing Escape twice does the same.
//
// Replacing the current page is not enough if earlier pages of this site are still
// behind it (Back would show them). So on participants' pages (<body data-one-entry>)
// every move within the site replaces the current entry instead of adding one:
// same-site links, every form that posts (submitInPlace below), and the pages' own
// scripts (navigate() below). The whole visit then takes a single entry, and "Leave
// quickly" replaces that one.

const ONE_ENTRY = document.body.hasAttribute("data-one-entry");

export function navigate(url) {
  if (ONE_ENTRY) window.location.replace(url);
  else window.location.assign(url);
}

function leave(url) {
  try {
    sessionStorage.clear();
  } catch {
    // Storage may be disabled; leaving matters more.
  }
  document.body.textContent = "";
  document.title = "";
  window.location.replace(url);
}

function exitUrl() {
  const button = document.getElementById("quick-exit");
  return button ? button.dataset.exitUrl : null;
}

// Delegated from the document, so that it keeps working after a page is swapped in place.
document.addEventListener("click", (event) => {
  const exit = event.target.closest("#quick-exit");
  if (exit) {
    event.preventDefault();
    leave(exit.dataset.exitUrl);
    return;
  }
  if (!ONE_ENTRY) return;
  const link = event.target.closest("a[href]");
  if (!link || event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  if (link.target || link.hasAttribute("download")) return;
  const url = new URL(link.href, window.location.href);
  if (url.origin !== window.location.origin) return;
  if (url.pathname === window.location.pathname && url.search === window.location.search && url.hash) return;
  event.preventDefault();
  window.location.replace(url.href);
});

let lastEscape = 0;
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const now = Date.now();
  const url = exitUrl();
  if (url && now - lastEscape < 800) leave(url);
  lastEscape = now;
});

// An urgent-help page whose case moved on reads its own address again (the words in the
// person's language and region, as without scripts) ...
export async function fetchOwnPage() {
  const response = await fetch(window.location.href, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`status ${response.status}`);
  return new DOMParser().parseFromString(await response.text(), "text/html");
}

// ... and swaps in place the crisis panel and what follows the live region `status` in
// `card`, from the same places of the fresh `page`. The live region itself stays (a
// region swapped in is not reliably read out): the caller gives it the new words.
export function swapAfterStatus(page, card, status, freshStatus) {
  const support = page.querySelector(".crisis-support");
  document.querySelector(".crisis-support").replaceWith(document.adoptNode(support));
  while (status.nextSibling) status.nextSibling.remove();
  while (freshStatus.nextSibling) card.append(document.adoptNode(freshStatus.nextSibling));
}

// A form that posts would add an entry, so on participants' pages every one posts in the
// background instead. A redirect then replaces this page with where the server sent it;
// a page answered directly (urgent help, a survey's thanks, an error) is swapped in
// place, with the stylesheets and scripts it needs.
function adoptHead(page) {
  for (const link of page.head.querySelectorAll("link[rel=stylesheet][href]")) {
    if (![...document.styleSheets].some((sheet) => sheet.href === link.href)) {
      document.head.append(document.adoptNode(link));
    }
  }
  // Scripts parsed by DOMParser never run: add fresh ones. A module already loaded here
  // is not run twice; the page scripts look their elements up when they use them.
  for (const parsed of page.head.querySelectorAll("script[type=module][src]")) {
    const src = new URL(parsed.getAttribute("src"), window.location.href).href;
    if ([...document.scripts].some((script) => script.src === src)) continue;
    const script = document.createElement("script");
    script.type = "module";
    script.src = src;
    document.head.append(script);
  }
}

async function submitInPlace(form, submitter) {
  const response = await fetch(form.action, {
    method: "POST",
    body: new FormData(form, submitter),
    credentials: "same-origin",
    redirect: "follow",
  });
  if (response.redirected) {
    window.location.replace(response.url);
    return;
  }
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  document.documentElement.lang = page.documentElement.lang;
  document.title = page.title;
  adoptHead(page);
  document.body.replaceWith(document.adoptNode(page.body));
  window.scrollTo(0, 0);
  // As after a page load, reading starts at the new page's content.
  const main = document.getElementById("main");
  if (main) main.focus({ preventScroll: true });
  document.dispatchEvent(new Event("page:swapped"));
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!ONE_ENTRY || event.defaultPrevented) return;
  if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return;
  if (new URL(form.action, window.location.href).origin !== window.location.origin) return;
  event.preventDefault();
  submitInPlace(form, event.submitter).catch(() => form.submit());
});
