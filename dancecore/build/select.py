"""Fusion exponents and "not sure" thresholds chosen on the validation songs by written rules, and how much
of the resulting figures is that selection (the same choice made leaving one song out).

Rules. Exponents (CNN, rhythm): the best in-set song top-1, then top-2, then mean per-dance recall (so that
no dance is given up); remaining ties: the first in the recipe's order. Thresholds (min top probability,
max mean 'other dance' probability): the most not_ballroom songs rejected while rejecting at most a budget
of the in-set songs, counting the songs the fixed beat-clarity threshold rejects too; ties: the fewer in-set
songs rejected, then the first on the grid (top probability outer, other inner).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from dancecore.build.recipe import SelectStep
from dancecore.build.scores import SongScores
from dancecore.dances import DANCE_IDS, nearest_by_tempo
from dancecore.fusion import FusionSettings, fuse
from dancecore.modelinfo import RejectSettings

Z95 = 1.959963984540054  # two-sided 95% normal quantile


def wilson(hits: int, n: int) -> list[float]:
    """95% Wilson score interval [low, high] of the proportion hits / n, 4 decimals."""
    if n == 0:
        return [0.0, 1.0]
    p = hits / n
    centre, half = p + Z95 ** 2 / (2 * n), Z95 * np.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n * n))
    scale = 1 + Z95 ** 2 / n
    return [round(float((centre - half) / scale), 4), round(float((centre + half) / scale), 4)]


def proportion(hits: int, n: int) -> dict[str, object]:
    """{"hits", "n", "share", "ci95"} of a count."""
    return {"hits": int(hits), "n": int(n), "share": round(hits / n, 4) if n else None, "ci95": wilson(hits, n)}


@dataclass(frozen=True)
class SongTable:
    """Every song under every candidate fusion. probs: (n_weights, n_songs, 10) song means of the fused window
    probabilities; other: (n_songs,) mean rhythm 'other' probability; truth: (n_songs,) index into DANCE_IDS
    (-1: not one of the ten); clarity: (n_songs,) beat clarity."""

    weights: list[tuple[float, float]]
    probs: np.ndarray
    other: np.ndarray
    truth: np.ndarray
    clarity: np.ndarray

    @classmethod
    def of(cls, songs: list[SongScores], weights: list[tuple[float, float]]) -> SongTable:
        probs = np.zeros((len(weights), len(songs), len(DANCE_IDS)))
        other = np.zeros(len(songs))
        for j, song in enumerate(songs):
            for i, (c, r) in enumerate(weights):
                fused, window_other = fuse(song.cnn, song.rhythm, FusionSettings(c, r))
                probs[i, j] = fused.mean(axis=0)
            other[j] = window_other.mean()
        truth = np.array([DANCE_IDS.index(s.dance) if s.dance in DANCE_IDS else -1 for s in songs])
        return cls(weights, probs, other, truth, np.array([s.clarity for s in songs]))

    def ranks(self, w: int) -> np.ndarray:
        """(n_songs,) rank of each song's true dance under fusion w (0 = top; -1 for not_ballroom songs)."""
        order = np.argsort(-self.probs[w], axis=1, kind="stable")
        ranks = np.argmax(order == np.maximum(self.truth, 0)[:, None], axis=1)
        return np.where(self.truth >= 0, ranks, -1)


def choose_weights(table: SongTable, songs: np.ndarray) -> tuple[int, dict[str, list[float]]]:
    """Index into table.weights chosen on the songs `songs` (indices), and (top-1, top-2, mean recall) of
    every candidate, keyed 'cnn C, rhythm R'."""
    in_set = songs[table.truth[songs] >= 0]
    truth = table.truth[in_set]
    scores = []
    for w in range(len(table.weights)):
        ranks = table.ranks(w)[in_set]
        recall = [np.mean(ranks[truth == d] == 0) for d in np.unique(truth)]
        scores.append((float(np.mean(ranks == 0)), float(np.mean(ranks < 2)), float(np.mean(recall))))
    best = max(range(len(scores)), key=lambda w: scores[w])
    return best, {f"cnn {c}, rhythm {r}": list(s) for (c, r), s in zip(table.weights, scores)}


