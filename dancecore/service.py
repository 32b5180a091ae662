"""Answering classification requests from many people at once: one policy for every front end.

Chat bots and web servers share this module: size and type checks on what the client declares
(before downloading anything), sniffing of the real bytes, a time limit on decoding and analysis,
at most `max_duration_s` seconds analysed (a longer recording is cut, and the Result says so), the
songs of a recording of at least `sections_min_s` one by one (`dancecore classify --sections`),
friendly one-line refusals, a bounded worker pool with a bounded waiting queue ("busy" when full)
and a per-user cool-down. Every request gets exactly one Outcome: an Answer, a Refusal or Busy.

Two ways in: `submit(data, name, user_id)` for bytes already in hand, or `admit(...)` first (cheap,
instant: a front end can refuse before it downloads or defers) and then `Slot.classify(data)`.
"""
from __future__ import annotations

import asyncio
import logging
import math
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Hashable

import numpy as np
import yaml
from threadpoolctl import threadpool_limits

from dancecore.audio import MAX_ANALYSED_S, SILENCE_PEAK, Audio, load_audio
from dancecore.classify import Classifier
from dancecore.errors import AudioError, ConfigError
from dancecore.plots import timeline_png
from dancecore.result import Result
from dancecore.sections import Section, find_sections
from dancecore.sniff import sniff_media_type
from dancecore.wording import title

log = logging.getLogger(__name__)

MB = 1024 * 1024  # "MB" as Discord and most upload forms count it
# declared types that may hold audio besides audio/* and video/*; anything else is refused unread
MEDIA_APPLICATION_TYPES = {"application/ogg", "application/octet-stream", "application/mp4",
                           "application/x-matroska", "application/vnd.rn-realmedia"}
FORMATS_HINT = "mp3, m4a, wav, ogg, opus, flac or a phone video"
SECTIONS_SHARE = 0.8     # a recording's songs are sought only within this share of timeout_s (then: none shown)
SECTIONS_PROBE_S = 30.0  # seconds of a recording streamed before the pace says whether its songs can be found in time


@dataclass(frozen=True)
class ServiceLimits:
    """Limits of a front end. max_bytes: largest upload in bytes; max_duration_s: seconds analysed
    (the rest of a longer file is skipped, and the answer says so); min_duration_s: shortest clip
    answered, in seconds; timeout_s: wall-clock limit of decoding plus analysis, in seconds;
    workers: clips analysed at once; queue_size: clips that may wait for a worker; cooldown_s:
    seconds one user must wait between two requests; sections_min_s: a recording at least this long (seconds)
    is also split into its songs, as `dancecore classify --sections` does, when that fits in SECTIONS_SHARE of
    timeout_s (above max_duration_s: never)."""

    max_bytes: int = 25 * MB
    max_duration_s: float = MAX_ANALYSED_S
    min_duration_s: float = 3.0
    timeout_s: float = 60.0
    workers: int = 1
    queue_size: int = 8
    cooldown_s: float = 10.0
    sections_min_s: float = 240.0

    def __post_init__(self) -> None:
        checks = {"max_bytes": self.max_bytes >= 1, "max_duration_s": self.max_duration_s > 0,
                  "min_duration_s": 0 <= self.min_duration_s < self.max_duration_s,
                  "timeout_s": self.timeout_s > 0, "workers": self.workers >= 1,
                  "queue_size": self.queue_size >= 0, "cooldown_s": self.cooldown_s >= 0,
                  "sections_min_s": self.sections_min_s >= 0}
        for name, ok in checks.items():
            if not ok:
                rule = ("between 0 and max_duration_s" if name == "min_duration_s"
                        else "at least 0" if name in ("queue_size", "cooldown_s", "sections_min_s")
                        else "positive")
                raise ConfigError(f"limits.{name} must be {rule}, got {getattr(self, name)!r}")

    @classmethod
    def from_dict(cls, values: dict[str, Any] | None, where: str = "limits") -> "ServiceLimits":
        """Build from a YAML/JSON mapping; `max_bytes` also takes text like "25 MB" or "500 KB".
        Unknown keys and wrong types raise ConfigError naming `where`, the key and the fix."""
        if values is not None and not isinstance(values, dict):
            raise ConfigError(f"{where} must be a mapping of limit names to values, got {values!r}")
        values = dict(values or {})
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(known)}")
        if "max_bytes" in values:
            values["max_bytes"] = parse_bytes(values["max_bytes"], f"{where}.max_bytes")
        for name, value in values.items():
            want = int if known[name].type in ("int", int) else float
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (want is int and value != int(value)):
                raise ConfigError(f"{where}.{name} must be {'a whole number' if want is int else 'a number'}, "
                                  f"got {value!r}")
            values[name] = want(value)
        try:
            return cls(**values)
        except ConfigError as exc:
            raise ConfigError(str(exc).replace("limits.", f"{where}.", 1)) from None

    @classmethod
    def from_yaml(cls, path: str | Path, section: str = "limits") -> "ServiceLimits":
        """Read the `section` mapping of a YAML file (defaults when the section is absent)."""
        try:
            document = yaml.safe_load(Path(path).read_text()) or {}
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read ({exc.strerror}); check the path") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
        if not isinstance(document, dict):
            raise ConfigError(f"{path}: expected a mapping at the top level")
        return cls.from_dict(document.get(section), where=f"{path}: {section}")

    @property
    def capacity(self) -> int:
        """Requests held at once: analysing plus waiting."""
        return self.workers + self.queue_size


