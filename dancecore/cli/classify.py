"""`dancecore classify FILE_OR_DIR...`: rank the dances for recordings (table, JSON or CSV); with `--sections`, the
songs of each recording one by one (table, JSON, CSV cue list, CUE sheet)."""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from dancecore import wording
from dancecore.audio import DEFAULT_TIMEOUT_S, MAX_ANALYSED_S, MAX_SET_S, TARGET_SR, Audio, decode_ahead, load_audio
from dancecore.classify import Analysis, Classifier
from dancecore.dances import BY_ID, DANCE_IDS
from dancecore.errors import DancecoreError
from dancecore.segments import DEFAULT_STRIDE_FRAMES

if TYPE_CHECKING:
    from dancecore.sections import Section

MEDIA_SUFFIXES = {".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac", ".mp4", ".m4v",
                  ".webm", ".mkv", ".mov", ".wma", ".aif", ".aiff"}
STDIN = "-"            # the input that means "audio on standard input"
STDIN_NAME = "stdin"   # how that input is named in the answers
CSV_COLUMNS = ["path", "dance", "probability", "second", "second_probability", "not_sure", "not_sure_reason",
               "also_fits", "bpm", "mpm", "dj_bpm", "meter", "duration_s", "source_duration_s", "truncated",
               "incomplete", "error", *DANCE_IDS]
SECTION_COLUMNS = ["section", "start", "end", "start_s", "end_s"]   # before CSV_COLUMNS in a --sections row


DESCRIPTION = (
    "Rank the ten dances for audio or video files; folders are scanned recursively; - reads one recording "
    "from standard input.")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare `dancecore classify`'s arguments on `p` and set its `run`."""
    p.add_argument("inputs", nargs="+", metavar="FILE_OR_DIR", help="audio or video files, folders, or - for "
                   "a recording on standard input (dancecore classify - < song.mp3)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="one JSON object per file, one per line")
    out.add_argument("--csv", action="store_true", help="one CSV row per file (a failed file: its error)")
    p.add_argument("--timeline", metavar="PNG", help="draw spectrogram and window probabilities over time "
                   "(several files: one PNG each, named PNG-stem_FILE-stem.png)")
    p.add_argument("--model", metavar="PATH", help="model file (default: the model shipped in the package)")
    p.add_argument("--stride", type=int, default=DEFAULT_STRIDE_FRAMES, metavar="FRAMES",
                   help=f"window stride in spectrogram frames (default {DEFAULT_STRIDE_FRAMES} = 4.6 s)")
    p.add_argument("--sections", action="store_true",
                   help="split each recording (a DJ set, a social) into its songs by silences and confident "
                   "changes of dance, as dancecore live does, and classify each song on its own: one row per song")
    p.add_argument("--cue", metavar="FILE.cue", help="write the songs of one recording as a CUE sheet (implies "
                   "--sections)")
    p.add_argument("--max-duration", type=float, default=MAX_ANALYSED_S, metavar="S", action=GivenAction,
                   help=f"analyse at most the first S seconds (default {MAX_ANALYSED_S:.0f}, as the web page "
                   f"and the bot; with --sections {MAX_SET_S:.0f})")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="S",
                   help=f"give up decoding a file after S seconds (default {DEFAULT_TIMEOUT_S:.0f})")
    p.add_argument("--threshold", type=float, metavar="P",
                   help="say 'not sure' below this top probability (default: the model's)")
    p.set_defaults(run=run)


