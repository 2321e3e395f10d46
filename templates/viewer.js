// feedgen post viewer (output.viewer): a post opens in a modal <dialog> with its
// album, full caption and date. Each post carries its content in an inert
// <template>, so no image loads before a post is opened; without JavaScript
// every post stays a plain link. The URL hash names the open post
// (#feedgen-<id>): it can be shared, and Back closes the viewer.
const HASH = "#feedgen-";

for (const feed of document.querySelectorAll(".feedgen[data-feedgen-viewer]:not([data-feedgen-ready])")) {
  feed.dataset.feedgenReady = "";
  const dialog = document.createElement("dialog");
  dialog.className = "feedgen-viewer";
  dialog.innerHTML =
    '<button type="button" class="feedgen-viewer-close" aria-label="Close">×</button><div class="feedgen-viewer-body"></div>' +
    '<div class="feedgen-viewer-nav" hidden><button type="button" class="feedgen-viewer-prev" aria-label="Previous image">‹</button>' +
    '<span class="feedgen-viewer-count" aria-live="polite"></span><button type="button" class="feedgen-viewer-next" aria-label="Next image">›</button></div>';
  feed.append(dialog);
  const $ = (s) => dialog.querySelector(s);
  // The labels in the feed's language (output.lang, [output.text]); set as
  // attributes, never parsed as markup.
  for (const name of ["close", "previous", "next"]) {
    const label = feed.getAttribute(`data-feedgen-${name}`);
    if (label) $(`.feedgen-viewer-${name === "previous" ? "prev" : name}`).setAttribute("aria-label", label);
  }
  const body = $(".feedgen-viewer-body");
  const nav = $(".feedgen-viewer-nav");
  const counter = $(".feedgen-viewer-count");
  let opener = null;
  let pushed = false;

  const slides = () => body.querySelector(".feedgen-viewer-media");
  const index = () => {
    const row = slides();
    // Right-to-left rows scroll to negative offsets (CSSOM View).
    return row ? Math.round(Math.abs(row.scrollLeft) / (row.clientWidth || 1)) : 0;
  };
  const count = () => {
    const n = slides()?.children.length ?? 0;
    counter.textContent = `${Math.min(index() + 1, n)} / ${n}`;
  };
  const go = (step) => {
    const row = slides();
    if (!row) return;
    const n = row.children.length;
    const i = Math.max(0, Math.min(n - 1, index() + step));
    // A direction-aware scroll keeps right-to-left pages right.
    row.children[i].scrollIntoView({ block: "nearest", inline: "start" });
    count();
  };

  const open = (item, push) => {
    const template = item.querySelector("template.feedgen-detail");
    if (!template) return;
    body.replaceChildren(template.content.cloneNode(true));
    dialog.setAttribute("aria-label", template.dataset.label);
    const many = slides().children.length > 1;
    nav.hidden = !many;
    // Under the images, before the caption; it leaves with them on close.
    slides().after(nav);
    opener = item.querySelector(".feedgen-link");
    if (!dialog.open) dialog.showModal();
    $(".feedgen-viewer-close").focus();
    if (many) {
      count();
      slides().addEventListener("scroll", count, { passive: true });
    }
    if (push) {
      history.pushState(null, "", HASH + item.dataset.feedgenPost);
      pushed = true;
    }
  };
  const find = (id) => [...feed.querySelectorAll("[data-feedgen-post]")].find((li) => li.dataset.feedgenPost === id);

  feed.addEventListener("click", (e) => {
    const link = e.target.closest(".feedgen-link");
    // Modified clicks (a new tab, a download) keep the link's own meaning.
    if (!link || dialog.contains(link) || e.button || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const item = link.closest("[data-feedgen-post]");
    if (!item) return;
    e.preventDefault();
    open(item, true);
  });
  $(".feedgen-viewer-close").addEventListener("click", () => dialog.close());
  nav.querySelector(".feedgen-viewer-prev").addEventListener("click", () => go(-1));
  nav.querySelector(".feedgen-viewer-next").addEventListener("click", () => go(1));
  // A click on the backdrop (the dialog box itself, outside its content) closes it.
  dialog.addEventListener("click", (e) => e.target === dialog && dialog.close());
  dialog.addEventListener("keydown", (e) => {
    if (e.key === "Tab") {
      // Focus stays inside: from the last control to the first, and back.
      const all = [...dialog.querySelectorAll("a[href], button, [tabindex]")].filter((el) => el.offsetParent && el.tabIndex >= 0);
      const edge = e.shiftKey ? all[0] : all[all.length - 1];
      if (document.activeElement === edge || !dialog.contains(document.activeElement)) {
        (e.shiftKey ? all[all.length - 1] : all[0]).focus();
        e.preventDefault();
      }
    } else if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
      const rtl = getComputedStyle(dialog).direction === "rtl";
      go((e.key === "ArrowRight") !== rtl ? 1 : -1);
      e.preventDefault();
    }
  });
  dialog.addEventListener("close", () => {
    body.replaceChildren();
    if (pushed) {
      pushed = false;
      history.back();
    } else if (location.hash.startsWith(HASH)) {
      history.replaceState(null, "", location.pathname + location.search);
    }
    opener?.focus();
  });
  addEventListener("popstate", () => {
    const item = location.hash.startsWith(HASH) && find(location.hash.slice(HASH.length));
    if (item) open(item, false);
    else if (dialog.open) {
      pushed = false;
      dialog.close();
    }
  });
  // A shared link (#feedgen-<id>) opens its post.
  const shared = location.hash.startsWith(HASH) && find(location.hash.slice(HASH.length));
  if (shared) open(shared, false);
}
