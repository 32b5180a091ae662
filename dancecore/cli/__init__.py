"""The `dancecore` command: one sub-command per module, errors as one line with exit status 2."""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import warnings
from types import ModuleType

from dancecore import __version__
from dancecore.errors import DancecoreError

# sub-command name -> (module under dancecore.cli, one-line summary for `dancecore --help`). Each module has
# DESCRIPTION (its --help text) and `add_arguments(parser)`, which also sets the parser's `run(args) -> int`.
COMMANDS = {
    "classify": ("dancecore.cli.classify", "say which dance recordings are for"),
    "tag": ("dancecore.cli.tag", "write the dance and tempo into audio files' tags; playlists per dance"),
    "train": ("dancecore.cli.train", "train a model on a labelled dataset"),
    "dedupe": ("dancecore.cli.dedupe", "find near-duplicate recordings (thesis §3.5.4)"),
    "evaluate": ("dancecore.cli.evaluate", "measure a model on a labelled dataset"),
    "export": ("dancecore.cli.export", "turn a training checkpoint into a model file (.dcmodel)"),
    "build-model": ("dancecore.cli.build_model", "rebuild a model file from a recipe, step by step"),
    "baseline": ("dancecore.cli.baseline", "train and test the SVM baseline (thesis §4.3)"),
    "live": ("dancecore.cli.live", "announce the dance of what is playing (OSC, MIDI, console)"),
    "serve": ("dancecore.cli.serve", "web page, JSON API and live marquee"),
}

# the first module of a missing third-party package -> the extra of pyproject.toml that installs it
EXTRA_OF = {"torch": "train", "torchvision": "train", "onnx": "train", "sklearn": "train", "librosa": "train",
            "pretty_midi": "synth", "fluidsynth": "synth", "pyaudio": "live", "rtmidi": "live", "pythonosc": "live",
            "rich": "live", "psutil": "live", "pydantic": "live", "fastapi": "web", "uvicorn": "web",
            "multipart": "web", "discord": "bot", "mutagen": "tag"}

# Commands that run the analysis pipeline, which keeps the cores busy with threads of its own (the beat network
# beside the spectrogram, rhythm features on a thread per core, ONNX Runtime's intra-op threads). numpy's OpenBLAS
# would add a thread per core that spins between small products: a third of the CPU time of a 3-minute classify
# on 2 cores, for the same answers. The variable is read when numpy is first imported, so main sets it first.
ONE_BLAS_THREAD = {"classify", "evaluate", "tag"}   # serve: the classification service sets it itself


def named_command(argv: list[str] | None) -> str | None:
    """The sub-command `argv` names (its first word that is not an option), or None."""
    first = next((arg for arg in argv or [] if not arg.startswith("-")), None)
    return first if first in COMMANDS else None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser; only the sub-command that `argv` names gets its module imported and its arguments.

    Each module imports what its command needs (torch, matplotlib, scikit-learn, uvicorn: seconds on a 2-core
    machine), so `dancecore classify` imports no other command's module and `dancecore --help` imports none.
    """
    parser = argparse.ArgumentParser(prog="dancecore", description="Hears music and says which ballroom dance it is for.",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # --version keeps its lines
    parser.add_argument("--version", action="version",
                        version=version_text() if "--version" in (argv or []) else f"dancecore {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    named = named_command(argv)
    for name, (module_name, summary) in COMMANDS.items():
        if name != named:
            sub.add_parser(name, help=summary)
            continue
        module = _command_module(name, module_name)
        module.add_arguments(sub.add_parser(name, help=summary, description=module.DESCRIPTION))
    return parser


def version_text() -> str:
    """dancecore's version, the shipped model's name and version, and the credit its networks' licences ask for."""
    import json
    import zipfile

    from dancecore.model import DEFAULT_MODEL_PATH

    lines = [f"dancecore {__version__}"]
    try:
        with zipfile.ZipFile(DEFAULT_MODEL_PATH) as archive:
            meta = json.loads(archive.read("model.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return lines[0] + "\nno readable shipped model"
    lines.append(f"model {meta.get('name')} {meta.get('version')} ({DEFAULT_MODEL_PATH.name})")
    for credit in meta.get("attributions", []):
        lines.append(f"  includes {credit['name']} by {credit['authors']}, {credit['license']} "
                     f"({credit['license_url']}); {credit['changes']}")
    return "\n".join(lines)


def _command_module(name: str, module_name: str) -> ModuleType:
    """The command's module; a DancecoreError naming the extra to install when a package it needs is missing."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        package = (exc.name or "").split(".")[0]
        if package not in EXTRA_OF:
            raise
        raise DancecoreError(f"`dancecore {name}` needs {package}, which is not installed: install the "
                             f"{EXTRA_OF[package]} extra (pip install -e '.[{EXTRA_OF[package]}]' in the "
                             "dancecore folder, or scripts/install.sh --dev)") from None


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 1 unexpected error, 2 bad input, 130 Ctrl-C)."""
    argv = sys.argv[1:] if argv is None else argv
    if named_command(argv) in ONE_BLAS_THREAD:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        parser = build_parser(argv)
    except DancecoreError as exc:
        print(f"dancecore: error: {exc}", file=sys.stderr)
        return exc.exit_code
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not args.debug:
        warnings.simplefilter("ignore")
    try:
        return int(args.run(args) or 0)
    except DancecoreError as exc:
        print(f"dancecore: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("dancecore: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`dancecore classify ... | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit's flush
        return 1
    except Exception as exc:  # last resort: one line, never a traceback unless --debug
        if args.debug:
            raise
        print(f"dancecore: unexpected error: {type(exc).__name__}: {exc} (run with --debug for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
