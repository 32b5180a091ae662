"""Regenerate docs/MODEL.md and its figures: the shipped model measured on the validation songs,
with the rhythm branch's Extended Ballroom cross-validation, the SVM baseline and a tempo-only rule
as references. One command: python scripts/model_card.py  (about 15-30 minutes on 2 CPU cores).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from dancecore.audio import load_audio
from dancecore.dances import DANCE_IDS, nearest_by_tempo
from dancecore.features import log_mel
from dancecore.model import DEFAULT_MODEL_PATH, load_model
from dancecore.tempo import estimate_tempo

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("DANCECORE_DATA", REPO.parent / "shared" / "data"))
DOCS = REPO / "docs"
OUT = DOCS / "model"


def run(*args: str) -> None:
    """Run a dancecore command, failing loudly."""
    print("+ dancecore", " ".join(args), flush=True)
    subprocess.run([sys.executable, "-m", "dancecore", *args], check=True, cwd=REPO)


def tempo_rule(songs: list[dict[str, str]]) -> dict[str, float]:
    """Top-1 of 'nearest competition tempo' on the in-set songs, on the tracker's tempo."""
    hits = []
    for song in tqdm(songs, desc="tempo-only rule", unit="song"):
        audio = load_audio(DATA / "songs" / song["path"])
        hits.append(nearest_by_tempo(estimate_tempo(log_mel(audio.samples)).bpm) == song["dance"])
    return {"n": len(hits), "top1": float(np.mean(hits))}


def pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synth", default=str(REPO / "runs" / "synth_train.csv"),
                        help="manifest of the rendered training set (the baseline trains on a subset)")
    parser.add_argument("--alphas", default="0,0.2,0.4,0.6,0.8", help="noise sweep mixing ratios")
    parser.add_argument("--skip-noise", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="keep existing evaluation and baseline reports")
    parser.add_argument("--rhythm-cv", default=str(OUT / "rhythm_cv.json"),
                        help="cross-validation report of the shipped rhythm branch (scripts/train_rhythm.py)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    labels = DATA / "songs" / "labels.csv"
    with open(labels, newline="") as f:
        songs = list(csv.DictReader(f))
    in_set = [s for s in songs if s["dance"] in DANCE_IDS]

    noise = [] if args.skip_noise else ["--noise", "crowd", "--alphas", args.alphas]
    if not (args.reuse and (OUT / "eval" / "report.json").exists()):
        run("evaluate", "default", str(labels), "--out", str(OUT / "eval"), *noise)
    report = json.loads((OUT / "eval" / "report.json").read_text())

    subset = REPO / "runs" / "baseline_train.csv"
    with open(args.synth, newline="") as f:
        rows = list(csv.DictReader(f))
    base = Path(args.synth).parent
    picked = [r for d in DANCE_IDS for r in [r for r in rows if r["dance"] == d][:60]]
    with open(subset, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "dance", "group"])
        w.writerows([[str((base / r["path"]).resolve()), r["dance"], r["group"]] for r in picked])
    if not (args.reuse and (OUT / "baseline" / "report.json").exists()):
        run("baseline", str(subset), "--test", str(labels), "--out", str(OUT / "baseline"), "--workers", "2")
    baseline = json.loads((OUT / "baseline" / "report.json").read_text())

    tempo = tempo_rule(in_set)
    rhythm_cv = json.loads(Path(args.rhythm_cv).read_text())
    model = load_model()
    (OUT / "summary.json").write_text(json.dumps({"model": report["aggregated"], "window": report["window"],
                                                  "rejection": report["rejection"], "baseline": baseline["aggregated"],
                                                  "tempo_rule": tempo}, indent=1))
    finetune_report = OUT / "finetune_songs_cv.json"
    finetune = json.loads(finetune_report.read_text()) if finetune_report.exists() else None
    trial_report = OUT / "rhythm_extra_rows_trial.json"
    trial = json.loads(trial_report.read_text()) if trial_report.exists() else None
    full_report = OUT / "rhythm_cv_with_rendered_rows.json"
    full_cv = json.loads(full_report.read_text()) if full_report.exists() else None
    signals_report = OUT / "reject_signals.json"
    signals = json.loads(signals_report.read_text()) if signals_report.exists() else None
    write_card(model, report, baseline, tempo, rhythm_cv, finetune, trial, full_cv, signals)


def epoch_swing(log: Path) -> str:
    """Validation song accuracy per epoch from a copy of a `dancecore train` run's log.csv, with their mean."""
    if not log.exists():
        return "n/a"
    with log.open(newline="") as f:
        acc = [float(r["val_song_accuracy"]) for r in csv.DictReader(f) if r.get("val_song_accuracy")]
    return f"{', '.join(pct(a) for a in acc)} (mean {pct(sum(acc) / len(acc))})"


def full_cv_text(full: dict | None, shipped_cv: dict) -> str:
    """Sentences on the 5-fold run of the whole ensemble with rendered ballroom rows, if it was made."""
    if not full:
        return ""
    songs, td = full["songs_with_shipped_cnn"], full["ten_dance"]
    return f"""
For the rendered ballroom rows, the whole three-member ensemble was cross-validated with them as well
([report](model/rhythm_cv_with_rendered_rows.json), `{full['command']}`): Extended Ballroom top-1 {pct(td['top1'])}
(shipped: {pct(shipped_cv['ten_dance']['top1'])}; target 93%), paso doble recall {pct(td['recall']['paso_doble'])}
({pct(shipped_cv['ten_dance']['recall']['paso_doble'])}), "other" AUROC {full['reject']['auroc_p_other']:.3f}
({shipped_cv['reject']['auroc_p_other']:.3f}). Fused with the shipped CNN by the same selection rules: song top-1 / top-2
{pct(songs['top1_top2_mean_recall'][0])} / {pct(songs['top1_top2_mean_recall'][1])}, {pct(songs['rejection']['out_of_set_rejected'])} of
not_ballroom rejected at {pct(songs['rejection']['in_set_rejected'])} false rejection: no better than the shipped model on the
songs, and worse on real tracks."""


