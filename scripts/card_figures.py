"""What the model card's sections share: where its reports live, how figures are written, and the training runs
whose reports the card compares (docs/model/).
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
OUT = DOCS / "model"


def pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def report_cells(r: dict) -> str:
    """Table cells of a `dancecore evaluate` report: song top-1 | top-2 | window top-1 | rejected / wrongly rejected."""
    return (f"{pct(r['aggregated']['top1'])} | {pct(r['aggregated']['top2'])} | {pct(r['window']['top1'])} "
            f"| {pct(r['rejection']['out_of_set_rejected'])} / {pct(r['rejection']['in_set_false_rejection'])}")


def noise_cells(r: dict) -> str:
    """Song top-1 at each crowd-noise share of a `dancecore evaluate` report ('n/a' without a sweep)."""
    return " / ".join(pct(v) for v in r["noise_sweep"]["aggregated_top1"]) if r.get("noise_sweep") else "n/a"


def shipped_rule_left_out(selection: dict) -> dict:
    """The leave-one-song-out figures of a selection_bias.py report under the shipped threshold rule."""
    return next(rule for rule in selection["rules"] if rule["shipped_rule"])["leave_one_song_out"]


def candidate_row(name: str, report: dict, selection: dict, non_music: dict) -> str:
    """A candidate's table row: evaluate cells, leave-one-song-out figures (shipped rule), noise, non-music."""
    loso = shipped_rule_left_out(selection)
    return (f"| {name} | {report_cells(report)} | {pct(loso['top1']['share'])} / "
            f"{pct(loso['not_ballroom_rejected']['share'])} / {pct(loso['in_set_rejected']['share'])} "
            f"| {noise_cells(report)} | {pct(non_music['rejected'])} |")


def candidate_table(folder: Path, candidates: list[tuple[str, str]]) -> tuple[str, list[list[dict]]] | None:
    """Table rows of the shipped model and of (name, file prefix) candidates whose evaluate, selection_bias and
    non-music reports are `folder/{prefix}report.json` etc., with the loaded reports; None if one is missing."""
    names = ("report.json", "selection_bias.json", "non_music_test.json")
    files = [[OUT / "eval" / "report.json", OUT / "selection_bias.json", OUT / "non_music_test.json"]]
    files += [[folder / f"{prefix}{name}" for name in names] for _, prefix in candidates]
    if not all(path.exists() for group in files for path in group):
        return None
    reports = [[json.loads(path.read_text()) for path in group] for group in files]
    rows = "\n".join(candidate_row(name, *r) for name, r in zip(["shipped"] + [n for n, _ in candidates], reports))
    return rows, reports


def epoch_swing(log: Path) -> str:
    """Validation song accuracy per epoch from a copy of a `dancecore train` run's log.csv, with their mean."""
    if not log.exists():
        return "n/a"
    with log.open(newline="") as f:
        acc = [float(r["val_song_accuracy"]) for r in csv.DictReader(f) if r.get("val_song_accuracy")]
    return f"{', '.join(pct(a) for a in acc)} (mean {pct(sum(acc) / len(acc))})"


def last_epoch_accuracy(log: Path) -> float:
    """Validation song accuracy of the last epoch in a copy of a `dancecore train` run's log.csv."""
    with log.open(newline="") as f:
        return float(list(csv.DictReader(f))[-1]["val_song_accuracy"])


SPREAD = OUT / "seed_spread"
# (name, training log, evaluate report, selection_bias report) of each run; the first of each recipe is its seed-0 run.
INSTRUMENTAL_RUNS = [("instrumental, seed 0, first run (runs/cnn3)", OUT / "training" / "cnn3_log.csv",
                      SPREAD / "first_instrumental_report.json", SPREAD / "first_instrumental_selection_bias.json")]
INSTRUMENTAL_RUNS += [(f"instrumental, seed {s}", SPREAD / f"seed_{s}_log.csv", SPREAD / f"seed_{s}_report.json",
                       SPREAD / f"seed_{s}_selection_bias.json") for s in (1, 2, 3)]
INSTRUMENTAL_RERUN = ("instrumental, seed 0 re-run (not in the mean)", SPREAD / "seed_0_log.csv",
                      SPREAD / "seed_0_report.json", SPREAD / "seed_0_selection_bias.json")
SUNG_RUNS = [("sung lead, seed 0, first run (runs/cnn6_vocals)", OUT / "training" / "cnn6_log.csv",
              OUT / "tried_vocals" / "report.json", OUT / "tried_vocals" / "selection_bias.json")]
SUNG_RUNS += [(f"sung lead, seed {s}", SPREAD / f"vseed_{s}_log.csv", SPREAD / f"vseed_{s}_report.json",
               SPREAD / f"vseed_{s}_selection_bias.json") for s in (1, 2, 3)]
RECIPE_FIGURES = ("song top-1", "song top-2", "not_ballroom rejected", "mean song top-1 at crowd noise 0.2-0.8",
                  "leave-one-song-out top-1")


def run_figures(report: dict, selection: dict) -> tuple[float, ...]:
    """The figures recipes are compared on (RECIPE_FIGURES), as shares, from a run's two reports."""
    loso = shipped_rule_left_out(selection)
    noisy = report["noise_sweep"]["aggregated_top1"][1:]
    return (report["aggregated"]["top1"], report["aggregated"]["top2"],
            report["rejection"]["out_of_set_rejected"], sum(noisy) / len(noisy), loso["top1"]["share"])


def and_list(names: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


def recipe_mean(runs: list[tuple]) -> tuple[float, ...]:
    """Mean of each of RECIPE_FIGURES over loaded runs (name, log, report, selection)."""
    figures = [run_figures(report, selection) for _, _, report, selection in runs]
    return tuple(round(sum(column) / len(column), 4) for column in zip(*figures))


def load_run(run: tuple[str, Path, Path, Path]) -> tuple[str, Path, dict, dict]:
    """(name, training log, evaluate report, selection_bias report) with both reports read."""
    name, log, report, selection = run
    return name, log, json.loads(report.read_text()), json.loads(selection.read_text())
