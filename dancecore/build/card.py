"""The model card: a markdown template (dancecore/build/model_card.md) filled from a model file's metadata.

The template is markdown with `$name` fields (string.Template) and optional blocks: the lines between
`<!-- if FIELD -->` (or `<!-- if not FIELD -->`) and `<!-- end -->` are kept only when FIELD has (or has no)
value. This module only turns metadata into field values: numbers, percentages and table rows.
"""
from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Any

from dancecore.dances import DANCE_IDS
from dancecore.modelfile import ModelArchive, unpack_arrays

BLOCK = re.compile(r"<!-- if (not )?(\w+) -->\n(.*?)<!-- end -->\n", re.S)
FIGURE_NAMES = {"top1": "song top-1", "top2": "song top-2", "not_ballroom_rejected": "not_ballroom rejected",
                "in_set_rejected": "in-set songs rejected"}
TARGETS = {"top1": 0.90, "top2": 0.97, "not_ballroom_rejected": 0.60, "in_set_rejected": 0.10, "rhythm_top1": 0.93,
           "above_tempo_rule": 0.20}


def pct(x: float | None) -> str | None:
    return None if x is None else f"{100 * x:.1f}%"


def count(v: dict[str, Any]) -> str:
    """'hits/n = share (low-high)' of a proportion from dancecore.build.select."""
    return f"{v['hits']}/{v['n']} = {pct(v['share'])} ({pct(v['ci95'][0])}-{pct(v['ci95'][1])})"


def budget_name(share: float) -> str:
    """'none' or 'up to X%' for a false-rejection budget."""
    return "none" if share == 0 else f"up to {pct(share)}"


def yes(flag: bool) -> str:
    return "yes" if flag else "no"


def parameters(archive: ModelArchive, name: str) -> int:
    """Number of parameters in a network's weights (batch-norm running statistics included)."""
    arrays = unpack_arrays(archive.member(archive.meta["networks"][name]["weights"]))
    return int(sum(a.size for k, a in arrays.items() if not k.endswith("num_batches_tracked")))