def rendered_rows_section(trial: dict, full: dict | None, shipped_cv: dict) -> str:
    """'Tried and not adopted' text for scripts/rhythm_extra_rows_trial.py and the 5-fold run with rendered rows."""
    rows = "\n".join(
        f"| {r['variant']} | {r['rendered_rows']} | {pct(r['eball_fold_top1'])} | {pct(r['eball_fold_paso_doble_recall'])} "
        f"| {r['eball_fold_other_auroc']:.3f} | {pct(r['songs_rhythm_top1'])} / {pct(r['songs_rhythm_top2'])} "
        f"| {pct(r['songs_fused_top1'])} / {pct(r['songs_fused_top2'])} | {r['songs_other_auroc']:.3f} "
        f"| {pct(r['not_ballroom_rejected_at_most_10pct_in_set'])} |" for r in trial["results"])
    return f"""
## Tried and not adopted: rendered clips, and rendered other social dances, as rhythm-branch training rows

The arranger also renders seven other social dances (bachata, merengue, cumbia, zouk/kizomba, salsa, west coast
swing, country two-step: `python scripts/render_synth.py --dances social`), meant as negatives for the rhythm
branch's "other dance" class; `scripts/synth_rhythm_features.py` turns rendered clips into rhythm-branch rows
(`python scripts/synth_rhythm_features.py runs/synth/manifest.csv --one-excerpt --out runs/synth_rhythm_1x.npz`, and
likewise `runs/synth_social` into `runs/social_rhythm_1x.npz`) and `scripts/train_rhythm.py --extra` adds them to the
training rows. `python scripts/rhythm_extra_rows_trial.py`
measured it, before the CNN was fine-tuned (the saved CNN windows are the first CNN's, `runs/cnn1`).
Protocol: {trial['protocol']}

| training rows | rendered rows | EBR fold top-1 | EBR paso doble recall | EBR other AUROC | songs rhythm top-1 / top-2 | songs fused top-1 / top-2 | songs other AUROC | not_ballroom rejected (<= 10% in-set) |
|---|---|---|---|---|---|---|---|---|
{rows}

The rendered social dances did not make the "other" output any better at telling the not_ballroom excerpts from
ballroom songs: they are not what those real songs sound like to the rhythm branch.{full_cv_text(full, shipped_cv)}
Not adopted; the shipped rhythm branch trains on real rows only.
"""


TRIED_AVERAGED = (  # (report file in docs/model/tried_ema_band/, what was tried)
    ("ema_only_report.json", "averaged weights (`runs/cnn4_ema`: the shipped CNN's run with `--ema-decay 0.998`, best epoch 7)"),
    ("ema_band_e8_report.json", "averaged weights + pop-band cha chas (`runs/cnn5_ema`, 8 epochs, last = best)"),
    ("ema_band_e16_report.json", "the same continued to 16 epochs (`--resume --epochs 16`, last epoch's average)"),
    ("soup_report.json", "uniform weight average of the three above's CNNs: shipped epoch 6, cnn4_ema epoch 7, cnn5_ema epoch 16 "
                         "(`scripts/average_models.py`)"),
)


AUTOCORRELATION_ONLY_TRIAL = """
## Tried and not adopted: rhythm members that read only the autocorrelations

The issue's own quick experiment (a 1D CNN on the Extended Ballroom autocorrelations alone) put 24 of the 29 songs
right; the shipped rhythm branch alone puts 22. The hypothesis, written down with its adoption rule before anything
was trained: members that see only the autocorrelations (linear and log-lag axes), not the onset curves themselves,
transfer better from studio ballroom to pop records. Exploratory code (a switch dropping the onset-curve branch of
`RhythmNet`; not kept): two such members, cross-validated like the shipped ones, alone and added to the three
shipped members. Extended Ballroom, artist-grouped 5-fold: the two alone 91.2% top-1 (paso doble recall 60.4%,
"other" AUROC 0.935), all five 92.9% (0.938; the shipped three: 93.0%, 0.936). Songs: the rhythm branch alone
22 of 29 either way; fused with the shipped CNN 82.8% / 93.1% either way, not_ballroom rejected 25.0% (shipped
33.3%, both by the thresholds' rule of the time). The rule asked for at least 93.0% on Extended Ballroom and no
song figure lower: not adopted.
"""


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


def vocals_section() -> str:
    """'Tried and not adopted' text for the CNNs trained with a sung lead, if they were evaluated."""
    table = candidate_table(OUT / "tried_vocals", [("sung lead in 60% of the clips", ""),
                                                   ("the same, trained with more noise mixed in", "more_noise_")])
    if table is None:
        return ""
    rows, reports = table
    recall = ", ".join(f"{d} {pct(v)}" for d, v in reports[1][0]["aggregated"]["per_dance_recall"].items())
    return f"""
## Tried and not adopted: a sung lead in the rendered training clips

Most of the validation songs are pop records with a loud singer; General MIDI has none, so the CNN never heard a
voice. The arranger can now sing the lead melody instead of playing it (`dancecore.data.synth.voice`: a formant
voice with a scoop into each note, delayed vibrato, breath and consonant bursts, mixed -6 to +3 dB against the
band; `render_synth.py --vocals P`, drawn from a random stream of its own, so `--vocals 0` renders exactly as
before). The candidate, written down with its rule before anything was rendered: the shipped CNN's recipe unchanged
(from `runs/cnn1`, 6 epochs, lr 2.5e-4, same augmentation and seed) on the same clip seeds rendered with the current
arranger and `--vocals 0.7` (60% of the clips sung), last epoch, assembled by the rules now in force:

```sh
python scripts/render_synth.py --out runs/synth_v --per-dance 257 --seed 1 --duration 30 --vocals 0.7
python scripts/render_synth.py --out runs/synth_cha_v --dances cha_cha_cha --per-dance 300 --seed 3 --vocals 0.7
python scripts/swap_rendered_clips.py --base runs/synth_v/manifest.csv --replace runs/synth_cha_v/manifest.csv \\
    --out runs/synth_train_v2_vocals.csv
dancecore train runs/synth_train_v2_vocals.csv --init runs/cnn1/best.pt --val ../shared/data/songs/labels.csv \\
    --out runs/cnn6_vocals --epochs 6 --batches-per-epoch 250 --lr 2.5e-4 --threads 1 --noise runs/train_noise \\
    --noise-mix 0 0.4 --noise-probability 0.3 --eq-db 6 --gain-db -6 6
python scripts/build_default_model.py --cnn runs/cnn6_vocals/best.pt --rhythm runs/rhythm_branch.pt \\
    --out runs/default_vocals.pt --save-scores runs/val_scores_vocals.npz
```

CNN alone per epoch: {epoch_swing(OUT / "training" / "cnn6_log.csv")} (epoch 6 = last = the candidate).
Reports in [model/tried_vocals/](model/tried_vocals/):

| model | song top-1 | song top-2 | window top-1 | not_ballroom rejected / in-set rejected | leave one song out: top-1 / not_ballroom / in-set rejected | song top-1 with crowd noise 0 / 0.2 / 0.4 / 0.6 / 0.8 | non-music "not sure" |
|---|---|---|---|---|---|---|---|
{rows}

Per dance with the sung lead: {recall}. It gets one song more right, and its fusion is far steadier when a song is
left out of the selection; but it rejects two not_ballroom excerpts fewer and loses songs under 40-60% crowd noise.
The rule asked for no lower rejection and no lower top-1 at crowd noise 0.2-0.6: not adopted. One more candidate,
with its rule (the same) written before training: the same data with more noise mixed in training
(`--noise-probability 0.5 --noise-mix 0 0.6`; its last epoch, taken from `last.pt`, as `best.pt` is epoch 2 by song
accuracy; CNN alone per epoch: {epoch_swing(OUT / "training" / "cnn7_log.csv")}). It did not get the noise
robustness back, rejects as few excerpts and called 4 of the 12 speech clips a slow waltz: not adopted either.
The sung lead stays in the arranger as a tool.
"""