def choose_thresholds(table: SongTable, w: int, songs: np.ndarray, rule: SelectStep,
                      budget: float) -> tuple[RejectSettings, dict[str, float]]:
    """Thresholds chosen on `songs` under fusion w, rejecting at most `budget` of their in-set songs; with the
    shares of not_ballroom and in-set songs they reject."""
    tops = np.array(rule.min_top_probability.values())
    others = np.array(rule.max_other_probability.values())
    top_prob, other, clarity = table.probs[w, songs].max(axis=1), table.other[songs], table.clarity[songs]
    rejected = ((top_prob[None, None] < tops[:, None, None]) | (other[None, None] > others[None, :, None])
                | (clarity < rule.min_beat_clarity)[None, None])  # (tops, others, songs)
    in_set = table.truth[songs] >= 0
    false_rej = rejected[:, :, in_set].mean(axis=2) if in_set.any() else np.zeros(rejected.shape[:2])
    true_rej = rejected[:, :, ~in_set].mean(axis=2) if (~in_set).any() else np.zeros(rejected.shape[:2])
    best, best_key = RejectSettings(0.0, rule.min_beat_clarity, 1.0), (-1.0, 0.0)
    for a, top in enumerate(tops):
        for b, oth in enumerate(others):
            key = (float(true_rej[a, b]), -float(false_rej[a, b]))
            if false_rej[a, b] <= budget + 1e-12 and key > best_key:
                best_key = key
                best = RejectSettings(float(top), rule.min_beat_clarity, float(oth))
    return best, {"out_of_set_rejected": best_key[0], "in_set_rejected": -best_key[1]}


def select(table: SongTable, songs: np.ndarray, rule: SelectStep, budget: float) -> tuple[int, RejectSettings]:
    """Fusion index and thresholds the rules choose on `songs`."""
    w, _ = choose_weights(table, songs)
    return w, choose_thresholds(table, w, songs, rule, budget)[0]


