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

from card_figures import (DOCS, INSTRUMENTAL_RERUN, INSTRUMENTAL_RUNS, OUT, REPO, epoch_swing, last_epoch_accuracy,
                          load_run, pct, recipe_mean)
from card_tried import tried_sections

DATA = Path(os.environ.get("DANCECORE_DATA", REPO.parent / "shared" / "data"))


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
    tried = tried_sections(report, finetune, trial, full_cv, rhythm_cv)
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