VOCALS_MIX = [("soup: shipped CNN and sung-lead CNN averaged", "soup_"),
              ("both versions of every arrangement, shipped recipe", "union_"),
              ("shipped CNN continued on both versions", "continue_")]


def vocals_mix_section() -> str:
    """'Tried and not adopted' text for the three ways of adding the sung lead to the shipped CNN, if evaluated."""
    table = candidate_table(OUT / "tried_vocals_mix", VOCALS_MIX)
    if table is None:
        return ""
    rows, _ = table
    return f"""
## Tried and not adopted: three ways to add the sung lead to the shipped CNN

The sung-lead CNN above gets more clean songs right and the shipped CNN keeps more of them in crowd noise, so three
ways to have both were written down, with one rule, before any was built (the rule of the sung-lead candidates:
nothing lower than shipped among song top-1 and top-2, rejection, crowd noise 0.2-0.8 with one song of slack at
0.8, leave-one-song-out top-1, non-music; one figure better). Each was assembled like the shipped model:

```sh
# soup: the two networks' weights averaged (both fine-tuned from runs/cnn1)
python scripts/average_models.py runs/cnn3/best.pt runs/cnn6_vocals/best.pt --out runs/soup_v/best.pt
# both versions: the shipped recipe on the instrumental and the sung render of every arrangement
(cat runs/synth_train_v2.csv; tail -n +2 runs/synth_train_v2_vocals.csv) > runs/synth_train_union.csv
dancecore train runs/synth_train_union.csv --init runs/cnn1/best.pt --val ../shared/data/songs/labels.csv \\
    --out runs/cnn8_union --epochs 6 --batches-per-epoch 250 --lr 2.5e-4 --threads 1 --noise runs/train_noise \\
    --noise-mix 0 0.4 --noise-probability 0.3 --eq-db 6 --gain-db -6 6
# continued: the shipped CNN trained on for 3 more epochs on the same union at half the learning rate
dancecore train runs/synth_train_union.csv --init runs/cnn3/best.pt --val ../shared/data/songs/labels.csv \\
    --out runs/cnn9_continue --epochs 3 --batches-per-epoch 250 --lr 1.25e-4 --threads 1 --noise runs/train_noise \\
    --noise-mix 0 0.4 --noise-probability 0.3 --eq-db 6 --gain-db -6 6
```

Last epochs (taken from `last.pt`; CNN alone per epoch, both versions: {epoch_swing(OUT / "training" / "cnn8_log.csv")};
continued: {epoch_swing(OUT / "training" / "cnn9_log.csv")}). Reports in
[model/tried_vocals_mix/](model/tried_vocals_mix/):

| model | song top-1 | song top-2 | window top-1 | not_ballroom rejected / in-set rejected | leave one song out: top-1 / not_ballroom / in-set rejected | song top-1 with crowd noise 0 / 0.2 / 0.4 / 0.6 / 0.8 | non-music "not sure" |
|---|---|---|---|---|---|---|---|
{rows}

All three, like both sung-lead CNNs before them, get 25 of the 29 songs right where the shipped model gets 24, and
all five reject 5 of the 24 not_ballroom excerpts where the shipped model rejects 7; none keeps the shipped model's
songs at 40-60% crowd noise. Not adopted. Five models agreeing on one song more is still one song: the next section
measures how far a single training run moves on its own.
"""


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


def last_epoch_accuracy(log: Path) -> float:
    """Validation song accuracy of the last epoch in a copy of a `dancecore train` run's log.csv."""
    with log.open(newline="") as f:
        return float(list(csv.DictReader(f))[-1]["val_song_accuracy"])


def run_figures(report: dict, selection: dict) -> tuple[float, ...]:
    """The figures recipes are compared on (RECIPE_FIGURES), as shares, from a run's two reports."""
    loso = shipped_rule_left_out(selection)
    noisy = report["noise_sweep"]["aggregated_top1"][1:]
    return (report["aggregated"]["top1"], report["aggregated"]["top2"],
            report["rejection"]["out_of_set_rejected"], sum(noisy) / len(noisy), loso["top1"]["share"])


def seed_row(name: str, log: Path, report: dict, selection: dict) -> str:
    """A training run's table row: CNN alone (last epoch), fused song figures, leave one song out, crowd noise."""
    loso = shipped_rule_left_out(selection)
    return (f"| {name} | {pct(last_epoch_accuracy(log))} | {report_cells(report)} | {pct(loso['top1']['share'])} "
            f"| {noise_cells(report)} |")


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