class GivenAction(argparse.Action):
    """Stores the option's value and notes that it was given (`<dest>_given`), so a default can depend on others."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        setattr(namespace, self.dest, values)
        setattr(namespace, f"{self.dest}_given", True)


def collect_inputs(inputs: list[str]) -> list[Path]:
    """Files given directly (and - for standard input), plus media files found recursively in given folders
    (sorted)."""
    files: list[Path] = []
    for item in inputs:
        path = Path(item)
        if item != STDIN and path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in MEDIA_SUFFIXES)
        else:
            files.append(path)
    return files


def run(args: argparse.Namespace) -> int:
    args.sections = args.sections or bool(args.cue)
    if args.sections and not getattr(args, "max_duration_given", False):
        args.max_duration = MAX_SET_S
    if args.stride <= 0:
        raise DancecoreError(f"--stride must be a positive number of frames, got {args.stride}")
    if args.max_duration <= 0:
        raise DancecoreError(f"--max-duration must be a positive number of seconds, got {args.max_duration:g}")
    if args.sections and args.timeline:
        raise DancecoreError("--timeline draws a whole recording's windows; leave it out with --sections")
    files = collect_inputs(args.inputs)
    if not files:
        raise DancecoreError("no audio or video files found in the given folders")
    if args.inputs.count(STDIN) > 1:
        raise DancecoreError("standard input (-) can be read once; give - only once")
    if args.cue:
        check_cue_target(args.cue, files)
    decoded = decode_ahead(files, lambda path: load_audio(
        read_stdin() if str(path) == STDIN else path, sr=TARGET_SR, max_duration_s=args.max_duration,
        timeout_s=args.timeout, name=STDIN_NAME if str(path) == STDIN else str(path)))
    from dancecore.model import load_model  # here: ONNX Runtime and scipy load while the first recording decodes

    classifier = Classifier(load_model(args.model), stride_frames=args.stride, max_duration_s=args.max_duration,
                            timeout_s=args.timeout, min_top_probability=args.threshold)
    writer = csv.writer(sys.stdout) if args.csv else None
    if writer:
        writer.writerow([*SECTION_COLUMNS, *CSV_COLUMNS] if args.sections else CSV_COLUMNS)
    failures, results = 0, []
    progress = tqdm(files, unit="file", disable=len(files) < 2, file=sys.stderr)
    for path, decoding in zip(progress, decoded):
        name = STDIN_NAME if str(path) == STDIN else str(path)
        try:
            audio = classifier.at_model_rate(decoding.result())
            if args.sections:
                sections = split(classifier, audio, name)
            else:
                analysis = classifier.analyse_audio(audio, name)
        except DancecoreError as exc:
            failures += 1
            tqdm.write(f"dancecore: error: {exc}", file=sys.stderr)
            if writer:
                with tqdm.external_write_mode(file=sys.stdout):
                    writer.writerow(failed_row(name, str(exc), args.sections))
                    sys.stdout.flush()
            continue
        if args.sections:
            from dancecore.sections import sections_dict

            if args.cue:
                write_cue(args.cue, sections, name)
            results.extend(section.result for section in sections)
        elif args.timeline:
            _timeline(args.timeline, Path(name), analysis, classifier, several=len(files) > 1)
        with tqdm.external_write_mode(file=sys.stdout):  # the result on lines of its own, the bar redrawn below
            if args.sections:
                _print(sections_dict(sections, audio, name), args, writer, section_rows, format_sections)
            else:
                _print(analysis.result.to_dict(), args, writer, lambda r: [csv_row(r)], format_table)
                results.append(analysis.result)
    progress.close()
    if len(files) > 1:  # for people: on stderr when stdout is JSON or CSV
        classified = len(files) - failures if args.sections else None
        print(summary(results, failures, classified), file=sys.stderr if args.json or args.csv else sys.stdout)
    return 2 if failures else 0


def split(classifier: Classifier, audio: Audio, name: str) -> list[Section]:
    """The sections of a decoded recording (at the model's rate), with a progress bar in seconds of audio on a
    terminal."""
    from dancecore.sections import find_sections  # here: dancecore.stream and pydantic, only --sections needs them

    with tqdm(total=round(audio.duration_s), unit="s", desc=Path(name).name, disable=None, leave=False,
              file=sys.stderr) as bar:
        return find_sections(classifier, audio, name, progress=lambda s: bar.update(round(s) - bar.n))


def check_cue_target(cue: str, files: list[Path]) -> None:
    """--cue takes one recording and a file it can write: DancecoreError (before any analysis) otherwise."""
    if len(files) != 1:
        raise DancecoreError(f"--cue writes the CUE sheet of one recording; {len(files)} were given")
    folder = Path(cue).resolve().parent
    if not folder.is_dir():
        raise DancecoreError(f"--cue {cue}: the folder {folder} does not exist")
    if Path(cue).is_dir() or not os.access(folder, os.W_OK) or (Path(cue).exists() and not os.access(cue, os.W_OK)):
        raise DancecoreError(f"--cue {cue}: cannot write there; give a writable .cue file path")


def write_cue(cue: str, sections: list[Section], name: str) -> None:
    """The CUE sheet of `sections` of recording `name` into `cue`, naming the recording relative to the sheet."""
    from dancecore.sections import cue_sheet

    media = name if name == STDIN_NAME else os.path.relpath(Path(name).resolve(), Path(cue).resolve().parent)
    try:
        Path(cue).write_text(cue_sheet(sections, media), encoding="utf-8")
    except OSError as exc:
        raise DancecoreError(f"--cue {cue}: cannot write ({exc.strerror})") from None


def read_stdin() -> bytes:
    """The recording piped to standard input; DancecoreError when there is none."""
    if sys.stdin is None or sys.stdin.isatty():
        raise DancecoreError("- reads a recording from standard input, but none is piped in: "
                             "dancecore classify - < song.mp3")
    data = sys.stdin.buffer.read()
    if not data:
        raise DancecoreError(f"{STDIN_NAME}: no data on standard input (0 bytes); pipe a recording in")
    return data


def summary(results: list, failures: int, classified: int | None = None) -> str:
    """"12 files: 10 classified, 2 failed; Jive 4, Rumba 3, ...; not sure 3"; with --sections the `classified`
    files gave `results`, one per song: "3 files: 3 classified, 0 failed; 17 songs: Jive 4, ..."."""
    named = Counter(r.dance for r in results if not r.not_sure)
    per = [f"{BY_ID[d].name} {n}" for d, n in sorted(named.items(), key=lambda kv: (-kv[1], BY_ID[kv[0]].name))]
    unsure = sum(1 for r in results if r.not_sure)
    done = len(results) if classified is None else classified
    songs = "" if classified is None else f"{len(results)} songs: "
    parts = [f"{done + failures} files: {done} classified, {failures} failed",
             *([songs + ", ".join(per)] if per else []), *([f"not sure {unsure}"] if unsure else [])]
    return "; ".join(parts)


def _print(doc: dict[str, Any], args: argparse.Namespace, writer: "csv._writer | None",
           rows: Callable[[dict[str, Any]], list[list]], text: Callable[[dict[str, Any]], str]) -> None:
    """One recording's JSON object `doc` as a JSON line, its CSV `rows`, or its `text` for people."""
    if args.json:
        print(json.dumps(doc), flush=True)
    elif writer:
        writer.writerows(rows(doc))
        sys.stdout.flush()
    else:
        print(text(doc), flush=True)


def section_rows(doc: dict[str, Any]) -> list[list]:
    """The CSV cue list (SECTION_COLUMNS + CSV_COLUMNS) of a --sections JSON object: one row per song."""
    return [[i, wording.duration(s["start_s"]), wording.duration(s["end_s"]), f"{s['start_s']:.2f}",
             f"{s['end_s']:.2f}", *csv_row(s)] for i, s in enumerate(doc["sections"], 1)]


def format_sections(doc: dict[str, Any]) -> str:
    """Readable block of a --sections JSON object: what was analysed, then one line per song: number, m:ss times,
    the verdict, tempo and meter."""
    songs = doc["sections"]
    lines = [f"{doc['path']}  ({wording.listened(doc)}; model {doc['model']['name']}): "
             f"{len(songs)} song{'s' if len(songs) != 1 else ''}"]
    width = max(len(wording.span(s)) for s in songs)
    for i, s in enumerate(songs, 1):
        meter = wording.meter(s)
        lines.append(f"  {i:2d}  {wording.span(s):>{width}}  {wording.verdict(s)}; {wording.tempo(s)}"
                     + (f"; meter {meter}" if meter else ""))
    return "\n".join(lines)


def csv_row(r: dict) -> list:
    """One CSV row (CSV_COLUMNS) of a classify JSON object."""
    first, second = r["top2"]
    whole = "" if r["source_duration_s"] is None else f"{r['source_duration_s']:.1f}"
    return [r["path"], first["dance"], f"{first['probability']:.4f}", second["dance"], f"{second['probability']:.4f}",
            r["not_sure"], r["not_sure_reason"] or "", r["also_fits"]["dance"] if r["also_fits"] else "",
            f"{r['tempo']['bpm']:.1f}", f"{r['tempo']['mpm']:.1f}", f"{r['tempo']['dj_bpm']:.1f}",
            wording.meter(r) or "", f"{r['duration_s']:.1f}", whole,
            r["truncated"], r["incomplete"], "", *(f"{r['probabilities'][d]:.4f}" for d in DANCE_IDS)]


def failed_row(name: str, error: str, sections: bool = False) -> list[str]:
    """The CSV row of a file that could not be classified: its path and the error, the rest empty (and the
    SECTION_COLUMNS first with --sections)."""
    reason = error[len(name) + 2:] if error.startswith(f"{name}: ") else error
    row = dict.fromkeys(CSV_COLUMNS, "")
    row.update(path=name, error=reason)
    return [""] * len(SECTION_COLUMNS) * sections + list(row.values())


def format_table(r: dict) -> str:
    """Readable block: what was analysed, the ranked dances with bars, tempo and meter, the verdict."""
    lines = [f"{r['path']}  ({wording.listened(r)}; model {r['model']['name']})"]
    for dance_id, p in sorted(r["probabilities"].items(), key=lambda kv: kv[1], reverse=True):
        lines.append(f"  {BY_ID[dance_id].name:<15} {100 * p:5.1f}%  {'#' * int(round(30 * p))}")
    meter = wording.meter(r)
    lines.append(f"  tempo {wording.tempo(r)}" + (f"; meter {meter}" if meter else ""))
    lines.append(f"  => {wording.verdict(r)}")
    return "\n".join(lines)


def _timeline(target: str, path: Path, analysis: Analysis, classifier: Classifier, several: bool) -> None:
    from dancecore.plots import plot_timeline  # here: matplotlib takes ~0.45 s to import, only --timeline needs it

    out = Path(target)
    if several:
        out = out.with_name(f"{out.stem}_{path.stem}.png")
    features = classifier.model.features
    times = analysis.start_frames * features.hop_length / features.sr
    plot_timeline(out, times, analysis.window_probs, analysis.spectrogram, features.frame_rate,
                  title=wording.title(path.name, analysis.result.to_dict()))
