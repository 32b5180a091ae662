// The upload page: pick, drop or record a clip, send it to POST /api/classify, show the answer.
// Plain browser JavaScript, no build step. Dance names, colours and limits come from /api/info;
// refusal messages come from the server (shared with the Discord bot); the answer is put in words by
// words.js, as the CLI and the bot put it.
"use strict";

const MAX_RECORD_S = 30;          // recording stops by itself after this many seconds
const WINDOW_S = 224 * 512 / 22050; // one analysis window, in seconds (5.2 s)
const $ = (id) => document.getElementById(id);
let info = null;                  // /api/info: dances, limits, model
let dancesById = {};
let shown = null;                 // the result on screen, for redrawing the chart
let recorder = null;
let working = false;

function megabytes(bytes) {
  return (bytes / 1048576).toFixed(bytes % 1048576 ? 1 : 0) + " MB";
}

async function loadInfo() {
  try {
    const response = await fetch("/api/info");
    info = await response.json();
  } catch (err) {
    showProblem("Could not reach the server; check the connection and reload the page.");
    return;
  }
  dancesById = Object.fromEntries(info.dances.map((d) => [d.id, d]));
  const l = info.limits;
  $("limits").textContent = `${info.formats}; up to ${megabytes(l.max_bytes)}, at least ${l.min_duration_s} s ` +
    `(10 to 30 s is plenty). Longer recordings: the first ${Words.duration(l.max_duration_s)} is analysed.`;
  $("model").textContent = `model ${info.model.name} (${info.model.arch})`;
  document.body.dataset.ready = "1";
}

function setWorking(on, text) {
  working = on;
  document.body.classList.toggle("working", on);
  $("file").disabled = on;
  $("record").disabled = on && !recorder;
  $("status").hidden = !on;
  if (text) $("status-text").textContent = text;
}

function setProgress(fraction) {
  const bar = $("progress");
  if (fraction === null) bar.removeAttribute("value"); else bar.value = fraction;
}

function showProblem(message) {
  const box = $("problem");
  box.textContent = message;
  box.hidden = false;
}

function clearOutput() {
  $("problem").hidden = true;
  $("result").hidden = true;
}

// Ask the server whether it takes a file of this size and type, then upload it.
async function classify(blob, name) {
  if (working) return;
  clearOutput();
  setWorking(true, "Checking…");
  setProgress(null);
  const query = new URLSearchParams({ size: blob.size, type: blob.type || "", name });
  try {
    const checked = await fetch("/api/check?" + query);
    if (!checked.ok) {
      setWorking(false);
      showProblem((await checked.json()).message);
      return;
    }
  } catch (err) {
    setWorking(false);
    showProblem("Could not reach the server; check the connection and try again.");
    return;
  }
  upload(blob, name);
}

function upload(blob, name) {
  const form = new FormData();
  form.append("file", blob, name);
  const xhr = new XMLHttpRequest();
  xhr.open("POST", "/api/classify");
  xhr.responseType = "json";
  xhr.upload.onprogress = (e) => {
    if (!e.lengthComputable) return;
    setProgress(e.loaded / e.total);
    $("status-text").textContent = `Uploading ${name}… ${Math.round(100 * e.loaded / e.total)}%`;
  };
  xhr.upload.onload = () => {
    setProgress(null);
    $("status-text").textContent = "Listening…";
  };
  xhr.onload = () => {
    setWorking(false);
    const body = xhr.response;
    if (xhr.status === 200 && body) {
      showResult(body);
    } else if (body && body.message) {
      showProblem(body.message);   // a busy server's message gives the same wait as its Retry-After
    } else {
      showProblem(`The server answered HTTP ${xhr.status}; please try again.`);
    }
  };
  xhr.onerror = () => {
    setWorking(false);
    showProblem("The upload failed (connection lost); check the connection and try again.");
  };
  setWorking(true, `Uploading ${name}…`);
  setProgress(0);
  xhr.send(form);
}