def seed_spread_section() -> str:
    """The shipped recipe's spread over training seeds, and the instrumental and sung-lead recipes compared."""
    all_runs = INSTRUMENTAL_RUNS + [INSTRUMENTAL_RERUN] + SUNG_RUNS
    if not all(path.exists() for run in all_runs for path in run[1:]):
        return ""
    loaded = {run[0]: load_run(run) for run in all_runs}
    rows = "\n".join(seed_row(*loaded[run[0]]) for run in all_runs)
    instrumental = recipe_mean([loaded[run[0]] for run in INSTRUMENTAL_RUNS])
    sung = recipe_mean([loaded[run[0]] for run in SUNG_RUNS])
    means = "\n".join(f"| {name} | {' | '.join(pct(v) for v in values)} |"
                      for name, values in (("instrumental (shipped recipe)", instrumental), ("sung lead", sung)))
    reruns = [loaded[run[0]][2] for run in INSTRUMENTAL_RUNS[1:] + [INSTRUMENTAL_RERUN]]
    top1 = [r["aggregated"]["top1"] for r in reruns]
    noisy = [r["noise_sweep"]["aggregated_top1"][3] for r in reruns]
    rejected = [r["rejection"]["out_of_set_rejected"] for r in reruns]
    adopted = all(s >= i for s, i in zip(sung, instrumental)) and any(s > i for s, i in zip(sung, instrumental))
    worse = [name for name, s, i in zip(RECIPE_FIGURES, sung, instrumental) if s < i]
    better = [name for name, s, i in zip(RECIPE_FIGURES, sung, instrumental) if s > i]
    every_top1 = [loaded[run[0]][2]["aggregated"]["top1"] for run in all_runs]
    verdict = ("The sung-lead recipe is at least as good on every figure and better on one: adopted, and the shipped "
               "CNN is now its first run, as fixed in advance." if adopted else
               f"The sung-lead recipe is lower on {and_list(worse)} and higher only on {and_list(better) or 'nothing'}: "
               "not adopted. Its first run's extra song did not carry over to its other seeds, as the instrumental "
               f"first run's noise figures did not carry over to its re-runs. Single runs of either recipe span {pct(min(every_top1))}-{pct(max(every_top1))} song top-1 on "
               "these 29 songs, so a better recipe has to show itself in means over several seeds, as here.")
    return f"""
## How far one training run moves, and the two recipes compared over four seeds

Every candidate above was judged against one training run, so it matters how far a run moves by chance. A
measurement, written down before the runs: the shipped CNN's exact command (`dancecore train runs/synth_train_v2.csv
--init runs/cnn1/best.pt ...`, see "How it was made") with `--seed 0` again (the re-run does not reproduce the first
run's weights; its per-epoch figures differ), 1, 2 and 3; last epoch of each, assembled by the shipped rules. Across
the four re-runs song top-1 spans {pct(min(top1))}-{pct(max(top1))}, not_ballroom rejected
{pct(min(rejected))}-{pct(max(rejected))} and song top-1 at 60% crowd noise {pct(min(noisy))}-{pct(max(noisy))}: the
shipped run is at the top of its recipe's five runs in rejection and crowd noise, so a candidate judged against it
is judged against that recipe's best case.

So the recipes were compared instead, by a rule written down before the sung-lead recipe's extra runs: each recipe's
first run (seed 0) and seeds 1, 2, 3 (the sung-lead command of the section above with `--seed 1`, `2`, `3`), last
epochs; adopt the sung lead only if its mean is at least the instrumental mean on every figure below and higher on
one, and then ship its first run (fixed in advance, as the shipped CNN is its recipe's first run). Reports in
[model/seed_spread/](model/seed_spread/):

| run | CNN alone, song top-1 | song top-1 | song top-2 | window top-1 | not_ballroom rejected / in-set rejected | leave one song out: top-1 | song top-1 with crowd noise 0 / 0.2 / 0.4 / 0.6 / 0.8 |
|---|---|---|---|---|---|---|---|
{rows}

| recipe (mean of 4 runs) | {' | '.join(RECIPE_FIGURES)} |
|---|---|---|---|---|---|
{means}

{verdict}
"""


RECIPE_SOUPS = [("soup of the five instrumental runs", "instrumental5_"),
                ("soup of all nine runs, both recipes", "all9_"),
                ("soup of all nine runs, batch-norm statistics recomputed", "all9_bn_")]
# (name, report file in docs/model/tried_soups/) of the CNNs alone on the held-out rendered clips
RENDERED_HELD_OUT = [("shipped CNN (runs/cnn3)", "rendered_heldout_cnn3.json"),
                     ("five-run soup", "rendered_heldout_soup5.json"),
                     ("five-run soup, statistics recomputed", "rendered_heldout_soup5_bn.json"),
                     ("nine-run soup", "rendered_heldout_soup9.json"),
                     ("nine-run soup, statistics recomputed", "rendered_heldout_soup9_bn.json")]


def rendered_held_out_rows() -> str:
    """Table rows: window and clip top-1 of each CNN on the held-out rendered clips, clean and in crowd noise."""
    rows = []
    for name, file in RENDERED_HELD_OUT:
        sweep = json.loads((OUT / "tried_soups" / file).read_text())["noise_sweep"]
        rows.append(f"| {name} | {' / '.join(pct(v) for v in sweep['window_top1'])} "
                    f"| {' / '.join(pct(v) for v in sweep['aggregated_top1'])} |")
    return "\n".join(rows)


