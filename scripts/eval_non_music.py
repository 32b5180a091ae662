"""Share of non-music clips (scripts/render_non_music.py) that a model answers with "not sure", by kind.

Each clip is classified as `dancecore classify` does; a clip the loader refuses as silent counts as
rejected too (the user gets an error, not a dance). Writes a JSON report with every clip's answer.
Usage: python scripts/eval_non_music.py runs/non_music_test/manifest.csv [--model M] [--out report.json]
"""
from __future__ import annotations

import argparse
import csv
import json
from collections import Counter, defaultdict
from pathlib import Path

from tqdm import tqdm

from dancecore.classify import Classifier
from dancecore.errors import AudioError
from dancecore.model import load_model


def evaluate(manifest: Path, classifier: Classifier) -> dict:
    """{"rejected": share, "by_kind": {kind: share}, "reasons": {...}, "clips": [...]} for a manifest."""
    with open(manifest, newline="") as f:
        rows = list(csv.DictReader(f))
    clips, by_kind = [], defaultdict(list)
    for row in tqdm(rows, desc="classifying non-music", unit="clip"):
        try:
            result = classifier.classify(manifest.parent / row["path"])
            clip = {"dance": result.dance, "confidence": round(result.confidence, 4), "not_sure": result.not_sure,
                    "reason": result.not_sure_reason, "beat_clarity": round(result.tempo_clarity, 4)}
        except AudioError as exc:
            clip = {"dance": None, "not_sure": True, "reason": f"refused: {exc}"}
        clips.append({"path": row["path"], "kind": row["kind"], **clip})
        by_kind[row["kind"]].append(clip["not_sure"])
    reasons = Counter((c["reason"] or "announced").split(" (")[0] for c in clips)
    return {"manifest": str(manifest), "model": classifier.model.name, "n": len(clips),
            "rejected": sum(c["not_sure"] for c in clips) / max(1, len(clips)),
            "by_kind": {k: sum(v) / len(v) for k, v in by_kind.items()},
            "announced_as": dict(Counter(c["dance"] for c in clips if not c["not_sure"])),
            "reasons": dict(reasons), "clips": clips}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest", type=Path)
    parser.add_argument("--model", default=None, help="model file (default: the shipped model)")
    parser.add_argument("--out", type=Path, help="write the JSON report here")
    args = parser.parse_args()
    report = evaluate(args.manifest, Classifier(load_model(args.model)))
    print(f"{report['model']}: {100 * report['rejected']:.1f}% of {report['n']} non-music clips answered 'not sure'")
    for kind, share in report["by_kind"].items():
        print(f"  {kind:<7} {100 * share:5.1f}%")
    print(f"  announced as: {report['announced_as']}; reasons: {report['reasons']}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
