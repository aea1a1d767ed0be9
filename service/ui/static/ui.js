// Progressive enhancement for the schema registry UI: the copy button and the live banner.
// Every page works without this script; CSP allows no inline script, so all of it lives here.
"use strict";

function setUpCopy() {
  for (const button of document.querySelectorAll("button[data-copy-target]")) {
    const target = document.getElementById(button.dataset.copyTarget);
    const status = button.parentElement.querySelector(".copy-status");
    if (!target || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(target.textContent);
        status.textContent = "Copied.";
      } catch (error) {
        status.textContent = "Copy failed: select the document and copy it by hand.";
      }
    });
  }
}

function showBanner(schemaId, version) {
  const banner = document.getElementById("live-banner");
  const link = document.createElement("a");
  link.href = "/ui/schema/" + encodeURIComponent(schemaId) + "?version=" + encodeURIComponent(version);
  link.textContent = "view " + version;
  banner.replaceChildren(
    document.createTextNode("A new version of " + schemaId + " was published: " + version + " — "),
    link,
  );
  banner.hidden = false;
}

// Subscribes to /ws for the schema this page shows, from the index revision the page was
// rendered at (so a version published meanwhile is replayed, not missed); reconnects with the
// last revision seen.
function watchSchema(schemaId, revision) {
  let since = revision;
  let delay = 1000;
  const connect = () => {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(scheme + "//" + location.host + "/ws");
    socket.addEventListener("open", () => {
      delay = 1000;
      socket.send(JSON.stringify({ op: "subscribe", ids: [schemaId], since: since }));
    });
    socket.addEventListener("message", (message) => {
      let frame;
      try { frame = JSON.parse(message.data); } catch (error) { return; }
      if (typeof frame.revision === "number") since = Math.max(since, frame.revision);
      if (frame.type === "schema.version.created" && frame.data && frame.data.id === schemaId) {
        showBanner(schemaId, String(frame.data.version));
      }
    });
    socket.addEventListener("close", (event) => {
      if (event.code === 1008) return; // reads need a token here: this page has none to send
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    });
  };
  connect();
}

document.addEventListener("DOMContentLoaded", () => {
  setUpCopy();
  const body = document.body;
  const revision = Number(body.dataset.liveRevision);
  if (body.dataset.liveId && "WebSocket" in window && Number.isInteger(revision)) {
    watchSchema(body.dataset.liveId, revision);
  }
});