function showResult(r) {
  shown = r;
  const dance = $("dance");
  const top = dancesById[r.dance];
  dance.dataset.dance = r.dance;
  dance.dataset.style = r.not_sure ? "" : top.style;   // the heading's colour: the marquee's, by style
  dance.classList.toggle("unsure", r.not_sure);
  $("dance-name").textContent = r.not_sure ? Words.headline(r) : r.dance_name;
  $("also-fits").textContent = r.also_fits && !r.not_sure ? Words.ALSO_FITS + r.also_fits.name : "";
  $("file-name").textContent = r.path;
  const how = Words.howSure(r);
  $("verdict").textContent = how.charAt(0).toUpperCase() + how.slice(1) + (r.not_sure ? "." : "");
  $("tempo").textContent = Words.tempo(r);
  $("meter").textContent = Words.meter(r) || "not heard";
  $("style").textContent = styleText(r);
  $("listened").textContent = Words.listened(r);
  $("listened").parentElement.classList.toggle("warn", Boolean(r.incomplete));
  showSections(r.sections || []);
  showBars(r.probabilities);
  showLegend();
  $("result").hidden = false;
  drawTimeline();
  $("result").scrollIntoView({ behavior: "smooth", block: "start" });
}

// "Latin", "Standard"; not sure: "probably Latin" when the two closest share a style, else "Latin or Standard"
function styleText(r) {
  const title = (style) => (style === "latin" ? "Latin" : "Standard");
  const styles = new Set(r.top2.map((t) => dancesById[t.dance].style));
  if (!r.not_sure) return title(dancesById[r.dance].style);
  return styles.size === 1 ? `probably ${title([...styles][0])}` : "Latin or Standard";
}

// A recording of several songs (a set): each song's times and answer, as the CLI's --sections table says them.
function showSections(sections) {
  $("sections").replaceChildren(...sections.map((s) => {
    const item = document.createElement("li");
    item.dataset.dance = s.not_sure ? "" : s.dance;
    item.textContent = Words.section(s);
    return item;
  }));
  $("sections-box").hidden = sections.length < 2;
}

function showBars(probabilities) {
  const list = $("bars");
  list.replaceChildren();
  const ranked = Object.entries(probabilities).sort((a, b) => b[1] - a[1]);
  for (const [id, p] of ranked) {
    const item = document.createElement("li");
    item.dataset.dance = id;
    const name = document.createElement("span");
    name.className = "bar-name";
    name.textContent = dancesById[id].name;
    const track = document.createElement("span");
    track.className = "bar-track";
    const fill = document.createElement("span");
    fill.className = "bar-fill";
    fill.style.width = `${(100 * p).toFixed(1)}%`;
    fill.style.background = dancesById[id].colour;
    track.append(fill);
    const value = document.createElement("span");
    value.className = "bar-value";
    value.textContent = `${(100 * p).toFixed(1)}%`;
    item.append(name, track, value);
    list.append(item);
  }
}

function showLegend() {
  const legend = $("legend");
  legend.replaceChildren();
  for (const d of info.dances) {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = d.colour;
    item.append(swatch, d.name);
    legend.append(item);
  }
}

// Stacked areas of the window probabilities over time (window start, in seconds), like the
// timeline pictures of `dancecore classify --timeline`.
function drawTimeline() {
  if (!shown || $("result").hidden) return;
  const canvas = $("timeline");
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = canvas.clientHeight;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const g = canvas.getContext("2d");
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  const windows = shown.timeline;
  if (!windows.length) return;
  const pad = { left: 40, right: 8, top: 8, bottom: 24 };
  const plotW = width - pad.left - pad.right, plotH = height - pad.top - pad.bottom;
  const last = windows[windows.length - 1];
  const end = Math.max(last.start_s + (windows.length === 1 ? WINDOW_S : 0),
                       Math.min(shown.duration_s, last.start_s + WINDOW_S));
  const times = windows.map((w) => w.start_s).concat([end]);
  const rows = windows.map((w) => w.probabilities).concat([last.probabilities]);
  const x = (t) => pad.left + plotW * (t / (end || 1));
  const y = (p) => pad.top + plotH * (1 - p);
  const below = new Array(times.length).fill(0);
  for (const d of info.dances) {
    const above = rows.map((row, i) => below[i] + (row[d.id] || 0));
    g.beginPath();
    times.forEach((t, i) => (i ? g.lineTo(x(t), y(above[i])) : g.moveTo(x(t), y(above[i]))));
    for (let i = times.length - 1; i >= 0; i--) g.lineTo(x(times[i]), y(below[i]));
    g.closePath();
    g.fillStyle = d.colour;
    g.fill();
    above.forEach((v, i) => (below[i] = v));
  }
  const ink = getComputedStyle(document.body).color;
  g.strokeStyle = ink;
  g.fillStyle = ink;
  g.lineWidth = 1;
  g.font = "12px system-ui, sans-serif";
  g.beginPath();
  g.moveTo(pad.left, pad.top);
  g.lineTo(pad.left, pad.top + plotH);
  g.lineTo(pad.left + plotW, pad.top + plotH);
  g.stroke();
  g.textAlign = "right";
  g.textBaseline = "middle";
  for (const p of [0, 0.5, 1]) g.fillText(`${100 * p}%`, pad.left - 4, y(p));
  g.textAlign = "center";
  g.textBaseline = "top";
  const step = niceStep(end, Math.max(2, Math.floor(plotW / 70)));
  for (let t = 0; t <= end + 1e-6; t += step) g.fillText(Words.duration(t), x(t), pad.top + plotH + 4);
}