def outcomes(table: SongTable, w: int, reject: RejectSettings, songs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rank of the true dance (-1: not_ballroom) and whether "not sure" is answered, for `songs`."""
    rejected = np.array([reject.doubt(float(table.probs[w, j].max()), float(table.clarity[j]),
                                      float(table.other[j])) is not None for j in songs])
    return table.ranks(w)[songs], rejected


def figures(ranks: np.ndarray, rejected: np.ndarray) -> dict[str, dict]:
    """Song top-1 and top-2 of the in-set songs, shares of not_ballroom and in-set songs rejected, each with
    its count and 95% Wilson interval."""
    in_set = ranks >= 0
    return {"top1": proportion(int((ranks[in_set] == 0).sum()), int(in_set.sum())),
            "top2": proportion(int((ranks[in_set] < 2).sum()), int(in_set.sum())),
            "not_ballroom_rejected": proportion(int(rejected[~in_set].sum()), int((~in_set).sum())),
            "in_set_rejected": proportion(int(rejected[in_set].sum()), int(in_set.sum()))}


def leave_one_out(table: SongTable, rule: SelectStep, budget: float) -> tuple[dict, dict, dict[str, int]]:
    """Figures with the choice made on all songs; figures when each song is classified with the choice the
    rules make on the other songs; and how often each choice was made leaving one out."""
    every = np.arange(len(table.truth))
    w, reject = select(table, every, rule, budget)
    on_all = figures(*outcomes(table, w, reject, every))
    ranks, rejected, choices = [], [], {}
    for j in tqdm(every, desc=f"leave one song out, budget {budget:.0%}", unit="song", leave=False):
        w_j, reject_j = select(table, np.delete(every, j), rule, budget)
        r, x = outcomes(table, w_j, reject_j, np.array([j]))
        ranks.append(r[0])
        rejected.append(x[0])
        c, rh = table.weights[w_j]
        key = (f"cnn {c}, rhythm {rh}; top < {reject_j.min_top_probability}, "
               f"other > {reject_j.max_other_probability}")
        choices[key] = choices.get(key, 0) + 1
    return on_all, figures(np.array(ranks), np.array(rejected)), choices


def window_figures(songs: list[SongScores], fusion: FusionSettings) -> dict[str, object]:
    """Window top-1 and top-2 over every window of the in-set songs under `fusion`."""
    hits1 = hits2 = n = 0
    for song in songs:
        if song.dance in DANCE_IDS:
            order = np.argsort(-fuse(song.cnn, song.rhythm, fusion)[0], axis=1)
            truth = DANCE_IDS.index(song.dance)
            hits1 += int((order[:, 0] == truth).sum())
            hits2 += int((order[:, :2] == truth).any(axis=1).sum())
            n += len(order)
    return {"n": n, "top1": round(hits1 / n, 4) if n else None, "top2": round(hits2 / n, 4) if n else None}


def noise_figures(songs: list[SongScores], fusion: FusionSettings) -> dict[str, list] | None:
    """Song top-1 of the in-set songs under `fusion`, clean and at each noise share they were scored with
    (None when they were not)."""
    in_set = [s for s in songs if s.dance in DANCE_IDS]
    alphas = sorted(in_set[0].noisy) if in_set else []
    if not alphas:
        return None

    def top1(pairs: list[tuple[np.ndarray, np.ndarray]]) -> dict[str, object]:
        hits = sum(int(np.argmax(fuse(cnn, rhythm, fusion)[0].mean(axis=0))) == DANCE_IDS.index(s.dance)
                   for s, (cnn, rhythm) in zip(in_set, pairs))
        return proportion(hits, len(in_set))

    return {"alphas": [0.0, *alphas], "top1": [top1([(s.cnn, s.rhythm) for s in in_set]),
                                               *(top1([s.noisy[a] for s in in_set]) for a in alphas)]}


def choose(songs: list[SongScores], rule: SelectStep) -> dict[str, object]:
    """The rules applied to the validation songs: the chosen fusion and thresholds, and the figures the model
    file records (songs and windows, per-dance recall and confusion, CNN alone, tempo-only rule, rejection;
    leave-one-song-out for the rule's budget and each compared budget)."""
    weights = [(c, r) for c in rule.cnn_weights for r in rule.rhythm_weights]
    table = SongTable.of(songs, [*weights, (1.0, 0.0)])  # the last: the CNN alone
    every = np.arange(len(songs))
    candidates = SongTable(weights, table.probs[:-1], table.other, table.truth, table.clarity)
    w, by_weights = choose_weights(candidates, every)
    reject, _ = choose_thresholds(candidates, w, every, rule, rule.max_false_rejection)
    ranks, rejected = outcomes(candidates, w, reject, every)
    in_set = table.truth >= 0
    confusion = np.zeros((len(DANCE_IDS), len(DANCE_IDS)), dtype=int)
    np.add.at(confusion, (table.truth[in_set], table.probs[w, in_set].argmax(axis=1)), 1)
    cnn_ranks = table.ranks(len(weights))[in_set]
    tempo_hits = sum(nearest_by_tempo(s.bpm) == s.dance for s in songs if s.dance in DANCE_IDS)
    budgets = []
    for budget in sorted({rule.max_false_rejection, *rule.compare_budgets}):
        on_all, held_out, choices = leave_one_out(candidates, rule, budget)
        budgets.append({"max_false_rejection": budget, "shipped_rule": budget == rule.max_false_rejection,
                        "selected_on_all_songs": on_all, "leave_one_song_out": held_out, "choices": choices})
    fusion = FusionSettings(*weights[w])
    metrics = {
        "songs": {"in_set": int(in_set.sum()), "not_ballroom": int((~in_set).sum())},
        **figures(ranks, rejected),
        "window": window_figures(songs, fusion),
        "per_dance_recall": {d: round(float(confusion[i, i] / confusion[i].sum()), 4) if confusion[i].sum() else None
                             for i, d in enumerate(DANCE_IDS)},
        "confusion": {"rows_true_cols_predicted": list(DANCE_IDS), "matrix": confusion.tolist()},
        "cnn_alone": {"top1": proportion(int((cnn_ranks == 0).sum()), len(cnn_ranks)),
                      "top2": proportion(int((cnn_ranks < 2).sum()), len(cnn_ranks))},
        "tempo_rule": {"top1": proportion(int(tempo_hits), int(in_set.sum()))},
        "noise_sweep": noise_figures(songs, fusion),
        "by_weights": by_weights,
        "leave_one_song_out": budgets,
    }
    return {"fusion": fusion.to_dict(), "reject": reject.to_dict(), "metrics": metrics}
