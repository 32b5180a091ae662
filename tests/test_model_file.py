"""The model file (.dcmodel) and the model unit on ONNX Runtime: the same answers as the PyTorch networks,
no PyTorch on the inference path, one-line errors for files that are not (or not yet) dancecore models,
the export from a training checkpoint and back."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from conftest import song
from dancecore.classify import Classifier
from dancecore.cli import main
from dancecore.errors import ModelError
from dancecore.modelfile import FORMAT, FORMAT_VERSION, read_archive
from dancecore.model import load_model

REPO = Path(__file__).resolve().parents[1]
PARITY_SONGS = (("jive", 0), ("slow_waltz", 1), ("tango", 0), ("samba", 2))
PARITY_SECONDS = 30.0
NO_TORCH = """
import importlib.abc, sys
class NoTorch(importlib.abc.MetaPathFinder):  # as if PyTorch were not installed
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "torchvision"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, NoTorch())
"""


def torch_or_skip():
    """The training side (PyTorch) or a skip saying why."""
    return pytest.importorskip("torch", reason="the PyTorch path needs the train extra (pip install -e '.[train]')")


def test_onnx_equals_pytorch_on_real_songs(model_path: Path, song_labels: list[dict[str, str]]) -> None:
    """Window and song probabilities of the shipped model on ONNX Runtime equal those of its PyTorch networks
    (rebuilt from the file's weights/*.npz) to 1e-5, through the same model unit."""
    torch_or_skip()
    from dancecore.training.torch_model import TorchModel

    onnx = Classifier(load_model(model_path, threads=1), max_duration_s=PARITY_SECONDS)
    reference = Classifier(TorchModel.from_archive(read_archive(model_path)).unit(), max_duration_s=PARITY_SECONDS)
    for dance, index in PARITY_SONGS:
        path = song(song_labels, dance, index)
        ours, theirs = onnx.analyse(path), reference.analyse(path)
        assert len(ours.window_probs) >= 5
        np.testing.assert_allclose(ours.window_probs, theirs.window_probs, rtol=0, atol=1e-5, err_msg=str(path))
        if theirs.window_other is not None:
            np.testing.assert_allclose(ours.window_other, theirs.window_other, rtol=0, atol=1e-5)
        song_ours, song_theirs = ours.result.probabilities, theirs.result.probabilities
        assert max(abs(song_ours[d] - song_theirs[d]) for d in song_ours) < 1e-5
        assert ours.result.not_sure_reason == theirs.result.not_sure_reason


def test_classify_runs_without_pytorch(model_path: Path, song_labels: list[dict[str, str]]) -> None:
    """As if PyTorch were not installed, `import dancecore.classify` and a whole `dancecore classify` work and
    import no torch."""
    clip = song(song_labels, "jive")
    code = NO_TORCH + f"""
import json
import dancecore.classify
first = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "torchvision"))
from dancecore.cli import main
status = main(["classify", "--json", "--max-duration", "10", "--model", {str(model_path)!r}, {str(clip)!r}])
after = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "torchvision"))
print(json.dumps({{"first": first, "status": status, "after": after, "ort": "onnxruntime" in sys.modules}}))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.strip().splitlines()
    answer, report = json.loads("\n".join(lines[:-1])), json.loads(lines[-1])
    assert report == {"first": [], "status": 0, "after": [], "ort": True}
    assert answer["dance"] == "jive"


def test_a_checkpoint_without_pytorch_names_the_export(tmp_path: Path) -> None:
    """Without PyTorch a training checkpoint cannot be converted: one line saying how to export it."""
    checkpoint = tmp_path / "best.pt"
    with zipfile.ZipFile(checkpoint, "w") as archive:  # how torch.save lays out its files
        archive.writestr("best/data.pkl", b"")
    code = NO_TORCH + ("from dancecore.cli import main\n"
                       f"sys.exit(main(['classify', '--model', {str(checkpoint)!r}, 'a.mp3']))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "dancecore export" in proc.stderr and "train extra" in proc.stderr


def _archive(path: Path, meta: object) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("model.json", json.dumps(meta))
    return path


@pytest.mark.parametrize("case,match", [
    ("missing", "not found"), ("not_zip", "not a zip"), ("no_meta", "no model.json"),
    ("other_format", "not a dancecore model file"), ("newer", "written by a newer dancecore"),
    ("not_json", "not JSON")])
def test_files_that_are_not_dancecore_models(tmp_path: Path, case: str, match: str) -> None:
    path = tmp_path / "m.dcmodel"
    if case == "not_zip":
        path.write_bytes(b"not a model at all")
    elif case == "no_meta":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("cnn.onnx", b"")
    elif case == "other_format":
        _archive(path, {"format": "something-else", "format_version": 1})
    elif case == "newer":
        _archive(path, {"format": FORMAT, "format_version": FORMAT_VERSION + 1, "created_by": "dancecore 9.0"})
    elif case == "not_json":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("model.json", b"{oops")
    with pytest.raises(ModelError, match=match) as error:
        load_model(path)
    assert "\n" not in str(error.value)
    if case == "newer":
        assert "upgrade" in str(error.value) and f"format {FORMAT_VERSION + 1}" in str(error.value)


def test_the_shipped_file_describes_its_networks(model_path: Path) -> None:
    meta = read_archive(model_path).meta
    assert meta["format"] == FORMAT and meta["format_version"] == FORMAT_VERSION
    assert meta["networks"]["cnn"]["settings"]["arch"] == meta["provenance"]["cnn"]["config"]["arch"]
    assert {"width", "dropout", "n_classes"} <= set(meta["networks"]["cnn"]["settings"])
    for name, spec in meta["networks"].items():
        assert spec["file"] == f"{name}.onnx" and spec["weights"] == f"weights/{name}.npz"
    assert meta["fusion"] and meta["reject"]["max_other_probability"] < 1
    assert meta["metrics"]["validation"]["top1"]["n"] == 29 and meta["metrics"]["validation"]["leave_one_song_out"]
    assert meta["provenance"]["build"]["recipe_file"] == "configs/default_model.yaml"


def test_export_and_back(tmp_path: Path) -> None:
    """An untrained CNN written as a training checkpoint: loading the .pt converts it in memory, `dancecore
    export` writes the .dcmodel, and the file's weights rebuild the same PyTorch network."""
    torch = torch_or_skip()
    from dancecore.training.torch_model import TorchModel, load_torch_model

    torch.manual_seed(0)
    model = TorchModel.new("dancenet", name="roundtrip", provenance={"data": "none"}, metrics={"acc": 0.0})
    model.save(tmp_path / "m.pt")
    windows = np.random.default_rng(3).normal(-40, 20, size=(3, 224, 224)).astype(np.float32)
    expected = model.unit().predict_windows(windows)

    in_memory = load_model(tmp_path / "m.pt")
    np.testing.assert_allclose(in_memory.predict_windows(windows), expected, atol=1e-5)
    assert main(["export", str(tmp_path / "m.pt"), str(tmp_path / "m.dcmodel"), "--version", "7"]) == 0
    loaded = load_model(tmp_path / "m.dcmodel")
    np.testing.assert_allclose(loaded.predict_windows(windows), expected, atol=1e-5)
    assert (loaded.name, loaded.version, loaded.arch) == ("roundtrip", "7", "dancenet")
    assert loaded.provenance == {"data": "none"}
    assert not loaded.needs_audio

    rebuilt = load_torch_model(tmp_path / "m.dcmodel").network.state_dict()
    for key, value in model.network.state_dict().items():
        assert torch.equal(rebuilt[key], value), key
    assert main(["export", str(tmp_path / "m.pt"), str(tmp_path / "m.onnx")]) == 2


def test_the_beat_network_survives_fine_tuning_checkpoints_and_export(model_path: Path, tmp_path: Path) -> None:
    """The training side does not rebuild the beat network in PyTorch: it carries its graph and weights
    unchanged from the shipped file through a checkpoint (.pt) and back to a model file."""
    torch_or_skip()
    from dancecore.training.torch_model import load_torch_model

    shipped = read_archive(model_path)
    model = load_torch_model(model_path)
    assert "beat" in model.carried and "beat" not in model.networks
    model.save(tmp_path / "tuned.pt")
    assert main(["export", str(tmp_path / "tuned.pt"), str(tmp_path / "tuned.dcmodel")]) == 0
    again = read_archive(tmp_path / "tuned.dcmodel")
    assert again.meta["networks"]["beat"] == shipped.meta["networks"]["beat"]
    for member in ("beat.onnx", "weights/beat.npz"):
        assert again.member(member) == shipped.member(member)
    assert load_model(tmp_path / "tuned.dcmodel").beat is not None