function niceStep(span, ticks) {
  for (const s of [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600]) if (span / s <= ticks) return s;
  return 7200;
}

async function toggleRecording() {
  if (recorder) {
    recorder.stop();
    return;
  }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.MediaRecorder) {
    showProblem(window.isSecureContext ? "This browser cannot record audio; pick a file instead."
      : "Browsers allow the microphone only on https:// pages or on localhost; open the page that way, or pick a file.");
    return;
  }
  clearOutput();
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia(
      { audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
  } catch (err) {
    showProblem(err.name === "NotAllowedError"
      ? "The microphone was not allowed; allow it for this page and try again."
      : `No microphone could be opened (${err.name}); pick a file instead.`);
    return;
  }
  const type = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4", "audio/webm"]
    .find((t) => MediaRecorder.isTypeSupported(t));
  const rec = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
  const chunks = [];
  const started = Date.now();
  const tick = () => {
    const s = (Date.now() - started) / 1000;
    $("record-time").textContent = `${Words.duration(s)} / ${Words.duration(MAX_RECORD_S)}`;
    if (s >= MAX_RECORD_S && rec.state === "recording") rec.stop();
  };
  const timer = setInterval(tick, 250);
  rec.ondataavailable = (e) => { if (e.data.size) chunks.push(e.data); };
  rec.onstop = () => {
    clearInterval(timer);
    stream.getTracks().forEach((t) => t.stop());
    recorder = null;
    showRecording(false);
    const blob = new Blob(chunks, { type: rec.mimeType || type || "audio/webm" });
    const ext = blob.type.includes("mp4") ? "m4a" : blob.type.includes("ogg") ? "ogg" : "webm";
    classify(blob, `recording.${ext}`);
  };
  recorder = rec;
  rec.start(1000);
  showRecording(true);
  tick();
}

function showRecording(on) {
  const button = $("record");
  button.classList.toggle("on", on);
  button.setAttribute("aria-pressed", String(on));
  $("record-label").textContent = on ? "Stop and classify" : "Record from the microphone";
  if (!on) $("record-time").textContent = "";
  $("file").disabled = on;
}

function setUp() {
  const drop = $("drop");
  $("file").addEventListener("change", (e) => {
    const file = e.target.files[0];
    if (file) classify(file, file.name);
    e.target.value = "";
  });
  for (const kind of ["dragenter", "dragover"]) {
    document.addEventListener(kind, (e) => {
      e.preventDefault();
      drop.classList.add("over");
    });
  }
  for (const kind of ["dragleave", "drop"]) {
    document.addEventListener(kind, (e) => {
      e.preventDefault();
      if (kind === "drop" || e.target === drop) drop.classList.remove("over");
    });
  }
  document.addEventListener("drop", (e) => {
    const file = e.dataTransfer && e.dataTransfer.files[0];
    if (file && !working && !recorder) classify(file, file.name);
  });
  $("record").addEventListener("click", toggleRecording);
  new ResizeObserver(drawTimeline).observe($("timeline"));
  loadInfo();
}

setUp();
