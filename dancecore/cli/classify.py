"""`dancecore classify FILE_OR_DIR...`: rank the dances for recordings (table, JSON or CSV)."""
from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from pathlib import Path

from tqdm import tqdm

from dancecore.audio import DEFAULT_MAX_DURATION_S, DEFAULT_TIMEOUT_S
from dancecore.classify import Analysis, Classifier
from dancecore.dances import BY_ID, DANCE_IDS
from dancecore.errors import DancecoreError
from dancecore.model import load_model
from dancecore.segments import DEFAULT_STRIDE_FRAMES

MEDIA_SUFFIXES = {".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac", ".mp4", ".m4v",
                  ".webm", ".mkv", ".mov", ".wma", ".aif", ".aiff"}


DESCRIPTION = (
    "Rank the ten dances for audio or video files; folders are scanned recursively.")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare `dancecore classify`'s arguments on `p` and set its `run`."""
    p.add_argument("inputs", nargs="+", metavar="FILE_OR_DIR")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="one JSON object per file, one per line")
    out.add_argument("--csv", action="store_true", help="one CSV row per file")
    p.add_argument("--timeline", metavar="PNG", help="draw spectrogram and window probabilities over time "
                   "(several files: one PNG each, named PNG-stem_FILE-stem.png)")
    p.add_argument("--model", metavar="PATH", help="model file (default: the model shipped in the package)")
    p.add_argument("--stride", type=int, default=DEFAULT_STRIDE_FRAMES, metavar="FRAMES",
                   help=f"window stride in spectrogram frames (default {DEFAULT_STRIDE_FRAMES} = 4.6 s)")
    p.add_argument("--max-duration", type=float, default=DEFAULT_MAX_DURATION_S, metavar="S",
                   help=f"analyse at most the first S seconds (default {DEFAULT_MAX_DURATION_S:.0f})")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="S",
                   help=f"give up decoding a file after S seconds (default {DEFAULT_TIMEOUT_S:.0f})")
    p.add_argument("--threshold", type=float, metavar="P",
                   help="say 'not sure' below this top probability (default: the model's)")
    p.set_defaults(run=run)


def collect_inputs(inputs: list[str]) -> list[Path]:
    """Files given directly, plus media files found recursively in given folders (sorted)."""
    files: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in MEDIA_SUFFIXES)
        else:
            files.append(path)
    return files


def run(args: argparse.Namespace) -> int:
    if args.stride <= 0:
        raise DancecoreError(f"--stride must be a positive number of frames, got {args.stride}")
    files = collect_inputs(args.inputs)
    if not files:
        raise DancecoreError("no audio or video files found in the given folders")
    classifier = Classifier(load_model(args.model), stride_frames=args.stride, max_duration_s=args.max_duration,
                            timeout_s=args.timeout, min_top_probability=args.threshold)
    writer = csv.writer(sys.stdout) if args.csv else None
    if writer:
        writer.writerow(["path", "dance", "probability", "second", "second_probability", "not_sure", "bpm", "mpm",
                         "duration_s", *DANCE_IDS])
    failures, results = 0, []
    progress = tqdm(files, unit="file", disable=len(files) < 2, file=sys.stderr)
    for path in progress:
        try:
            analysis = classifier.analyse(path)
        except DancecoreError as exc:
            failures += 1
            tqdm.write(f"dancecore: error: {exc}", file=sys.stderr)
            continue
        if args.timeline:
            _timeline(args.timeline, path, analysis, classifier, several=len(files) > 1)
        with tqdm.external_write_mode(file=sys.stdout):  # the result on lines of its own, the bar redrawn below
            _print(analysis, args, writer)
        results.append(analysis.result)
    progress.close()
    if len(files) > 1:  # for people: on stderr when stdout is JSON or CSV
        print(summary(results, failures), file=sys.stderr if args.json or args.csv else sys.stdout)
    return 2 if failures else 0


def summary(results: list, failures: int) -> str:
    """"12 files: 10 classified, 2 failed; Jive 4, Rumba 3, ...; not sure 3"."""
    named = Counter(r.dance for r in results if not r.not_sure)
    per = [f"{BY_ID[d].name} {n}" for d, n in sorted(named.items(), key=lambda kv: (-kv[1], BY_ID[kv[0]].name))]
    unsure = sum(1 for r in results if r.not_sure)
    parts = [f"{len(results) + failures} files: {len(results)} classified, {failures} failed",
             *([", ".join(per)] if per else []), *([f"not sure {unsure}"] if unsure else [])]
    return "; ".join(parts)


def _print(analysis: Analysis, args: argparse.Namespace, writer: "csv._writer | None") -> None:
    result = analysis.result
    if args.json:
        print(json.dumps(result.to_dict()), flush=True)
    elif writer:
        (first, p1), (second, p2) = result.ranked[:2]
        writer.writerow([result.path, first, f"{p1:.4f}", second, f"{p2:.4f}", result.not_sure,
                         f"{result.tempo_bpm:.1f}", f"{result.tempo_mpm:.1f}", f"{result.duration_s:.1f}",
                         *(f"{result.probabilities[d]:.4f}" for d in DANCE_IDS)])
    else:
        print(format_table(result.to_dict()), flush=True)


def format_table(r: dict) -> str:
    """Readable block: the ranked dances with bars, tempo and the verdict."""
    minutes, seconds = divmod(int(round(r["duration_s"])), 60)
    lines = [f"{r['path']}  ({minutes}:{seconds:02d}{', first part only' if r['truncated'] else ''}; model {r['model']['name']})"]
    for dance_id, p in sorted(r["probabilities"].items(), key=lambda kv: kv[1], reverse=True):
        lines.append(f"  {BY_ID[dance_id].name:<15} {100 * p:5.1f}%  {'#' * int(round(30 * p))}")
    lines.append(f"  tempo {r['tempo']['bpm']:.0f} BPM = {r['tempo']['mpm']:.0f} bars/min")
    if r["not_sure"]:
        names = " or ".join(t["name"] for t in r["top2"])
        lines.append(f"  => not sure ({r['not_sure_reason']}); closest: {names}")
    else:
        lines.append(f"  => {r['dance_name']} ({r['style']}), {100 * r['confidence']:.0f}%")
    return "\n".join(lines)


def _timeline(target: str, path: Path, analysis: Analysis, classifier: Classifier, several: bool) -> None:
    from dancecore.plots import plot_timeline  # here: matplotlib takes ~0.45 s to import, only --timeline needs it

    out = Path(target)
    if several:
        out = out.with_name(f"{out.stem}_{path.stem}.png")
    features = classifier.model.features
    times = analysis.start_frames * features.hop_length / features.sr
    plot_timeline(out, times, analysis.window_probs, analysis.spectrogram, features.frame_rate,
                  title=f"{path.name}: {analysis.result.to_dict()['dance_name']}")