def recipe_soups_section() -> str:
    """'Tried and not adopted' text for the weight soups of whole recipes (session 8), if they were evaluated."""
    table = candidate_table(OUT / "tried_soups", RECIPE_SOUPS)
    if table is None or not all((OUT / "tried_soups" / file).exists() for _, file in RENDERED_HELD_OUT):
        return ""
    rows, reports = table
    shipped, *soups = (r[0] for r in reports)
    instrumental = [load_run(run) for run in INSTRUMENTAL_RUNS + [INSTRUMENTAL_RERUN]]
    nine = instrumental + [load_run(run) for run in SUNG_RUNS]
    ingredients = {"instrumental5_": instrumental, "all9_": nine, "all9_bn_": nine}
    versus = "\n".join(
        f"| {name} | {' | '.join(pct(v) for v in run_figures(report, selection))} |"
        for (name, _), (report, selection, _) in zip(RECIPE_SOUPS, reports[1:]))
    versus += "".join(f"\n| mean of its {len(runs)} runs | {' | '.join(pct(v) for v in recipe_mean(runs))} |"
                      for runs in (instrumental, nine))
    rejected = and_list([pct(s["rejection"]["out_of_set_rejected"]) for s in soups])
    return f"""
## Tried and not adopted: a soup of each recipe's runs

The runs above differ by luck, and all of them start from `runs/cnn1`, so the uniform average of their weights is
the obvious way to keep what they share and lose what each one happened to learn, at no cost at run time. Two soups
and one rule were written down before either was built ([model/preregistered_session8.md](model/preregistered_session8.md):
the rule of the sections above, against the shipped run; the second soup looked at only because the first failed),
and a third after both had failed, with its condition (below):

```sh
python scripts/average_models.py runs/cnn3/best.pt runs/seed_0/last_epoch.pt runs/seed_1/last_epoch.pt \\
    runs/seed_2/last_epoch.pt runs/seed_3/last_epoch.pt --out runs/soup5/best.pt
python scripts/average_models.py runs/cnn3/best.pt runs/seed_0/last_epoch.pt runs/seed_1/last_epoch.pt \\
    runs/seed_2/last_epoch.pt runs/seed_3/last_epoch.pt runs/cnn6_vocals/best.pt runs/vseed_1/last_epoch.pt \\
    runs/vseed_2/last_epoch.pt runs/vseed_3/last_epoch.pt --out runs/soup9/best.pt
python scripts/recompute_batchnorm.py runs/soup9/best.pt --train runs/synth_train_v2.csv \\
    --config runs/cnn3/config.yaml --out runs/soup9_bn/best.pt       # likewise soup5 -> soup5_bn
python scripts/build_default_model.py --cnn runs/soup5/best.pt --rhythm runs/rhythm_branch_cb.pt \\
    --out runs/default_soup5.pt --save-scores runs/val_scores_soup5.npz   # likewise soup9, soup9_bn
```

Reports in [model/tried_soups/](model/tried_soups/):

| model | song top-1 | song top-2 | window top-1 | not_ballroom rejected / in-set rejected | leave one song out: top-1 / not_ballroom / in-set rejected | song top-1 with crowd noise 0 / 0.2 / 0.4 / 0.6 / 0.8 | non-music "not sure" |
|---|---|---|---|---|---|---|---|
{rows}

Against the mean of the runs each soup averages:

| model | {' | '.join(RECIPE_FIGURES)} |
|---|---|---|---|---|---|
{versus}

The first two soups get at least their average run's clean songs, and more when a song is left out of the
selection, but hold fewer songs in crowd noise than their runs do on average. A soup averages its runs' batch-norm
statistics, which are not those of the averaged network's own activations, so before the third look this was
measured on rendered clips only: 20 clips per dance that no training set used (same arrangement seed in none of
them; `python scripts/held_out_rendered.py runs/synth/manifest.csv --prefix synth/ --exclude runs/synth_train.csv
runs/synth_train_v2.csv runs/synth_train_v2_vocals.csv runs/synth_train_union.csv --per-dance 20`,
[list](model/tried_soups/rendered_heldout_clips.csv)), each CNN alone, `dancecore evaluate ... --noise crowd
--alphas 0,0.4,0.6`; statistics recomputed by `scripts/recompute_batchnorm.py` (torch's `update_bn` over 200
augmented training batches of the shipped recipe):

| CNN alone, 200 held-out rendered clips | window top-1 at crowd noise 0 / 0.4 / 0.6 | clip top-1 at crowd noise 0 / 0.4 / 0.6 |
|---|---|---|
{rendered_held_out_rows()}

On rendered audio the recomputed statistics gave the soups back their windows in noise, which met the written
condition for one look at the songs with the nine-run soup. On the real songs they did not: the third soup still
rejects fewer excerpts and holds fewer noisy songs than the shipped run. All three reject {rejected} of the
not_ballroom excerpts against the shipped run's {pct(shipped['rejection']['out_of_set_rejected'])}: not adopted.
"""


def averaged_weights_section(shipped: dict) -> str:
    """'Tried and not adopted' text for the CNNs with averaged weights, if they were evaluated."""
    reports = [(name, OUT / "tried_ema_band" / file) for file, name in TRIED_AVERAGED]
    if not all(path.exists() for _, path in reports):
        return ""

    def row(name: str, r: dict) -> str:
        return f"| {name} | {report_cells(r)} | {noise_cells(r)} |"

    shipped_name = "shipped"
    selection = OUT / "selection_bias.json"
    if selection.exists():
        budget10 = [r for r in json.loads(selection.read_text())["rules"] if not r["shipped_rule"]]
        if budget10:
            old_rule = budget10[0]["selected_on_all_songs"]
            shipped_name = ("shipped (thresholds picked with no in-set song rejected; picked like the others, with up to "
                            f"{pct(budget10[0]['max_false_rejection'])}: {pct(old_rule['not_ballroom_rejected']['share'])} / "
                            f"{pct(old_rule['in_set_rejected']['share'])})")
    rows = "\n".join([row(shipped_name, shipped)] + [row(name, json.loads(path.read_text())) for name, path in reports])
    return f"""
## Tried and not adopted: CNNs with averaged weights, and pop-band cha chas

The arranger gained a third cha cha style, a pop band (guitars, electric bass, organ, horn section: funk, disco
and country-pop records danced as cha cha; before, only the paso doble had brass), and `dancecore train` a moving
average of the weights (`--ema-decay`). `python scripts/render_synth.py --out runs/synth_cha4 --dances cha_cha_cha
--per-dance 300 --seed 4 --duration 30`, swapped in for the cha chas (`scripts/swap_rendered_clips.py --base
runs/synth_train_v2.csv --replace runs/synth_cha4/manifest.csv --out runs/synth_train_v3.csv`), then the first CNN
fine-tuned on it like the shipped one with `--epochs 8 --ema-decay 0.998` (CNN alone per epoch, 1-16:
{epoch_swing(OUT / "training" / "cnn5_log.csv")}). Each was assembled by the rules of the time (the same as the shipped
model's, but thresholds picked with up to 10% of in-set songs rejected; reports in
[model/tried_ema_band/](model/tried_ema_band/)):

| model | song top-1 | song top-2 | window top-1 | not_ballroom rejected / in-set rejected | song top-1 with crowd noise 0 / 0.2 / 0.4 / 0.6 / 0.8 |
|---|---|---|---|---|---|
{rows}

Averaged weights give the shipped figures or one song more on clean audio, but fewer songs right from 40% crowd
noise on, and they reject fewer not_ballroom excerpts. The rule set before the 8-epoch run (song top-1 and top-2
not lower, at most two fewer excerpts rejected) would have shipped it; it left out noise, and dancecore is used
live at socials, in noise. The rule set before the 16-epoch run added crowd noise 0.2 and 0.4 (song top-1 not
lower) and at most one fewer excerpt rejected: it failed at 0.4. Not adopted; the arranger's pop-band style and
`--ema-decay` stay as tools.

Last, a "model soup" (Wortsman et al. 2022): networks fine-tuned from the same weights can be averaged into one
that costs nothing more to run. `python scripts/average_models.py runs/cnn3/best.pt runs/cnn4_ema/best.pt
runs/cnn5_ema_e16.pt --out runs/soup3/best.pt`, assembled by the same rules. Its rule, written before it was
evaluated (and the only candidate looked at): everything the 16-epoch rule asked, plus at least 72.4% at crowd noise
0.6 and at most one song fewer at 0.8. On clean songs it equals the best of them (cha cha 3 of 5, slow waltz 4 of 5,
tango 1 of 2, every other song right); from crowd noise 0.4 on it falls behind the shipped model, and it rejects
two excerpts fewer: not adopted.
"""


