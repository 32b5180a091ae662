// How the web page and the marquee say an answer in words: the same words as dancecore/wording.py (the CLI
// table, the timeline picture, the bot), from the JSON of POST /api/classify or a live event.
// "Not sure" is said one way: the heading is "Not sure", never a dance name, then the reason and best guess.
"use strict";

const Words = (() => {
  const ALSO_FITS = " - also fits ";

  function duration(seconds) {
    const total = Math.round(seconds);
    const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    const mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  const percent = (p) => `${Math.round(100 * p)}%`;

  function headline(r) {
    if (r.not_sure) return "Not sure";
    return r.dance_name + (r.also_fits ? ALSO_FITS + r.also_fits.name : "");
  }

  function howSure(r) {
    if (!r.not_sure) return `${percent(r.confidence)} sure`;
    const reason = r.not_sure_reason || "the music does not clearly fit one dance";
    if (reason.endsWith(r.dance_name)) return `${reason} (${percent(r.confidence)})`;
    return `${reason}; best guess ${r.dance_name}, ${percent(r.confidence)}`;
  }

  const verdict = (r) => (r.not_sure ? `Not sure: ${howSure(r)}` : `${headline(r)}, ${howSure(r)}`);

  function tempo(r) {
    const t = r.tempo;
    if (!t || t.bpm <= 0) return "no steady beat found";
    return `${Math.round(t.bpm)} BPM = ${Math.round(t.mpm)} bars/min (DJ ${Math.round(t.dj_bpm)})`;
  }

  const meter = (r) => (r.meter ? `${r.meter.beats_per_bar}/4` : null);

  function listened(r) {
    const heard = duration(r.duration_s);
    const whole = r.source_duration_s;
    if (r.incomplete) return `${heard}${whole ? ` of ${duration(whole)}` : ""}: the file ends early, damaged or cut off`;
    if (r.truncated && whole) return `the first ${heard} of ${duration(whole)}`;
    if (r.padded) return `${heard} (short: 10 to 30 s gives a surer answer)`;
    return heard;
  }

  const span = (s) => `${duration(s.start_s)}-${duration(s.end_s)}`;

  const section = (s) => `${span(s)} ${verdict(s)}`;

  return { ALSO_FITS, duration, percent, headline, howSure, verdict, tempo, meter, listened, span, section };
})();
