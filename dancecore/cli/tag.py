"""`dancecore tag LIBRARY...`: write the dance and tempo into audio files' tags; playlists per dance."""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from dancecore.dances import BY_ID
from dancecore.errors import DancecoreError

if TYPE_CHECKING:  # the tag extra is checked when the command runs, not when its arguments are declared
    from dancecore.tagging.job import Outcome
    from dancecore.tagging.plan import Change
    from dancecore.tagging.record import Facts

Namer = Callable[[str], str]  # dance id -> the name written in the tags

DESCRIPTION = (
    "Classify every audio file under the given folders and write the dance and tempo into its tags "
    "(mp3, flac, ogg/opus, m4a, wav, aiff). Safe: the audio is never touched, a write replaces the file "
    "atomically, fields holding other values are kept unless --overwrite. Resumable: files tagged by "
    "the same model and unchanged since are skipped. What is written where: --config (configs/tag.yaml); "
    "see docs/TAG.md.")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare `dancecore tag`'s arguments on `p` and set its `run`."""
    p.add_argument("inputs", nargs="+", metavar="FILE_OR_DIR", help="audio files and folders (scanned recursively)")
    p.add_argument("--config", metavar="YAML", help="what to write where (default: the built-in settings, "
                   "listed in configs/tag.yaml)")
    p.add_argument("--model", metavar="PATH", help="model file (default: the model shipped in the package)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="processes classifying at once (default: the number of cores, %(default)s here)")
    p.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    p.add_argument("--overwrite", action="store_true", help="replace values that fields already hold "
                   "(--remove gives them back)")
    p.add_argument("--remove", action="store_true", help="take dancecore's tags off again, giving back what "
                   "the fields held before")
    p.add_argument("--keep-mtime", action="store_true", help="keep each file's modification time")
    p.add_argument("--playlists", metavar="DIR", help="write one M3U8 per dance and report.csv (tempo advice) "
                   "into DIR")
    p.add_argument("--any-tempo", action="store_true", help="playlists: every song of the dance, not only "
                   "those within its competition tempo range")
    p.add_argument("--cache", nargs="?", const="", metavar="DIR", help="reuse the feature cache (DIR, default "
                   "$DANCECORE_CACHE or ~/.cache/dancecore/features): a --dry-run then the real run decodes each "
                   "file once; costs about 13 MB per 3-minute song")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from dancecore.tagging import require_extra

    require_extra()
    from dancecore.cli.classify import collect_inputs
    from dancecore.tagging.config import load_config
    from dancecore.tagging.job import JobOptions
    from dancecore.tagging.runner import run as run_jobs
    from dancecore.tagging.safe_write import remove_leftovers

    if args.workers < 1:
        raise DancecoreError(f"--workers must be at least 1, got {args.workers}")
    if args.remove and (args.playlists or args.overwrite):
        raise DancecoreError("--remove takes dancecore's tags off; it goes with neither --playlists nor --overwrite")
    config = load_config(args.config)
    files = list({os.path.realpath(f): f for f in collect_inputs(args.inputs)}.values())  # each file once
    if not files:
        raise DancecoreError("no audio files found in the given folders")
    leftovers = remove_leftovers({Path(os.path.realpath(f)).parent for f in files if f.exists()})
    if leftovers:
        print(f"dancecore: removed {len(leftovers)} temporary file(s) an interrupted run left behind", file=sys.stderr)
    classifier, model_id = None, None
    if not args.remove:
        from dancecore.classify import Classifier
        from dancecore.model import load_model

        model = load_model(args.model, threads=1 if args.workers > 1 else 0)
        model_id = f"{model.name} {model.version}"
        classifier = Classifier(model)
    options = JobOptions(config, model_id, args.overwrite, args.dry_run, args.remove, args.keep_mtime)
    start = time.perf_counter()
    outcomes, interrupted = run_jobs(files, options, args.workers, args.model, args.cache, classifier,
                                     report=lambda o: _report(o, config.dance_name, args.dry_run))
    elapsed = time.perf_counter() - start
    print(summary(outcomes, elapsed, config.dance_name))
    if interrupted:
        print(f"dancecore: interrupted after {len(outcomes)} of {len(files)} files; the same command goes on "
              "where this one stopped", file=sys.stderr)
        return 130
    if args.playlists:
        from dancecore.tagging.playlists import write_playlists

        written = write_playlists(args.playlists, outcomes, args.any_tempo, config.dance_name)
        songs = sum(n for _, n in written.playlists.values())
        print(f"playlists: {songs} songs in {sum(1 for _, n in written.playlists.values() if n)} of "
              f"{len(written.playlists)} dance playlists in {args.playlists}; report: {written.report}")
    return 2 if any(o.status == "failed" for o in outcomes) else 0


def _report(outcome: Outcome, name: Namer, dry_run: bool) -> None:
    """One line for a file that was (or would be) changed or failed; nothing for files left as they were."""
    if outcome.status == "failed":
        tqdm.write(f"failed: {outcome.message}", file=sys.stderr)
        return
    if outcome.status in ("current", "untagged"):
        return
    verb = {"tagged": "tag", "removed": "untag"}[outcome.status]
    line = f"{'would ' + verb if dry_run else verb + 'ged':<11} {outcome.path}"
    if outcome.status == "tagged":
        line += f"  {findings(outcome.facts, name)}"
    shown = outcome.changes if dry_run else [c for c in outcome.changes if c.kept]
    if shown:
        line += ": " + ", ".join(_change(c) for c in shown)
    tqdm.write(line, file=sys.stdout)


def findings(facts: Facts, name: Namer) -> str:
    """"Rumba, 26.1 bars/min = 104 BPM (91%)", or "not sure (closest: Rumba, ...)"."""
    text = f"{name(facts.dance)}, {facts.mpm:.1f} bars/min = {facts.dj_bpm:.0f} BPM ({100 * facts.confidence:.0f}%)"
    return f"not sure (closest: {text})" if facts.not_sure else text


def _change(change: Change) -> str:
    def shown(values: list[str] | None) -> str:
        if values is None:
            return "(none)"
        text = " / ".join(values)
        return repr(text if len(text) <= 40 else text[:37] + "...")
    if change.kept:
        return f"{change.key} keeps {shown(change.old)} (--overwrite replaces it)"
    return f"{change.key} {shown(change.old)} -> {shown(change.new)}"


def summary(outcomes: list[Outcome], elapsed_s: float, name: Namer) -> str:
    """The closing lines: counts by status, files per minute, and per dance what the tags now say."""
    counts = Counter(o.status for o in outcomes)
    dry = bool(outcomes) and outcomes[0].dry_run
    words = {"tagged": "would be tagged" if dry else "tagged", "current": "already tagged (skipped)",
             "removed": "would be untagged" if dry else "untagged", "untagged": "had no dancecore tags",
             "failed": "failed"}
    rate = 60.0 * len(outcomes) / elapsed_s if elapsed_s > 0 else 0.0
    classified = sum(1 for o in outcomes if o.classify_s > 0)
    lines = [f"{len(outcomes)} files in {elapsed_s:.1f} s ({rate:.1f} files/min, {classified} classified): "
             + ", ".join(f"{counts[s]} {w}" for s, w in words.items() if counts[s])]
    found = [o.facts for o in outcomes if o.facts is not None and o.status in ("tagged", "current")]
    dances = Counter(f.dance for f in found if not f.not_sure)
    unsure = sum(1 for f in found if f.not_sure)
    if found:
        per = [f"{name(d)} {n}" for d, n in sorted(dances.items(), key=lambda kv: (-kv[1], BY_ID[kv[0]].name))]
        lines.append("per dance: " + ", ".join(per + ([f"not sure {unsure}"] if unsure else [])))
    return "\n".join(lines)
