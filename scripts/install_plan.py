"""Split pip's install plan so that PyTorch's large wheels go in one at a time (for `install.sh --dev`).

Reads the JSON report of `pip install --dry-run --report FILE` and prints pip requirements, one
install command per line: first each large distribution on a line of its own (torch, torchvision,
triton, NVIDIA's CUDA libraries and cuda-*: 0.1-0.6 GB per wheel, about 2.7 GB together), then
every other distribution on one line. The editable project itself is left out: pip installs it
last, when its dependencies are all in place.

Why: pip downloads every wheel of one command before unpacking any, so one command needs the
downloads (about 3 GB) beside what they unpack to (about 6.2 GB). Line by line, at most one large
wheel waits on disk, and the install fits in about 7 GB free. pip has no option for this.

Usage: python scripts/install_plan.py REPORT.json
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

LARGE_PREFIXES = ("torch", "triton", "nvidia-", "cuda-")


def is_large(name: str) -> bool:
    """True for the distributions whose wheels are PyTorch's hundreds of megabytes."""
    return name.lower().startswith(LARGE_PREFIXES)


def install_lines(report: dict) -> list[list[str]]:
    """Requirement groups (`name==version`) to install in order, large ones alone."""
    large: list[str] = []
    rest: list[str] = []
    for item in report.get("install", []):
        if item.get("download_info", {}).get("dir_info", {}).get("editable"):
            continue
        meta = item["metadata"]
        requirement = f"{meta['name']}=={meta['version']}"
        (large if is_large(meta["name"]) else rest).append(requirement)
    return [[r] for r in large] + ([rest] if rest else [])


def main(argv: list[str]) -> int:
    """Print one line of requirements per pip command; exit status 2 on a bad argument."""
    if len(argv) != 1:
        print("usage: install_plan.py REPORT.json (from pip install --dry-run --report)", file=sys.stderr)
        return 2
    try:
        report = json.loads(Path(argv[0]).read_text())
    except (OSError, ValueError) as err:
        print(f"install_plan.py: cannot read pip's report {argv[0]}: {err}", file=sys.stderr)
        return 2
    for line in install_lines(report):
        print(" ".join(line))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
