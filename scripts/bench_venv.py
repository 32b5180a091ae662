"""Size of a fresh virtual environment with dancecore for its users, and what importing the core costs in it.

Creates a venv in a temporary folder, runs `pip install --no-cache-dir -e ".[live,bot,web]"` (from PyPI;
PyAudio builds from source: portaudio19-dev and a C compiler), then prints the installed size in MB of the
largest distributions (from each one's RECORD; files no RECORD lists, such as pip's caches, as "(other)"),
the whole venv, and the wall time and peak memory (RSS) of `python -c "import dancecore.classify"` in it.
The target of issue 20 is a venv of at most 600 MB; exit status 1 when it is bigger.

Usage: python scripts/bench_venv.py [--extras live,bot,web] [--runs 5] [--target-mb 600] [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MB = 1e6

# Run by the venv's python: {distribution: bytes of the files its RECORD lists}, and the site-packages path.
SIZES = r"""
import json, os, sysconfig
from importlib import metadata
site = sysconfig.get_paths()["purelib"]
sizes, seen = {}, set()
for dist in metadata.distributions():
    total = 0
    for f in dist.files or []:
        path = os.path.realpath(dist.locate_file(f))
        if path not in seen and os.path.isfile(path):
            seen.add(path)
            total += os.path.getsize(path)
    sizes[dist.metadata["Name"]] = sizes.get(dist.metadata["Name"], 0) + total
print(json.dumps({"sizes": sizes, "site": site, "seen": sorted(seen)}))
"""


def folder_bytes(folder: Path) -> tuple[int, set[str]]:
    """Total bytes of the regular files under `folder` (links not followed), and their real paths."""
    total, paths = 0, set()
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            if os.path.isfile(path) and not os.path.islink(path):
                total += os.path.getsize(path)
                paths.add(os.path.realpath(path))
    return total, paths


def create_venv(venv: Path, extras: str) -> float:
    """A fresh venv at `venv` with dancecore[extras] installed editable; returns the install time in s."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--no-cache-dir", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "-e", f"{REPO}[{extras}]"] if extras else [*pip, "install", "-e", str(REPO)],
                   check=True)
    return time.perf_counter() - start


def import_cost(python: Path, module: str, runs: int) -> tuple[list[float], list[float], str]:
    """Wall times (s) and peak RSS (MB) of `python -c "import module"`, one per run, and the error if it fails."""
    code = f"import resource, {module}; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"  # KB on Linux
    times, peaks = [], []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run([str(python), "-c", code], capture_output=True, text=True, cwd=tempfile.gettempdir())
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            return times, peaks, (proc.stderr.strip().splitlines() or ["failed"])[-1]
        peaks.append(int(proc.stdout.split()[-1]) / 1024)
    return times, peaks, ""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--extras", default="live,bot,web", help="extras to install (default live,bot,web)")
    parser.add_argument("--runs", type=int, default=5, help="import measurements (default 5)")
    parser.add_argument("--target-mb", type=float, default=600.0, help="size target in MB (default 600)")
    parser.add_argument("--top", type=int, default=15, help="distributions to list (default 15)")
    parser.add_argument("--keep", metavar="DIR", type=Path, help="build the venv in DIR (must not exist) and keep it")
    args = parser.parse_args(argv)
    if args.keep is not None and args.keep.exists():
        parser.error(f"--keep {args.keep} exists; give a new folder")

    with tempfile.TemporaryDirectory(prefix="dancecore-venv-") as tmp:
        venv = args.keep or Path(tmp) / "venv"
        install_s = create_venv(venv, args.extras)
        python = venv / "bin" / "python"
        listing = json.loads(subprocess.run([str(python), "-c", SIZES], capture_output=True, text=True,
                                            check=True).stdout)
        total, paths = folder_bytes(venv)
        other = sum(os.path.getsize(p) for p in paths - set(listing["seen"]))
        sizes = sorted(listing["sizes"].items(), key=lambda item: -item[1])
        times, peaks, error = import_cost(python, "dancecore.classify", args.runs)

    print(f"fresh venv with dancecore[{args.extras}] ({len(sizes)} distributions, installed in {install_s:.0f} s "
          f"with --no-cache-dir)")
    for name, size in sizes[:args.top]:
        print(f"  {size / MB:8.1f} MB  {name}")
    rest = sum(size for _, size in sizes[args.top:])
    print(f"  {rest / MB:8.1f} MB  ({len(sizes) - args.top} more distributions)")
    print(f"  {other / MB:8.1f} MB  (other: files no distribution lists, e.g. __pycache__ of later imports)")
    verdict = "within" if total / MB <= args.target_mb else "OVER"
    print(f"total {total / MB:.0f} MB ({verdict} the target of {args.target_mb:.0f} MB)")
    if error:
        print(f"import dancecore.classify fails in it: {error}")
    else:
        print(f"import dancecore.classify: {statistics.median(times):.2f} s median of {len(times)} "
              f"(min {min(times):.2f}, max {max(times):.2f}), peak RSS {statistics.median(peaks):.0f} MB")
    return 0 if verdict == "within" and not error else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
