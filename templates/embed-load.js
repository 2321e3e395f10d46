// feedgen's click-to-load (`embed.click_to_load`): a post feedgen could not
// find offers a button; only its click puts Meta's own embed (the blockquote
// and https://www.instagram.com/embed.js) in the page. Before the click
// nothing is requested from Meta. A module: several cards load it once.
const POST = /^https:\/\/www\.instagram\.com\/(p|reel|tv)\/[A-Za-z0-9_-]{1,64}\/$/;

for (const button of document.querySelectorAll("button[data-feedgen-load]")) {
  button.addEventListener(
    "click",
    () => {
      const card = button.closest(".feedgen--card");
      const link = button.dataset.feedgenLoad;
      if (!card || !POST.test(link)) return;
      const quote = document.createElement("blockquote");
      quote.className = "instagram-media";
      quote.dataset.instgrmPermalink = link;
      quote.dataset.instgrmVersion = "14";
      const a = document.createElement("a");
      a.href = link;
      a.textContent = link;
      quote.append(a);
      card.replaceChildren(quote);
      if (window.instgrm) {
        window.instgrm.Embeds.process();
      } else if (!document.querySelector("script[data-feedgen-meta]")) {
        const script = document.createElement("script");
        script.async = true;
        script.src = "https://www.instagram.com/embed.js";
        script.dataset.feedgenMeta = "";
        document.head.append(script);
      }
    },
    { once: true },
  );
}