def non_music_section(model) -> str:
    """"Not sure" on rendered non-music (scripts/eval_non_music.py), if it was measured."""
    dev_path, test_path = OUT / "non_music_dev.json", OUT / "non_music_test.json"
    if not (dev_path.exists() and test_path.exists()):
        return ""
    dev, test = json.loads(dev_path.read_text()), json.loads(test_path.read_text())
    kinds = ", ".join(f"{kind} {pct(share)}" for kind, share in test["by_kind"].items())
    return f"""
## Non-music

`python scripts/render_non_music.py --out runs/non_music_test --per-kind 12 --seed 2` renders 60 clips of 30 s
that are not music: a talker (espeak-ng, dry or reverberant), babble, crowd (babble, applause, footsteps),
steady noise (white, pink, brown, low-passed, swelling) and tones (sine sweeps, mains hum).
`python scripts/eval_non_music.py runs/non_music_test/manifest.csv --out docs/model/non_music_test.json`:
**{pct(test['rejected'])}** answered "not sure" ({kinds}; [report](model/non_music_test.json)). The beat-clarity threshold
({model.reject.min_beat_clarity:.2f}) was chosen on another 40 clips (`--seed 1`, {pct(dev['rejected'])} rejected,
[report](model/non_music_dev.json)): the smallest value that rejects all of them while rejecting no validation
song and none of 300 rendered ballroom clips; at 0.05 the network called steady noise and hum a slow waltz
(0.5-0.7) and 13 of these 60 clips got a dance.
"""


def budget_name(share: float) -> str:
    """'none' or 'up to X%' for a false-rejection budget."""
    return "none" if share == 0 else f"up to {pct(share)}"


def selection_section() -> str:
    """Leave-one-song-out re-selection of fusion and thresholds (scripts/selection_bias.py), if it was measured."""
    path = OUT / "selection_bias.json"
    if not path.exists():
        return ""
    report = json.loads(path.read_text())
    names = {"top1": "song top-1", "top2": "song top-2", "not_ballroom_rejected": "not_ballroom rejected",
             "in_set_rejected": "in-set songs rejected"}

    def cell(v: dict) -> str:
        return f"{v['hits']}/{v['n']} = {pct(v['share'])} ({pct(v['ci95'][0])}-{pct(v['ci95'][1])})"

    rows = "\n".join(
        f"| {'**shipped**: ' if rule['shipped_rule'] else ''}{budget_name(rule['max_false_rejection'])} | {name} | "
        f"{cell(rule['selected_on_all_songs'][k])} | {cell(rule['leave_one_song_out'][k])} |"
        for rule in report["rules"] for k, name in names.items())
    budget_text = "; ".join(
        f"picked with {budget_name(r['max_false_rejection'])} of the in-set songs rejected, they reject "
        f"{pct(r['leave_one_song_out']['in_set_rejected']['share'])} of in-set songs and "
        f"{pct(r['leave_one_song_out']['not_ballroom_rejected']['share'])} of not_ballroom excerpts" for r in report["rules"])
    return f"""
## How much of these figures is selection on the same songs

`python scripts/selection_bias.py --scores runs/val_scores.npz` ([report](model/selection_bias.json)) repeats
the choice of the fusion exponents and the "not sure" thresholds leaving one song out: each song is classified
with the exponents and thresholds the same rules pick on the other 52 songs. In brackets: 95% Wilson intervals;
with 29 songs one song is 3.4 points, so figures a few points apart are not distinguishable.

| thresholds may reject of the in-set songs they are chosen on | figure | selected on all songs | leave one song out |
|---|---|---|---|
{rows}

The gap is the optimism of that selection. On the songs left out: {budget_text}.
The shipped rule is the one that rejects fewer unseen in-set songs.
Not covered: the CNN's starting epoch was also picked on these songs.{training_luck_text()}
"""


def training_luck_text() -> str:
    """A sentence on how the shipped recipe's figures move with the training seed, if that was measured."""
    runs = INSTRUMENTAL_RUNS + [INSTRUMENTAL_RERUN]
    if not all(path.exists() for run in runs for path in run[2:]):
        return ""
    reports = [json.loads(run[2].read_text()) for run in runs]
    top1 = [r["aggregated"]["top1"] for r in reports]
    rejected = [r["rejection"]["out_of_set_rejected"] for r in reports]
    mean = recipe_mean([load_run(run) for run in INSTRUMENTAL_RUNS])
    return (f"\nNor is the luck of the training run: five runs of the shipped recipe (the shipped one, a re-run of its "
            f"seed and seeds 1-3) get {pct(min(top1))}-{pct(max(top1))} song top-1 and reject {pct(min(rejected))}-"
            f"{pct(max(rejected))} of not_ballroom excerpts; the mean of its runs with seeds 0-3 is {pct(mean[0])} "
            f"and {pct(mean[2])} (see \"How far one training run moves\").")


def reject_section(signals: dict | None) -> str:
    """What each song-level signal could reject (scripts/reject_signals.py), if it was measured."""
    if not signals:
        return ""
    rows = "\n".join(f"| {s['signal']} | {s['auroc']:.3f} | {pct(s['rejected_at_10pct'])} |" for s in signals["signals"])
    best_loo = max(signals["loo_detectors"], key=lambda d: d["auroc"])
    return f"""
## How far "not sure" can go with what the model sees

`python scripts/reject_signals.py` ([report](model/reject_signals.json)) ranks every song-level signal of the
shipped model by how well it separates the {signals['n_out_of_set']} not_ballroom excerpts from the {signals['n_in_set']} in-set songs
(AUROC), with the most not_ballroom excerpts one threshold on it rejects while rejecting at most 10% of in-set
songs (thresholds picked on these same songs, so optimistic):

| signal (higher = another dance) | AUROC | not_ballroom rejected |
|---|---|---|
{rows}

A detector trained on the songs themselves (logistic regression on the song's mean probabilities,
leave-one-song-out) does no better: best AUROC {best_loo['auroc']:.3f} ({best_loo['features']}, C={best_loo['C']}).
Rejecting 60% at <= 10% false rejection needs a signal near AUROC 0.9; none of these reaches 0.7. Many of
the excerpts are music that ballroom dancers dance to (east coast swing and jitterbug records are jive music,
hustle is danced as cha cha, nightclub two-step as rumba), and rendered other social dances did not teach
the rhythm branch what the real ones sound like (see "Tried and not adopted" below).
"""