def parse_bytes(value: Any, where: str = "size") -> int:
    """A size in bytes from a number or text such as "25 MB", "25MiB", "800 KB" (1 MB = 1024 KB)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmg]?i?b?)\s*", str(value), re.IGNORECASE)
    if not match:
        raise ConfigError(f"{where} must be a number of bytes or text like \"25 MB\", got {value!r}")
    number, unit = float(match.group(1)), match.group(2).lower().rstrip("b").rstrip("i")
    return int(number * {"": 1, "k": 1024, "m": MB, "g": 1024 * MB}[unit])


@dataclass(frozen=True)
class Refusal:
    """A request turned down. kind: stable machine-readable reason (too_large, not_media, empty,
    unreadable, silent, too_short, timeout, cooldown, download, internal); message: one friendly
    line for the person who asked, plain text."""

    kind: str
    message: str


@dataclass(frozen=True)
class Busy:
    """Every worker and queue place is taken; the person is asked to come back in `retry_after_s` seconds
    (what the web API sends as Retry-After, and what the message says)."""

    retry_after_s: int = 60
    kind: str = "busy"

    @property
    def message(self) -> str:
        """One friendly line that gives the same wait as `retry_after_s`."""
        wait = f"{self.retry_after_s} s" if self.retry_after_s < 90 else f"{round(self.retry_after_s / 60)} minutes"
        return f"I'm busy with other clips right now; please try again in about {wait}."


@dataclass
class Answer:
    """A classification. timeline_png: the window-probability timeline picture (None when the
    service draws none); wait_s: seconds queued for a worker; run_s: seconds of decoding+analysis;
    sections: the recording's songs one by one (empty when not sought)."""

    result: Result
    timeline_png: bytes | None
    wait_s: float = 0.0
    run_s: float = 0.0
    kind: str = "result"
    sections: list[Section] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON answer: `dancecore classify --json`'s object, with `sections` (each a `--sections` object, with
        start_s and end_s) when the recording holds more than one song."""
        out = self.result.to_dict()
        if len(self.sections) > 1:
            out["sections"] = [section.to_dict() for section in self.sections]
        return out


Outcome = Answer | Refusal | Busy


def human_size(n_bytes: float) -> str:
    """Bytes as text: "31.2 MB", "800 KB", "12 bytes"."""
    if n_bytes >= MB:
        return f"{n_bytes / MB:.1f} MB".replace(".0 MB", " MB")
    if n_bytes >= 1024:
        return f"{n_bytes / 1024:.0f} KB"
    return f"{int(n_bytes)} bytes"


class RunTimes:
    """Moving average of analysis seconds per clip, to tell a refused client when to come back."""

    def __init__(self, first_guess_s: float = 5.0, weight: float = 0.2) -> None:
        self.mean_s = first_guess_s
        self.weight = weight

    def add(self, seconds: float) -> None:
        self.mean_s += self.weight * (seconds - self.mean_s)

    def retry_after_s(self) -> int:
        """Whole seconds until a place is likely free (the running clip's typical time), 1..300."""
        return max(1, min(300, math.ceil(self.mean_s)))


class ClassificationService:
    """Runs a Classifier for many requesters under `limits`, off the event loop.

    Create it anywhere, use it from one asyncio event loop. timeline: also draw the timeline PNG, the
    stack plot of window probabilities over time (in the worker, so drawing is bounded too; without
    the spectrogram, which would double the drawing time and the image size on a phone).
    `peak_held` records the most requests held at once; `run_times` the typical analysis time, which
    Busy's wait is taken from.
    """

    def __init__(self, classifier: Classifier, limits: ServiceLimits = ServiceLimits(),
                 timeline: bool = True) -> None:
        self.classifier = classifier
        self.limits = limits
        self.timeline = timeline
        # numpy's OpenBLAS threads spin beside the pipeline's own (a third of the CPU time on 2 cores, for the same
        # answers; see dancecore.cli.ONE_BLAS_THREAD): one for the whole process, whichever front end made it
        threadpool_limits(1, user_api="blas")
        self._executor = ThreadPoolExecutor(max_workers=limits.workers, thread_name_prefix="dancecore-worker")
        self._running: asyncio.Semaphore | None = None
        self._held = 0
        self.peak_held = 0
        self.run_times = RunTimes()
        self._last_admitted: dict[Hashable, float] = {}

    @property
    def held(self) -> int:
        """Requests admitted and not yet finished (downloading, waiting or analysing)."""
        return self._held

    def check_declared(self, n_bytes: int | None, content_type: str | None, name: str = "upload") -> Refusal | None:
        """Refusal for what a client declares before sending (size in bytes, MIME type), else None.
        An unknown size or type passes: the bytes are checked again once they arrive."""
        if n_bytes is not None and n_bytes > self.limits.max_bytes:
            return Refusal("too_large", f"{name} is {human_size(n_bytes)}; I take files up to "
                           f"{human_size(self.limits.max_bytes)}. Send a shorter clip: 20 seconds is plenty.")
        declared = (content_type or "").split(";")[0].strip().lower()
        if declared and not declared.startswith(("audio/", "video/")) and declared not in MEDIA_APPLICATION_TYPES:
            return Refusal("not_media", f"{name} is not audio or video ({declared}). "
                           f"Send a recording: {FORMATS_HINT}.")
        return None

    def check_data(self, data: bytes, name: str = "upload") -> Refusal | None:
        """Refusal for received bytes that are too many, none, or not a known audio/video container."""
        if len(data) == 0:
            return Refusal("empty", f"{name} is empty (0 bytes). Send a recording with music in it.")
        too_large = self.check_declared(len(data), None, name)
        if too_large:
            return too_large
        if sniff_media_type(data[:64]) is None:
            return Refusal("not_media", f"{name} does not contain audio or video, whatever its name says. "
                           f"Send a real recording: {FORMATS_HINT}.")
        return None

    def admit(self, user_id: Hashable | None = None, n_bytes: int | None = None, content_type: str | None = None,
              name: str = "upload") -> "Slot | Refusal | Busy":
        """Take a place for one request, instantly: a Slot, or the Refusal/Busy to send at once.

        Checks the declared size and type, the user's cool-down (user_id None: no cool-down) and
        free capacity. The Slot must be used with `async with` (or released) so its place frees."""
        refusal = self.check_declared(n_bytes, content_type, name)
        if refusal:
            return refusal
        now = time.monotonic()
        if user_id is not None and self.limits.cooldown_s > 0:
            since = now - self._last_admitted.get(user_id, -math.inf)
            if since < self.limits.cooldown_s:
                wait = math.ceil(self.limits.cooldown_s - since)
                return Refusal("cooldown", f"One clip at a time, please: try again in {wait} s.")
        if self._held >= self.limits.capacity:
            return Busy(self.run_times.retry_after_s())
        if user_id is not None:
            self._forget_old_users(now)
            self._last_admitted[user_id] = now
        self._held += 1
        self.peak_held = max(self.peak_held, self._held)
        return Slot(self, name)

    async def submit(self, data: bytes, name: str = "upload", user_id: Hashable | None = None,
                     content_type: str | None = None) -> Outcome:
        """Classify bytes: exactly one of Answer, Refusal or Busy."""
        admitted = self.admit(user_id, len(data), content_type, name)
        if not isinstance(admitted, Slot):
            return admitted
        async with admitted as slot:
            return await slot.classify(data)

    def close(self) -> None:
        """Stop the workers (running jobs finish; waiting ones are dropped)."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _forget_old_users(self, now: float) -> None:
        if len(self._last_admitted) > 1024:
            self._last_admitted = {u: t for u, t in self._last_admitted.items() if now - t < self.limits.cooldown_s}

    def _release(self) -> None:
        self._held -= 1

    async def _run(self, data: bytes, name: str, on_done: Any) -> Answer | Refusal:
        """Wait for a worker, then decode+analyse in it with the time limit. The place is given back
        (`on_done`) only when the worker really finishes, so limits hold even after a timeout."""
        if self._running is None:
            self._running = asyncio.Semaphore(self.limits.workers)
        queued = time.monotonic()
        await self._running.acquire()
        wait_s = time.monotonic() - queued
        loop = asyncio.get_running_loop()
        try:
            future = loop.run_in_executor(self._executor, self._job, data, name)
        except BaseException:
            self._running.release()
            on_done()
            raise
        running = self._running

        def finished(_: Any) -> None:
            running.release()
            on_done()

        future.add_done_callback(finished)
        try:
            outcome = await asyncio.wait_for(asyncio.shield(future), timeout=self.limits.timeout_s)
        except asyncio.TimeoutError:
            return _timeout_refusal(name, self.limits.timeout_s)
        if isinstance(outcome, Answer):
            outcome.wait_s = wait_s
            self.run_times.add(outcome.run_s)
        return outcome

    def _job(self, data: bytes, name: str) -> Answer | Refusal:
        """Worker thread: decode (at most max_duration_s, within timeout_s), check, classify, draw."""
        started = time.monotonic()
        limits, model = self.limits, self.classifier.model
        try:
            audio = load_audio(data, sr=model.features.sr, max_duration_s=limits.max_duration_s,
                               timeout_s=limits.timeout_s, name=name, allow_silent=True)
            if audio.samples.size and float(np.max(np.abs(audio.samples))) < SILENCE_PEAK:
                return Refusal("silent", f"{name} is silent. Send a recording with music in it.")
            if audio.duration_s < limits.min_duration_s:
                return Refusal("too_short", f"{name} is only {audio.duration_s:.1f} s long; send at least "
                               f"{limits.min_duration_s:.0f} s of music (10 to 30 s works best).")
            analysis = self.classifier.analyse_audio(audio, name)
            sections = self._sections(audio, name, analysis.result, started)
            png = None
            if self.timeline:
                features = model.features
                png = timeline_png(analysis.start_frames * features.hop_length / features.sr,
                                   analysis.window_probs, None, features.frame_rate,
                                   title=title(name, analysis.result.to_dict()))
            return Answer(result=analysis.result, timeline_png=png, run_s=time.monotonic() - started,
                          sections=sections)
        except AudioError as exc:
            if time.monotonic() - started >= limits.timeout_s:
                return _timeout_refusal(name, limits.timeout_s)
            return Refusal("unreadable", _friendly_audio_error(str(exc), name))
        except Exception:  # anything else is our bug: log it in full, tell the person briefly
            log.exception("analysis failed unexpectedly")
            return Refusal("internal", f"Something went wrong on my side with {name}. Please try again; "
                           "if it keeps happening, tell whoever runs me.")

    def _sections(self, audio: Audio, name: str, whole: Result, started: float) -> list[Section]:
        """The songs of a recording of at least `sections_min_s`, when they are found before SECTIONS_SHARE of
        the time limit since `started` (monotonic seconds) has passed; else none. After SECTIONS_PROBE_S of audio
        the pace so far tells whether the rest fits: if not, the search stops there, not at the limit."""
        if audio.duration_s < self.limits.sections_min_s:
            return []
        deadline = started + SECTIONS_SHARE * self.limits.timeout_s
        begun = time.monotonic()

        def in_time(done_s: float) -> None:
            now = time.monotonic()
            rest = (now - begun) * (audio.duration_s - done_s) / max(done_s, 1e-9)
            if now > deadline or (done_s >= SECTIONS_PROBE_S and now + rest > deadline):
                raise _OutOfTime

        try:
            return find_sections(self.classifier, audio, name, progress=in_time, whole=whole)
        except _OutOfTime:
            log.info("%s: no time left to split it into songs", name)
        except Exception:  # our bug: the answer for the whole recording still goes out
            log.exception("finding the songs of %s failed unexpectedly", name)
        return []


class _OutOfTime(Exception):
    """Finding a recording's songs took more of the time limit than they may."""


class Slot:
    """One admitted request's place in the pool and queue. Use `async with slot:` around the work
    (download, then `classify` once); the place frees when the work is over, or at exit if unused."""

    def __init__(self, service: ClassificationService, name: str) -> None:
        self._service = service
        self.name = name
        self._started = False
        self._released = False

    async def __aenter__(self) -> "Slot":
        return self

    async def __aexit__(self, *exc: object) -> None:
        if not self._started:
            self.release()

    def release(self) -> None:
        """Give the place back (idempotent)."""
        if not self._released:
            self._released = True
            self._service._release()

    async def classify(self, data: bytes) -> Answer | Refusal:
        """Check the received bytes and classify them: an Answer or a Refusal (called once)."""
        if self._started or self._released:
            raise RuntimeError("a Slot classifies one clip, once")
        refusal = self._service.check_data(data, self.name)
        if refusal:
            return refusal
        self._started = True
        return await self._service._run(data, self.name, self.release)


def _timeout_refusal(name: str, timeout_s: float) -> Refusal:
    return Refusal("timeout", f"{name} took too long to decode and analyse (over {timeout_s:.0f} s). "
                   "Send a shorter clip, or try again when I am less busy.")


def _friendly_audio_error(message: str, name: str) -> str:
    """A decoding error from dancecore.audio ("NAME: why; what to do") reworded for a person."""
    reason = message[len(name) + 2:] if message.startswith(f"{name}: ") else message
    if reason.split(" ", 1)[0] in ("is", "has", "contains", "cannot", "decoded"):
        reason = "it " + reason
    return f"Sorry, I couldn't read {name}: {reason}."
