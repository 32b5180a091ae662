// The marquee: the dance the live adapter hears now, in large type, for a projector.
// Follows /api/live/stream (server-sent events; the browser reconnects by itself).
// Click or press F for full screen; the cursor hides when the mouse rests.
"use strict";

const $ = (id) => document.getElementById(id);
let dances = {};

function show(event) {
  const dance = $("dance");
  dance.dataset.event = event.event;
  dance.dataset.seq = String(event.seq);
  dance.className = "marquee-dance";
  $("also").textContent = "";
  if (event.event === "dance" && !event.not_sure) {
    const d = dances[event.dance] || { name: event.dance_name || event.dance, style: event.style, meter: "" };
    dance.dataset.dance = event.dance;
    dance.textContent = d.name;
    dance.classList.add(d.style);
    $("label").textContent = event.revised ? "Now dancing (corrected)" : "Now dancing";
    if (event.also_fits) $("also").textContent = `also fits ${event.also_fits.name}`;
    const facts = [d.style === "latin" ? "Latin" : "Standard", Words.meter(event) || d.meter,
                   event.tempo ? Words.tempo(event) : ""];
    $("detail").textContent = facts.filter(Boolean).join(" · ");
  } else if (event.event === "dance") {       // the song so far fits no dance well enough to name it
    dance.dataset.dance = "";
    dance.classList.add("quiet");
    $("label").textContent = "Now playing";
    dance.textContent = Words.headline(event);
    $("detail").textContent = Words.howSure(event);
  } else {
    dance.dataset.dance = "";
    dance.classList.add("quiet");
    const words = { silence: ["Between songs", "Waiting for the next song…"],
                    stopped: ["Live adapter stopped", "—"],
                    waiting: ["", "Waiting for the music…"] }[event.event] || ["", ""];
    $("label").textContent = words[0];
    dance.textContent = words[1];
    $("detail").textContent = "";
  }
  const at = event.time ? new Date(event.time) : new Date();
  $("when").textContent = (event.song ? `song ${event.song} · ` : "") +
    at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function listen() {
  const source = new EventSource("/api/live/stream");
  source.onopen = () => {
    $("connection").textContent = "live";
    $("connection").className = "";
  };
  source.onmessage = (message) => show(JSON.parse(message.data));
  source.onerror = () => {
    $("connection").textContent = "reconnecting…";
    $("connection").className = "offline";
  };
}

function fullScreen() {
  if (document.fullscreenElement) document.exitFullscreen();
  else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(() => {});
}

function keepAwake() {
  if (navigator.wakeLock && document.visibilityState === "visible") navigator.wakeLock.request("screen").catch(() => {});
}

async function start() {
  try {
    const info = await (await fetch("/api/info")).json();
    dances = Object.fromEntries(info.dances.map((d) => [d.id, d]));
  } catch (err) {
    // names then come from the events themselves
  }
  listen();
  document.addEventListener("click", fullScreen);
  document.addEventListener("keydown", (e) => { if (e.key === "f" || e.key === "F") fullScreen(); });
  let resting;
  document.addEventListener("mousemove", () => {
    document.body.classList.remove("idle-cursor");
    clearTimeout(resting);
    resting = setTimeout(() => document.body.classList.add("idle-cursor"), 3000);
  });
  document.addEventListener("visibilitychange", keepAwake);
  keepAwake();
}

start();