def confusion_table(confusion: dict[str, Any]) -> str:
    """Markdown table of a confusion matrix (rows true, columns answered)."""
    names = confusion["rows_true_cols_predicted"]
    rows = ["| | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    rows += [f"| {n} | " + " | ".join(str(x) for x in row) + " |" for n, row in zip(names, confusion["matrix"])]
    return "\n".join(rows)


def step_rows(steps: dict[str, dict[str, Any]]) -> str:
    """One table row per build step: its inputs (with fingerprints shortened) and whether it reused its source."""
    rows = []
    for name, record in steps.items():
        inputs = [f"`{path}` ({digest[:8]})" for path, digest in record["inputs"].items()]
        used = ", ".join(inputs[:3]) + (f" and {len(inputs) - 3} more" if len(inputs) > 3 else "") or "its settings"
        reused = record["facts"].get("reused_from")
        rows.append(f"| {name} | {used} | {reused or '-'} |")
    return "\n".join(rows)


def cnn_stages(recipe: dict[str, Any]) -> str:
    """The recipe's CNN training stages in a line: name, epochs, start, learning rate, data."""
    train = recipe["cnn"].get("train")
    if not train:
        return "not described"
    parts = []
    for stage in train["stages"]:
        settings = {**train["settings"], **stage["settings"]}
        start = f"from {stage['init']}" if stage["init"] else "from scratch"
        lr = settings.get("learning_rate", 5e-4)
        parts.append(f"{stage['name']} ({settings.get('epochs', 50)} epochs {start}, lr {lr:g}, {stage['data']})")
    return ", then ".join(parts)


def fields(archive: ModelArchive, size_bytes: int) -> dict[str, Any]:
    """Every template field from the model file's metadata (None: not measured)."""
    meta = archive.meta
    prov, metrics = meta.get("provenance") or {}, meta.get("metrics") or {}
    build, recipe, steps = prov.get("build", {}), prov.get("build", {}).get("recipe", {}), prov.get("steps", {})
    val = metrics["validation"]
    shipped = next(b for b in val["leave_one_song_out"] if b["shipped_rule"])
    rhythm_cv, non_music = metrics.get("rhythm_cv"), metrics.get("non_music")
    beat = meta["networks"].get("beat")
    recall = val["per_dance_recall"]
    sweep, sweep_recipe = val.get("noise_sweep"), recipe["validation"].get("noise_sweep")
    reused = {name: (steps.get(name, {}).get("facts") or {}).get("reused_from") for name in ("cnn", "rhythm")}
    values = {
        "name": meta["name"], "size_mb": f"{size_bytes / 1e6:.1f}", "recipe_file": build.get("recipe_file"),
        "build_date": (build.get("date") or "")[:10], "git_commit": build.get("git_commit"),
        "dancecore_version": build.get("dancecore"),
        "cnn_arch": meta["networks"]["cnn"]["settings"]["arch"],
        "cnn_kparams": f"{parameters(archive, 'cnn') / 1e3:.0f}",
        "n_mels": meta["features"]["n_mels"], "window_frames": meta["window_frames"],
        "training_clips": (prov.get("cnn", {}).get("dataset") or {}).get("recordings", "about 2,600"),
        "rhythm_members": sum(1 for s in meta["networks"].values() if s.get("kind") == "rhythm"),
        "beat_classes": ", ".join(beat["settings"]["classes"]) if beat else None,
        "beat_attribution": "; ".join(f"{a['name']} by {a['authors']}, {a['license']}"
                                      for a in meta.get("attributions", [])) or None,
        "cnn_weight": meta["fusion"]["cnn_weight"], "rhythm_weight": meta["fusion"]["rhythm_weight"],
        "min_top": meta["reject"]["min_top_probability"], "max_other": meta["reject"]["max_other_probability"],
        "min_clarity": meta["reject"]["min_beat_clarity"],
        "cnn_stages": cnn_stages(recipe),
        "cnn_source": f"reused from {reused['cnn']}" if reused["cnn"] else "trained",
        "rhythm_source": f"reused from {reused['rhythm']}" if reused["rhythm"] else "trained",
        "cnn_grid": ", ".join(map(str, recipe["select"]["cnn_weights"])),
        "rhythm_grid": ", ".join(map(str, recipe["select"]["rhythm_weights"])),
        "budget": pct(recipe["select"]["max_false_rejection"]), "steps_rows": step_rows(steps),
        "in_set": val["songs"]["in_set"], "not_ballroom": val["songs"]["not_ballroom"],
        "others": val["songs"]["in_set"] + val["songs"]["not_ballroom"] - 1,
        "one_song": f"{100 / max(1, val['songs']['in_set']):.1f}",
        "songs": recipe["validation"]["songs"], "stride": recipe["validation"]["stride_frames"],
        "song_top1": count(val["top1"]), "song_top2": count(val["top2"]),
        "window_top1": pct(val["window"]["top1"]), "window_top2": pct(val["window"]["top2"]),
        "cnn_top1": count(val["cnn_alone"]["top1"]), "cnn_top2": count(val["cnn_alone"]["top2"]),
        "tempo_top1": count(val["tempo_rule"]["top1"]),
        "not_ballroom_rejected": count(val["not_ballroom_rejected"]), "in_set_rejected": count(val["in_set_rejected"]),
        "per_dance_recall": ", ".join(f"{d.replace('_', ' ')} {pct(recall[d]) or 'n/a'}" for d in DANCE_IDS),
        "confusion": confusion_table(val["confusion"]),
        "loso_rows": "\n".join(
            f"| {'**shipped**: ' if b['shipped_rule'] else ''}{budget_name(b['max_false_rejection'])} | {name} | "
            f"{count(b['selected_on_all_songs'][k])} | {count(b['leave_one_song_out'][k])} |"
            for b in val["leave_one_song_out"] for k, name in FIGURE_NAMES.items()),
        "loso_top1": count(shipped["leave_one_song_out"]["top1"]),
        "rhythm_top1": pct(rhythm_cv["ten_dance"]["top1"]) if rhythm_cv else None,
        "rhythm_top2": pct(rhythm_cv["ten_dance"]["top2"]) if rhythm_cv else None,
        "rhythm_rows": rhythm_cv["ten_dance"]["n_rows"] if rhythm_cv else None,
        "rhythm_auroc": f"{rhythm_cv['reject']['auroc_p_other']:.3f}" if rhythm_cv else None,
        "rhythm_folds": rhythm_cv.get("folds", 5) if rhythm_cv else None,
        "non_music_rejected": pct(non_music["rejected"]) if non_music else None,
        "non_music_n": non_music["n"] if non_music else None,
        "non_music_seconds": f"{non_music['seconds']:g}" if non_music else None,
        "non_music_seed": non_music["seed"] if non_music else None,
        "non_music_by_kind": ", ".join(f"{k} {pct(v)}" for k, v in non_music["by_kind"].items()) if non_music else None,
        "dances_recognised": sum(1 for d in DANCE_IDS if (recall[d] or 0) > 0),
        "noise_header": " | ".join(f"{a:.2f}" for a in sweep["alphas"]) if sweep else None,
        "noise_rule": "---|" * len(sweep["alphas"]) if sweep else None,
        "noise_top1": " | ".join(pct(v["share"]) for v in sweep["top1"]) if sweep else None,
        "noise_file": sweep_recipe.get("noise") if sweep_recipe else None,
        "noise_seed": sweep_recipe.get("seed") if sweep_recipe else None,
    }
    values.update(
        met_top1=yes(val["top1"]["share"] >= TARGETS["top1"]), met_top2=yes(val["top2"]["share"] >= TARGETS["top2"]),
        met_every_dance=yes(values["dances_recognised"] == len(DANCE_IDS)),
        met_reject=yes(val["not_ballroom_rejected"]["share"] >= TARGETS["not_ballroom_rejected"]
                       and val["in_set_rejected"]["share"] <= TARGETS["in_set_rejected"]),
        met_rhythm=yes(rhythm_cv["ten_dance"]["top1"] >= TARGETS["rhythm_top1"]) if rhythm_cv else "n/a",
        met_tempo=yes(val["top1"]["share"] >= val["tempo_rule"]["top1"]["share"] + TARGETS["above_tempo_rule"]))
    return values


def render(template: str, values: dict[str, Any]) -> str:
    """The template with its optional blocks kept or dropped and its fields filled (None: 'n/a')."""
    def block(m: re.Match) -> str:
        has = values.get(m.group(2)) is not None
        return m.group(3) if has != bool(m.group(1)) else ""

    text = BLOCK.sub(block, template)
    return string.Template(text).substitute({k: "n/a" if v is None else v for k, v in values.items()})


def write_card(archive: ModelArchive, size_bytes: int, template: Path, out: Path) -> None:
    """Fill `template` from `archive`'s metadata and write it to `out`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(template.read_text(encoding="utf-8"), fields(archive, size_bytes)), encoding="utf-8")
