"""Rhythm facts from beat activations: tempo, meter (3 or 4 beats per bar) and where the downbeats are.

The model is madmom's bar-pointer HMM for downbeat tracking (Krebs, Böck and Widmer, ISMIR 2015;
Böck, Krebs and Widmer, ISMIR 2016), one HMM per meter (3 and 4 beats per bar), decoded by Viterbi:

- a beat interval is a whole number of frames from 14 to 54 (215 to 55 BPM at 50 frames/s); from one
  beat to the next the interval changes from a to b with probability proportional to
  exp(-100 |b / a - 1|) (probabilities up to machine epsilon are 0: at most a 36% change per beat);
- the first ceil(interval / 16) frames of a beat see log p_downbeat (first beat of the bar) or
  log p_beat (other beats); all other frames see log(p_no_beat / 15);
- every state is equally likely at the first analysed frame; frames before the first and after the
  last activation >= 0.05 are skipped. Beats are placed at the activation peak within their beat frames.

The Viterbi runs over beat events rather than frames: S[t, row, i] is the best log-probability of a
path with a beat (bar position `row`) starting at frame t with interval i. It needs S only at frames
t - interval <= t - 14, so frames are done in blocks of 14; a path may begin inside a beat that
started before the first frame, as madmom's uniform initial distribution allows. On the songs of
research/beatnet it finds madmom's paths beat for beat.

Meter and its probability: the best path under 3 and the best path under 4 are compared segment by
segment (`SEGMENT_S` seconds, about the time over which the network's LSTM state carries evidence,
so that segments are roughly independent). Segment k votes for 3 with w_k = sigmoid(log-likelihood of
the 3-path - that of the 4-path on its frames), weighted by its share of a full segment. With a
uniform prior on the share of the music that is in 3, p_three = P(share > 1/2 | votes) =
1 - I_0.5(1 + sum w, 1 + sum (1 - w)) (I: regularised incomplete beta). The meter is 3 when
p_three > 0.5, and tempo, beats and downbeats come from that meter's path.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import betainc, expit

from dancecore.beat.features import FPS

MIN_BPM, MAX_BPM = 55.0, 215.0   # beat tempo range, beats per minute
METERS = (3, 4)                  # beats per bar modelled
TRANSITION_LAMBDA = 100.0        # tempo change penalty between beats
OBSERVATION_LAMBDA = 16          # 1/16 of each interval are beat frames
THRESHOLD = 0.05                 # frames before the first / after the last activation >= this are skipped
SEGMENT_S = 10.0                 # seconds per meter vote
STEADY = 0.10                    # a beat interval within 10% of the period counts as steady
CLEAR = 0.5                      # a beat whose beat probability peaks at >= 0.5 counts as clearly heard
_EPS = 1e-10                     # floor of activations before the log


@dataclass(frozen=True)
class RhythmFacts:
    """Rhythm of a song or a window of it.

    bpm: tempo of the beat in beats per minute (mean of the beat intervals within 10% of their
        median); 0.0 when fewer than two beats were found.
    tempo_confidence: share (0-1) of the analysed time covered by steady beat intervals (within 10%
        of the period) whose two beats are clearly heard (beat probability >= 0.5): "is there a
        steady beat at this tempo".
    beats_per_bar: 3 or 4 (2/4 music comes out as 4).
    p_three: probability (0-1) that most of the music is in 3 beats per bar (see the module text);
        0.5 when there is nothing to decide on.
    meter_log_odds: log-likelihood of the best 3-beat path minus that of the best 4-beat path over
        the whole analysed time, nats (madmom's downbeat tracker picks 3 when it is > 0); frames are
        treated as independent, so its size overstates the evidence: use p_three as the probability.
    beats: beat times in seconds from the start of the activations.
    downbeats: times of the first beat of each bar, seconds (a subset of `beats`).
    """

    bpm: float
    tempo_confidence: float
    beats_per_bar: int
    p_three: float
    meter_log_odds: float
    beats: tuple[float, ...]
    downbeats: tuple[float, ...]

    @property
    def meter_confidence(self) -> float:
        """Probability of `beats_per_bar`, 0.5 to 1."""
        return max(self.p_three, 1.0 - self.p_three)


@dataclass(frozen=True)
class _Path:
    """A meter's best path: per beat its start frame, bar position, interval and log-probability gained."""

    start: np.ndarray
    position: np.ndarray
    interval: np.ndarray
    gain: np.ndarray


def _intervals(fps: float) -> np.ndarray:
    """Beat intervals modelled, integer frames (madmom's rounding of 60 * fps / bpm)."""
    return np.arange(np.round(60.0 * fps / MAX_BPM), np.round(60.0 * fps / MIN_BPM) + 1).astype(int)


def _transitions(taus: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each target interval i: the source intervals src[i, d] it can be reached from and
    log P(i | src[i, d]), both (n_tau, width); madmom's exponential_transition (probabilities up to
    machine epsilon are 0, so an interval changes by at most 36% from one beat to the next); the band
    is padded with log P = -inf."""
    prob = np.exp(-TRANSITION_LAMBDA * np.abs(taus[None, :] / taus[:, None] - 1.0))   # (from, to)
    prob[prob <= np.spacing(1)] = 0.0
    with np.errstate(divide="ignore"):
        log_prob = np.log(prob / prob.sum(axis=1, keepdims=True)).T                      # (to, from)
    width = int(np.isfinite(log_prob).sum(axis=1).max())
    src = np.zeros((len(taus), width), dtype=int)
    log_a = np.full((len(taus), width), -np.inf)
    for i, row in enumerate(log_prob):
        ok = np.flatnonzero(np.isfinite(row))
        src[i, :len(ok)], log_a[i, :len(ok)] = ok, row[ok]
    return src, log_a


def _ratios(acts: np.ndarray) -> np.ndarray:
    """Cumulative log-likelihood ratio of "beat" (row 0) and "downbeat" (row 1) against "no beat" over
    frames [0, t), shape (2, frames + 1)."""
    none = np.log(np.maximum(acts[:, 2], _EPS) / (OBSERVATION_LAMBDA - 1))
    ratio = np.log(np.maximum(acts[:, :2], _EPS)).T - none
    return np.concatenate([np.zeros((2, 1)), np.cumsum(ratio, axis=1)], axis=1)


def _observations(ratios: np.ndarray, taus: np.ndarray) -> np.ndarray:
    """Log-likelihood ratio against "no beat" of the beat frames of a beat starting at frame t with
    interval taus[i], as a non-first (column 0) or first (column 1) beat of the bar: shape
    (frames, 2, n_tau); frames past the end are not counted."""
    n = ratios.shape[1] - 1
    t = np.arange(n)[:, None]
    beat_end = np.minimum(t + _beat_frames(taus), n)
    return np.stack([r[beat_end] - r[t] for r in ratios], axis=1)


def _beat_frames(taus: np.ndarray) -> np.ndarray:
    """Beat frames at the start of each interval: ceil(interval / 16)."""
    return np.ceil(taus / OBSERVATION_LAMBDA).astype(int)


def _best_paths(acts: np.ndarray, taus: np.ndarray) -> dict[int, _Path]:
    """Viterbi path of each meter's HMM over activations (frames, 3) (module text); a path's first beat
    may have begun before frame 0 (negative start).

    Scores are kept relative to the all-"no beat" path over the same frames, which keeps them small
    enough for float32: score[t + longest, row, i] = best log-likelihood ratio of a path whose last
    beat, at bar position `row`, starts at frame t with interval taus[i].
    """
    n, n_tau, longest, step = len(acts), len(taus), int(taus.max()), int(taus.min())
    meter = np.array([m for m in METERS for _ in range(m)])
    position = np.array([k for m in METERS for k in range(m)])
    offset = np.concatenate([[0], np.cumsum(METERS)[:-1]])[np.searchsorted(METERS, meter)]
    previous_row = offset + (position - 1) % meter
    kind = (position == 0).astype(int)
    ratios = _ratios(acts)
    observe = _observations(ratios, taus).astype(np.float32)                   # (n, kind, to): rows by kind[row]
    src, log_a = _transitions(taus)
    log_a = log_a.astype(np.float32)
    log_init = -np.log(meter * taus.sum())                                     # every state equally likely
    # frame 0 may fall k frames into a beat that began before it: rows for frames -k hold those beats
    k = np.arange(1, longest + 1)[:, None]
    head = ratios[:, np.clip(_beat_frames(taus)[None] - k, 0, n)]              # (2, k, to)
    head = np.where(taus[None] > k, head, -np.inf)[kind].transpose(1, 0, 2) + log_init[None, :, None]
    score = np.full((n + longest, len(meter), n_tau), -np.inf, dtype=np.float32)
    score[:longest] = head[::-1]
    flat, frame_stride = score.reshape(-1), len(meter) * n_tau
    # flat offset from frame t's first cell to S[t - taus[j], previous_row[r], j], shape (row, from)
    source = (longest - taus)[None, :] * frame_stride + previous_row[:, None] * n_tau + np.arange(n_tau)[None, :]
    src_t, log_a_t = np.ascontiguousarray(src.T), np.ascontiguousarray(log_a.T)        # (band, to)
    for t0 in range(0, n, step):
        frames = np.arange(t0, min(t0 + step, n))
        prev = flat.take((frames * frame_stride)[:, None, None] + source)                 # (b, row, from)
        cand = prev[:, :, src_t]                                                           # (b, row, band, to)
        cand += log_a_t
        best = cand.max(axis=2)
        if t0 == 0:                                   # or frame 0 is the first frame of a beat
            starts_at_0 = log_init[:, None] >= best[0]
            best[0] = np.maximum(best[0], log_init[:, None])
        score[frames + longest] = best + observe[frames][:, kind]
    ending = np.where(np.arange(n)[:, None] + taus[None, :] >= n, np.float32(0), np.float32(-np.inf))[:, None, :]
    final = score[longest:] + ending
    paths = {}
    for m in METERS:
        own = np.flatnonzero(meter == m)
        t, r, i = np.unravel_index(int(np.argmax(final[:, own])), (n, len(own), n_tau))
        r = own[r]
        events = [(t, position[r], taus[i], score[t + longest, r, i])]
        while t >= 0 and not (t == 0 and starts_at_0[r, i]):
            cand = score[t - taus[src[i]] + longest, previous_row[r], src[i]] + log_a[i]
            i = src[i, int(np.argmax(cand))]
            t, r = t - taus[i], previous_row[r]
            events.append((t, position[r], taus[i], score[t + longest, r, i]))
        start, pos, interval, total = (np.array(x) for x in zip(*events[::-1]))
        paths[m] = _Path(start.astype(int), pos.astype(int), interval.astype(int),
                         np.diff(total.astype(np.float64), prepend=0.0))
    return paths


def _p_three(paths: dict[int, _Path], n: int, fps: float) -> float:
    """P(most of the music is in 3) from segment votes between the 3- and the 4-path (module text)."""
    seg = SEGMENT_S * fps
    n_seg = int(np.ceil(n / seg))
    ll = {m: np.bincount((np.maximum(p.start, 0) // seg).astype(int), weights=p.gain, minlength=n_seg)
          for m, p in paths.items()}
    share = np.minimum(1.0, (n - np.arange(n_seg) * seg) / seg)
    votes = expit(ll[3] - ll[4])
    return float(1.0 - betainc(1.0 + (share * votes).sum(), 1.0 + (share * (1.0 - votes)).sum(), 0.5))


def _tempo(peaks: np.ndarray, clear: np.ndarray, fps: float, span: int) -> tuple[float, float]:
    """(bpm, tempo_confidence) from beat peak frames and which beats are clearly heard."""
    if len(peaks) < 2:
        return 0.0, 0.0
    gaps = np.diff(peaks).astype(float)
    median = float(np.median(gaps))
    steady = np.abs(gaps - median) <= STEADY * median
    if not steady.any():                    # two or four gaps around a median none of them is near: no tempo
        return 0.0, 0.0
    covered = gaps[steady & clear[1:] & clear[:-1]].sum()
    return 60.0 * fps / float(gaps[steady].mean()), float(min(1.0, covered / span))


def decode(activations: np.ndarray, fps: float = FPS) -> RhythmFacts:
    """Rhythm facts of activations (frames, 3) = (beat, downbeat, no beat) per frame at `fps` frames/s."""
    acts = np.asarray(activations, dtype=np.float64)
    if acts.ndim != 2 or acts.shape[1] != 3:
        raise ValueError(f"beat activations must have shape (frames, 3), got {acts.shape}")
    taus = _intervals(fps)
    loud = np.flatnonzero((acts[:, :2] >= THRESHOLD).any(axis=1))
    if len(loud) == 0 or loud[-1] + 1 - loud[0] < taus.min():
        return RhythmFacts(0.0, 0.0, 4, 0.5, 0.0, (), ())
    first, last = int(loud[0]), int(loud[-1]) + 1
    window = acts[first:last]
    paths = _best_paths(window, taus)
    three = _p_three(paths, last - first, fps)
    path = paths[3 if three > 0.5 else 4]
    strongest = np.maximum(window[:, 0], window[:, 1])
    starts = np.maximum(path.start, 0)
    stops = np.minimum(path.start + _beat_frames(path.interval), last - first)
    heard = stops > starts                            # a beat begun before frame 0 may have no beat frame left
    peaks = np.array([t + int(np.argmax(strongest[t:e])) for t, e in zip(starts[heard], stops[heard])], dtype=int)
    clear = (window[:, 0] + window[:, 1])[peaks] >= CLEAR
    bpm, confidence = _tempo(peaks, clear, fps, last - first)
    times = (peaks + first) / fps
    return RhythmFacts(bpm=bpm, tempo_confidence=confidence, beats_per_bar=3 if three > 0.5 else 4,
                       p_three=three, meter_log_odds=float(paths[3].gain.sum() - paths[4].gain.sum()),
                       beats=tuple(float(x) for x in times),
                       downbeats=tuple(float(x) for x in times[path.position[heard] == 0]))