def domain_gap_text() -> str:
    """Limits text: the shipped CNN alone on held-out rendered clips against the real validation songs."""
    rendered = OUT / "tried_soups" / "rendered_heldout_cnn3.json"
    if not rendered.exists():
        return ""
    clips = json.loads(rendered.read_text())["aggregated"]
    real = [last_epoch_accuracy(run[1]) for run in INSTRUMENTAL_RUNS + [INSTRUMENTAL_RERUN] if run[1].exists()]
    return (f"\n  The gap, measured: the shipped CNN alone gets {pct(clips['top1'])} of {clips['n']} held-out rendered "
            f"clips right (arrangements no training set used) and {pct(real[0])} of the 29 real songs (the runs of "
            f"its recipe: {pct(min(real))}-{pct(max(real))}). It has learned "
            "what the arranger renders; what it lacks is real recordings to learn from, which this machine does not have.")


def write_card(model, report: dict, baseline: dict, tempo: dict, rhythm_cv: dict, finetune: dict | None,
               trial: dict | None, full_cv: dict | None, signals: dict | None) -> None:
    agg, win, rej = report["aggregated"], report["window"], report["rejection"]
    prov = model.provenance
    recall = "\n".join(f"| {d} | {pct(agg['per_dance_recall'][d])} |" for d in DANCE_IDS)
    sweep = ""
    if report.get("noise_sweep"):
        s = report["noise_sweep"]
        sweep = ("\n## Robustness to crowd noise\n\n![noise sweep](model/eval/noise_sweep.png)\n\n"
                 "| a (noise share) | " + " | ".join(f"{a:.2f}" for a in s["alphas"]) + " |\n|---|"
                 + "---|" * len(s["alphas"]) + "\n| song top-1 | "
                 + " | ".join(pct(v) for v in s["aggregated_top1"]) + " |\n\n"
                 "x = (1 - a) * song + a * noise, both peak-normalised (thesis §4.7), with the crowd noise shipped in "
                 "`dancecore/assets/crowd_noise.ogg` (not used in training; training mixed other noise: "
                 "`scripts/make_training_noise.sh`).\n")
    rcv = rhythm_cv
    tried = ""
    if finetune:
        ft, init = finetune["fine_tuned_out_of_fold"], finetune["init"]
        tried = f"""
## Tried and not adopted: fine-tuning the CNN on the real songs

`python scripts/finetune_songs_cv.py` fine-tunes the CNN (`dancecore train --init`, `configs/finetune_songs.yaml`:
lr 1e-4, 2 epochs of 250 batches, {finetune['synth_per_dance']} rendered clips per dance kept in the mix) on the
in-set songs under artist-grouped 5-fold cross-validation (each song scored by the model of the fold that
held it out). CNN alone, song level: top-1 {pct(init['top1'])} -> {pct(ft['top1'])}, top-2 {pct(init['top2'])} ->
{pct(ft['top2'])} ([report](model/finetune_songs_cv.json)). Two or three songs per dance do not teach the
CNN more than they make it forget; the shipped CNN is trained on rendered audio only.
"""
    if trial:
        tried += rendered_rows_section(trial, full_cv, rhythm_cv)
    tried += averaged_weights_section(report) + AUTOCORRELATION_ONLY_TRIAL + vocals_section() + vocals_mix_section() + seed_spread_section()
    tried += recipe_soups_section()
    cnn_alone = prov["assembled"]["validation_top1_top2_recall_by_weights"]["cnn 1.0, rhythm 0.0"]
    text = f"""# Model card: `dancecore-default`

The model that ships in `dancecore/models/default.pt` ({DEFAULT_MODEL_PATH.stat().st_size / 1e6:.1f} MB),
used by `dancecore classify`, `dancecore live`, the Discord bot and the web page.
Regenerate this page with `python scripts/model_card.py`.

## What it is

Two experts fused per 5.2 s window as a weighted product of probabilities
(`dancecore/fusion.py`), then averaged over the recording (thesis aggregation):

1. **Spectrogram CNN** (`dancenet`, {sum(p.numel() for p in model.network.parameters()) / 1e3:.0f} k parameters): log-mel 224 bands x 224 frames,
   trained with `dancecore train` on **rendered audio only**: {prov.get('dataset', {}).get('n_items', 'about 2,600')} clips of 30 s made by
   the ballroom arranger (`dancecore.data.synth`: per-dance rhythm sections and 24 styles from
   traditional ballroom bands to pop/country/reggaeton/electro variants at the dance's tempo, rendered
   with FluidSynth through 4 General MIDI SoundFonts, random EQ, reverb, compression, noise), with noise
   mixing (thesis §4.7), EQ and gain augmentation. It is the first CNN (`runs/cnn1`, 25 epochs from scratch) fine-tuned
   for 6 epochs (lr 2.5e-4) on the same set with its cha cha clips re-rendered after the cha cha kits gained
   four-on-the-floor grooves: real pop cha chas mostly have a kick on every beat, in the first render only paso doble
   had one, and the first CNN called nearly all real 120 BPM pop "paso doble".
2. **Rhythm branch** (`dancecore/rhythm`): the Extended Ballroom onset/autocorrelation features
   (recipe reproduced in numpy/scipy/pywavelets, checked on `eball-check/`) of the 11.9 s ending with each window,
   classified by an ensemble of {len(model.rhythm['branch']['models'])} small 1D CNNs (onset curves, their autocorrelation on a linear and a
   log-lag axis, optionally the band cross-correlation; tempo-preserving augmentation of the onset curves)
   trained on all 4180 **real** Extended Ballroom tracks (ten dances plus "other" = Salsa and West Coast
   Swing). The annotated tempo is a training target only.

The fusion exponents and the "not sure" thresholds were chosen on the validation songs (see below) by the rules in
`scripts/build_default_model.py` (exponents: best song top-1, then top-2, then mean per-dance recall;
thresholds: most not_ballroom rejected with no in-set song rejected, see "How much of these figures is selection"):
CNN exponent {model.rhythm['fusion']['cnn_weight']}, rhythm exponent {model.rhythm['fusion']['rhythm_weight']},
not sure when top probability < {model.reject.min_top_probability}, the rhythm branch's mean "other dance"
probability > {model.reject.max_other_probability}, or beat clarity < {model.reject.min_beat_clarity}.

Training commands:

```sh
python scripts/render_synth.py --out runs/synth --per-dance 300 --seed 1 --duration 30 --workers 2
# runs/synth_train.csv: the first 257 clips of each dance of runs/synth/manifest.csv (paths prefixed synth/);
# the first CNN started training while the render was still running
scripts/make_training_noise.sh runs/train_noise
dancecore train runs/synth_train.csv --val ../shared/data/songs/labels.csv --out runs/cnn1 --epochs 25 \\
    --batches-per-epoch 250 --threads 1 --noise runs/train_noise --noise-mix 0 0.4 --noise-probability 0.3 \\
    --eq-db 6 --gain-db -6 6
python scripts/render_synth.py --out runs/synth_cha --dances cha_cha_cha --per-dance 300 --seed 3 --duration 30
python scripts/swap_rendered_clips.py --base runs/synth_train.csv --replace runs/synth_cha/manifest.csv \\
    --out runs/synth_train_v2.csv
dancecore train runs/synth_train_v2.csv --init runs/cnn1/best.pt --val ../shared/data/songs/labels.csv \\
    --out runs/cnn3 --epochs 6 --batches-per-epoch 250 --lr 2.5e-4 --threads 1 --noise runs/train_noise \\
    --noise-mix 0 0.4 --noise-probability 0.3 --eq-db 6 --gain-db -6 6
python scripts/train_rhythm.py --model-out runs/rhythm_branch.pt --report-out docs/model/rhythm_cv.json
python scripts/build_default_model.py --cnn runs/cnn3/best.pt --rhythm runs/rhythm_branch.pt \\
    --save-scores runs/val_scores.npz
python scripts/reject_signals.py --scores runs/val_scores.npz
python scripts/selection_bias.py --scores runs/val_scores.npz
```

How much of the CNN's song accuracy is the epoch picked on these songs: song top-1 of the CNN alone after each
epoch, first CNN (epochs 1-13 of 25; the run was stopped there, epoch 2 was its best): {epoch_swing(OUT / "training" / "cnn1_log.csv")};
the shipped fine-tuned CNN (`runs/cnn3`, epochs 1-6; epoch 6 shipped): {epoch_swing(OUT / "training" / "cnn3_log.csv")};
the same run with a moving average of the weights (`runs/cnn4_ema`, same data, seed and learning rate,
`--ema-decay 0.998`): {epoch_swing(OUT / "training" / "cnn4_log.csv")}. The average swings far less from epoch to epoch:
the shipped CNN's 79% alone is a lucky epoch, its level is nearer 65-69% (copies of the runs' log.csv in
`docs/model/training/`). Fused with the rhythm branch the songs are far less sensitive to it (below).

## Figures

**Protocol.** Test songs: the {agg['n']} in-set songs and {rej['n_out_of_set'] if rej else 0} `not_ballroom` excerpts of
`../shared/data/songs` (mostly pop songs a dance teacher chose; like the thesis's StarDance set).
None of them was trained on. They *were* used for model selection: the CNN's best epoch (by song accuracy),
the fusion weight and the reject thresholds. The figures below are therefore optimistic (the part due to the
fusion weight and thresholds is measured below); a larger held-back set of the same source checks them independently.
Windows: 224 frames, stride 200; song = mean of window probabilities.

| system | song top-1 | song top-2 | window top-1 | window top-2 |
|---|---|---|---|---|
| **dancecore-default** (CNN + rhythm) | **{pct(agg['top1'])}** | **{pct(agg['top2'])}** | {pct(win['top1'] if win else None)} | {pct(win['top2'] if win else None)} |
| CNN alone (same songs; from the fusion-weight selection) | {pct(cnn_alone[0])} | {pct(cnn_alone[1])} | - | - |
| SVM baseline (thesis §4.3, 72 features, trained on 600 rendered clips) | {pct(baseline['aggregated']['top1'])} | {pct(baseline['aggregated']['top2'])} | - | - |
| tempo-only rule (nearest competition tempo of the tracked BPM) | {pct(tempo['top1'])} | - | - | - |

"Not sure": {pct(rej['out_of_set_rejected'] if rej else None)} of the `not_ballroom` excerpts are rejected,
{pct(rej['in_set_false_rejection'] if rej else None)} of the in-set songs are wrongly rejected.

Per-dance recall (songs): 

| dance | recall |
|---|---|
{recall}

![confusion, songs](model/eval/confusion_aggregated.png)
![confusion, windows](model/eval/confusion_window.png)

**Rhythm branch on Extended Ballroom**: top-1 {pct(rcv['ten_dance']['top1'])}, top-2
{pct(rcv['ten_dance']['top2'])} on the ten dances ({rcv['ten_dance']['n_rows']} tracks); AUROC of its "other" output for
Salsa/West Coast Swing against the ten dances {rcv['reject']['auroc_p_other']:.3f}. Protocol: {rcv['protocol']}
{selection_section()}{sweep}{reject_section(signals)}{non_music_section(model)}
## Against the targets (issue 4)

| target | measured | met |
|---|---|---|
| song top-1 >= 90% on the in-set songs | {pct(agg['top1'])} | {'yes' if agg['top1'] >= 0.9 else 'no'} |
| song top-2 >= 97% | {pct(agg['top2'])} | {'yes' if agg['top2'] >= 0.97 else 'no'} |
| every dance recognised at least once | {sum(1 for d in DANCE_IDS if (agg['per_dance_recall'][d] or 0) > 0)} of 10 | {'yes' if all((agg['per_dance_recall'][d] or 0) > 0 for d in DANCE_IDS) else 'no'} |
| >= 60% of not_ballroom rejected, <= 10% in-set rejected | {pct(rej['out_of_set_rejected'] if rej else None)} / {pct(rej['in_set_false_rejection'] if rej else None)} | {'yes' if rej and rej['out_of_set_rejected'] >= 0.6 and rej['in_set_false_rejection'] <= 0.1 else 'no'} |
| rhythm branch >= 93% on Extended Ballroom (artist-grouped 5-fold) | {pct(rcv['ten_dance']['top1'])} | {'yes' if rcv['ten_dance']['top1'] >= 0.93 else 'no'} |
| clearly above the tempo-only rule and the SVM baseline | {pct(agg['top1'])} vs {pct(tempo['top1'])} and {pct(baseline['aggregated']['top1'])} | {'yes' if agg['top1'] >= max(tempo['top1'], baseline['aggregated']['top1']) + 0.2 else 'no'} |
{tried}

## Limits

- The CNN never heard a real recording in training; timbre of real records differs from General MIDI.{domain_gap_text()}
- Tempo is the strongest cue: songs far outside the competition tempo of their dance are hard.
- "Not sure" trades recall of other dances against wrongly rejected ballroom songs; `--threshold` moves it.
"""
    (DOCS / "MODEL.md").write_text(text)
    print(f"wrote {DOCS / 'MODEL.md'}")


if __name__ == "__main__":
    main()
