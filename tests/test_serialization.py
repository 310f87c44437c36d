"""save / load: bit-exact round trips, training that resumes identically, atomic writes, and
files that are refused (truncated, pickles, torch.save, object arrays, malformed structure)
without running any code from them.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import subprocess
import sys
import zipfile
from collections import Counter, OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tge
from tinygrad_edu import nn, optim, serialization
from tinygrad_edu.nn import functional as F
from tinygrad_edu.optim import lr_scheduler


def round_trip(obj: Any, **load_options: Any) -> Any:
    buffer = io.BytesIO()
    tge.save(obj, buffer)
    buffer.seek(0)
    return tge.load(buffer, **load_options)


def assert_identical(loaded: Any, original: Any) -> None:
    """Same types, same container kinds and order, tensors and arrays equal bit for bit."""
    assert type(loaded) is type(original) or (
        isinstance(original, tge.Tensor) and type(loaded) is tge.Tensor)
    if isinstance(original, tge.Tensor):
        assert loaded.dtype == original.dtype and loaded.shape == original.shape
        assert loaded.requires_grad == original.requires_grad
        assert loaded._data.tobytes() == original._data.tobytes()
    elif isinstance(original, (np.ndarray, np.generic)):
        assert loaded.dtype == original.dtype and loaded.shape == original.shape
        assert loaded.tobytes() == original.tobytes()
    elif isinstance(original, dict):
        assert list(loaded.keys()) == list(original.keys())
        for key in original:
            assert_identical(loaded[key], original[key])
    elif isinstance(original, (list, tuple)):
        assert len(loaded) == len(original)
        for loaded_item, original_item in zip(loaded, original):
            assert_identical(loaded_item, original_item)
    elif isinstance(original, float):
        assert repr(loaded) == repr(original)  # nan, inf and -0.0 included
    else:
        assert loaded == original


# ------------------------------------------------------------------------------ round trips
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int32", "uint8",
                                   "bool"])
@pytest.mark.parametrize("shape", [(), (0,), (2, 0, 3), (5,), (3, 4)])
def test_tensor_round_trip_is_bit_exact(dtype: str, shape: tuple[int, ...]) -> None:
    generator = np.random.default_rng(0)
    values = generator.normal(size=shape) * 1000
    if dtype.startswith("float") and values.size >= 4:
        values.flat[:4] = [np.nan, np.inf, -np.inf, -0.0]
    array = np.asarray(values.astype(dtype) if dtype != "bool" else values > 0)
    original = tge.from_numpy(array)
    loaded = round_trip(original)
    assert_identical(loaded, original)
    assert loaded._data.flags.writeable and loaded._data.flags.c_contiguous


def test_requires_grad_is_kept_and_a_parameter_loads_as_a_tensor() -> None:
    weight = nn.Parameter(tge.tensor([[1.0, 2.0]]))
    frozen = tge.tensor([3.0], dtype=tge.float64)
    computed = weight * 2  # not a leaf: its data is saved, it loads as a leaf
    loaded = round_trip({"weight": weight, "frozen": frozen, "computed": computed})
    assert type(loaded["weight"]) is tge.Tensor and loaded["weight"].requires_grad
    assert loaded["weight"].is_leaf and loaded["computed"].is_leaf
    assert loaded["computed"].requires_grad and loaded["computed"].tolist() == [[2.0, 4.0]]
    assert not loaded["frozen"].requires_grad and loaded["frozen"].dtype == tge.float64


def test_nested_structures_keep_their_types_order_and_values() -> None:
    original = {
        "none": None, "true": True, "zero": 0, "big": 2 ** 80, "negative": -7,
        "floats": [0.1, -0.0, float("inf"), float("-inf"), float("nan"), 1e-310],
        "text": "naïve ∂L/∂w", "empty": "",
        "tuple": (1, (2, [3, ()]), []), "list": [[], {}, (None,)],
        5: "an int key", -1: {"nested": {"deeper": [tge.tensor(1.0)]}},
        "ordered": OrderedDict([("b", 1), ("a", 2)]), "counter": Counter({3: 2, 1: 1}),
        "array": np.arange(6, dtype=np.int16).reshape(2, 3).T,  # not C-contiguous
        "complex": np.array([1 + 2j]), "scalars": (np.float32(0.5), np.int64(-3), np.bool_(1)),
    }
    loaded = round_trip(original)
    assert_identical(loaded, original)
    assert isinstance(loaded["tuple"][1], tuple) and isinstance(loaded["tuple"][1][1], list)


def test_a_tensor_saved_twice_is_stored_once_and_loads_as_one_object() -> None:
    shared = tge.tensor([1.0, 2.0])
    buffer = io.BytesIO()
    tge.save({"a": shared, "b": [shared], "c": tge.tensor([1.0, 2.0])}, buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        assert sorted(archive.namelist()) == ["arrays/0.npy", "arrays/1.npy", "structure.json"]
    buffer.seek(0)
    loaded = tge.load(buffer)
    assert loaded["a"] is loaded["b"][0] and loaded["a"] is not loaded["c"]


def test_a_tensor_stored_big_endian_loads_in_native_byte_order() -> None:
    big_endian = io.BytesIO()
    np.save(big_endian, np.array([1.5, -2.0, 3.0], dtype=">f4"))  # saved on a big-endian machine
    loaded = load_bytes_in_memory(rewritten({"arrays/0.npy": big_endian.getvalue()}))
    assert loaded["weight"].dtype == np.dtype("float32") and loaded["weight"].dtype.isnative
    assert loaded["weight"].tolist() == [1.5, -2.0, 3.0]


def load_bytes_in_memory(data: bytes) -> Any:
    return tge.load(io.BytesIO(data))


def test_the_same_list_twice_is_not_a_cycle_but_a_list_inside_itself_is() -> None:
    inner = [1, 2]
    assert round_trip([inner, inner]) == [[1, 2], [1, 2]]
    looped: list[Any] = [1]
    looped.append(looped)
    with pytest.raises(ValueError, match=r"save: obj\[1\] contains itself"):
        tge.save(looped, io.BytesIO())


def test_paths_and_file_objects(tmp_path: Path) -> None:
    state = {"weight": tge.tensor([1.0, 2.0])}
    for target in (tmp_path / "pathlib.npz", str(tmp_path / "string.npz")):
        tge.save(state, target)
        assert_identical(tge.load(target), state)
    with open(tmp_path / "object.npz", "wb") as stream:
        tge.save(state, stream)
    with open(tmp_path / "object.npz", "rb") as stream:
        assert_identical(tge.load(stream), state)
    assert sorted(os.listdir(tmp_path)) == ["object.npz", "pathlib.npz", "string.npz"]


def test_an_unseekable_stream_loads() -> None:
    buffer = io.BytesIO()
    tge.save([tge.tensor([4.0])], buffer)
    read_end, write_end = os.pipe()
    os.write(write_end, buffer.getvalue())
    os.close(write_end)
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        assert pipe.seekable() is False
        assert tge.load(pipe)[0].tolist() == [4.0]


def test_the_file_is_an_npz_that_numpy_reads_without_pickle(tmp_path: Path) -> None:
    path = tmp_path / "checkpoint.npz"
    tge.save({"weight": tge.tensor([[1.0, 2.0]]), "epoch": 3}, path)
    with np.load(path, allow_pickle=False) as archive:
        np.testing.assert_array_equal(archive["arrays/0"], [[1.0, 2.0]])
        structure = json.loads(archive["structure.json"])
    assert structure["format"] == "tinygrad_edu.checkpoint" and structure["version"] == 1
    assert structure["root"]["items"][1] == [{"type": "str", "value": "epoch"},
                                             {"type": "int", "value": 3}]


# ------------------------------------------------------------------------ resuming training
def make_model() -> nn.Module:
    tge.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))


BATCHES = [(np.random.default_rng(step).normal(size=(6, 4)).astype(np.float32),
            np.random.default_rng(100 + step).integers(0, 3, size=6)) for step in range(12)]


def train(model: nn.Module, optimizer: optim.Optimizer, scheduler: Any, steps: range) -> None:
    for step in steps:
        inputs, labels = BATCHES[step]
        loss = F.cross_entropy(model(tge.from_numpy(inputs)), tge.from_numpy(labels))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()


@pytest.mark.parametrize("make_optimizer", [
    lambda params: optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True),
    lambda params: optim.Adam(params, lr=0.01, betas=(0.8, 0.95), amsgrad=True),
], ids=["sgd_momentum", "adam"])
def test_training_resumed_from_a_checkpoint_matches_an_unbroken_run(make_optimizer: Any,
                                                                    tmp_path: Path) -> None:
    unbroken = make_model()
    unbroken_optimizer = make_optimizer(unbroken.parameters())
    unbroken_scheduler = lr_scheduler.MultiStepLR(unbroken_optimizer, milestones=[3, 8],
                                                  gamma=0.5)
    train(unbroken, unbroken_optimizer, unbroken_scheduler, range(12))

    first = make_model()
    first_optimizer = make_optimizer(first.parameters())
    first_scheduler = lr_scheduler.MultiStepLR(first_optimizer, milestones=[3, 8], gamma=0.5)
    train(first, first_optimizer, first_scheduler, range(5))
    tge.save({"model": first.state_dict(), "optimizer": first_optimizer.state_dict(),
              "scheduler": first_scheduler.state_dict(), "step": 5}, tmp_path / "ckpt.npz")

    checkpoint = tge.load(tmp_path / "ckpt.npz", map_location="cpu", weights_only=True)
    tge.manual_seed(123)  # a different initialisation, overwritten by the checkpoint
    resumed = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    resumed.load_state_dict(checkpoint["model"])
    resumed_optimizer = make_optimizer(resumed.parameters())
    resumed_optimizer.load_state_dict(checkpoint["optimizer"])
    resumed_scheduler = lr_scheduler.MultiStepLR(resumed_optimizer, milestones=[1], gamma=0.1)
    resumed_scheduler.load_state_dict(checkpoint["scheduler"])
    train(resumed, resumed_optimizer, resumed_scheduler, range(checkpoint["step"], 12))

    for (name, expected), actual in zip(unbroken.state_dict().items(),
                                        resumed.state_dict().values()):
        assert actual._data.tobytes() == expected._data.tobytes(), name


@pytest.mark.parametrize("make_scheduler", [
    lambda optimizer: lr_scheduler.StepLR(optimizer, step_size=2),
    lambda optimizer: lr_scheduler.MultiStepLR(optimizer, milestones=[1, 1, 4]),
    lambda optimizer: lr_scheduler.ExponentialLR(optimizer, gamma=0.9),
    lambda optimizer: lr_scheduler.CosineAnnealingLR(optimizer, T_max=5),
    lambda optimizer: lr_scheduler.OneCycleLR(optimizer, max_lr=1.0, total_steps=10),
], ids=["step", "multistep", "exponential", "cosine", "one_cycle"])
def test_every_scheduler_state_dict_round_trips(make_scheduler: Any) -> None:
    optimizer = optim.Adam(make_model().parameters(), lr=0.1)
    scheduler = make_scheduler(optimizer)
    for _ in range(3):
        optimizer.step()
        scheduler.step()
    assert_identical(round_trip(scheduler.state_dict()), scheduler.state_dict())
    assert_identical(round_trip(optimizer.state_dict()), optimizer.state_dict())


# ----------------------------------------------------------------------------- atomic write
def test_a_failed_save_leaves_the_old_file_and_no_temporary_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "model.npz"
    tge.save({"version": "old"}, path)
    old_bytes = path.read_bytes()
    real_write_array = np.lib.format.write_array

    def write_half_then_fail(stream: Any, array: np.ndarray, **options: Any) -> None:
        real_write_array(stream, array[: array.size // 2], **options)
        raise OSError("No space left on device")

    monkeypatch.setattr(np.lib.format, "write_array", write_half_then_fail)
    with pytest.raises(OSError, match="No space left"):
        tge.save({"version": "new", "weight": tge.zeros(1000)}, path)
    assert path.read_bytes() == old_bytes
    assert os.listdir(tmp_path) == ["model.npz"]
    monkeypatch.undo()

    def failing_replace(source: str, target: str) -> None:
        raise PermissionError("rename refused")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(PermissionError):
        tge.save({"version": "new"}, path)
    assert path.read_bytes() == old_bytes and os.listdir(tmp_path) == ["model.npz"]


def test_a_saved_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    if os.name != "posix":
        pytest.skip("file modes are POSIX")
    old_umask = os.umask(0o022)
    try:
        tge.save([1], tmp_path / "a.npz")
    finally:
        os.umask(old_umask)
    assert (tmp_path / "a.npz").stat().st_mode & 0o777 == 0o644


# ----------------------------------------------------------------------------- bad inputs
class CreatesMarker:
    """Unpickling this would create a file: proof that no pickle was run."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> Any:
        return (Path.touch, (self.marker,))


def valid_checkpoint() -> bytes:
    buffer = io.BytesIO()
    tge.save({"weight": tge.tensor([1.0, 2.0, 3.0]), "epoch": 1}, buffer)
    return buffer.getvalue()


def rewritten(entries: dict[str, bytes]) -> bytes:
    """A valid checkpoint with some entries replaced (or added)."""
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(valid_checkpoint())) as source, \
            zipfile.ZipFile(output, "w") as target:
        for name in source.namelist():
            target.writestr(name, entries.pop(name, source.read(name)))
        for name, data in entries.items():
            target.writestr(name, data)
    return output.getvalue()


def structure_with(change: Any) -> bytes:
    structure = json.loads(zipfile.ZipFile(io.BytesIO(valid_checkpoint())).read("structure.json"))
    change(structure)
    return rewritten({"structure.json": json.dumps(structure).encode()})


def load_bytes(data: bytes, tmp_path: Path) -> Any:
    path = tmp_path / "bad.pt"
    path.write_bytes(data)
    return tge.load(path)


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
@pytest.mark.parametrize("weights_only", [True, False])
def test_a_pickle_is_refused_and_not_run(protocol: int, weights_only: bool,
                                         tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({"weight": CreatesMarker(marker)}, protocol=protocol))
    with pytest.raises(ValueError, match="not a tinygrad_edu checkpoint"):
        tge.load(path, weights_only=weights_only)
    assert not marker.exists()
    assert pickle.loads(path.read_bytes()) and marker.exists()  # the pickle was a real threat


def test_an_object_array_is_refused_and_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    evil = io.BytesIO()
    np.save(evil, np.array([CreatesMarker(marker)], dtype=object), allow_pickle=True)
    data = rewritten({"arrays/0.npy": evil.getvalue()})
    with pytest.raises(ValueError, match="object array"):
        load_bytes(data, tmp_path)
    plain = tmp_path / "plain.npz"
    np.savez(plain, weights=np.array([CreatesMarker(marker)], dtype=object))
    with pytest.raises(ValueError, match="plain NumPy .npz"):
        tge.load(plain)
    assert not marker.exists()


def test_a_torch_save_file_is_refused_and_not_run(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    marker = tmp_path / "marker"
    for legacy in (False, True):
        path = tmp_path / f"legacy_{legacy}.pt"
        torch.save({"weight": torch.ones(2), "hook": CreatesMarker(marker)}, path,
                   _use_new_zipfile_serialization=not legacy)
        with pytest.raises(ValueError, match="torch.save" if not legacy else "pickle"):
            tge.load(path, weights_only=False)
    assert not marker.exists()


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.99])
def test_a_truncated_file_is_refused(keep: float, tmp_path: Path) -> None:
    data = valid_checkpoint()
    with pytest.raises(ValueError, match="truncated or damaged"):
        load_bytes(data[: int(len(data) * keep)], tmp_path)


def test_a_damaged_array_is_refused(tmp_path: Path) -> None:
    data = bytearray(valid_checkpoint())
    position = bytes(data).index(np.array([1.0, 2.0, 3.0], np.float32).tobytes())
    data[position] ^= 0xFF
    with pytest.raises(ValueError, match="truncated or corrupt"):
        load_bytes(bytes(data), tmp_path)


@pytest.mark.parametrize("data, message", [
    (b"", "the file is empty"),
    (b"\x93NUMPY\x01\x00", "single NumPy .npy"),
    (b"\x10\x00\x00\x00\x00\x00\x00\x00{\"a\": 1}", "safetensors"),
    (b"hello world", "starts with b'hello wo'"),
])
def test_other_formats_are_named(data: bytes, message: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=message):
        load_bytes(data, tmp_path)


FLOAT_KEY = {"type": "float", "value": "1"}


def set_root(value: Any) -> Any:
    return lambda structure: structure.__setitem__("root", value)


@pytest.mark.parametrize("data, message", [
    (rewritten({"structure.json": b"{not json"}), "cannot be read as JSON"),
    (structure_with(lambda s: s.__setitem__("version", 2)), "format version 2"),
    (structure_with(lambda s: s.__setitem__("format", "other")), "'format' is not"),
    (structure_with(lambda s: s.pop("root")), "no 'root'"),
    (structure_with(set_root({"type": "module", "class": "os.system"})), "unknown node type"),
    (structure_with(set_root([1, 2])), "expected a node"),
    (structure_with(set_root({"type": "int", "value": "3"})), "the int node holds '3'"),
    (structure_with(set_root({"type": "float", "value": "x"})), "the float node holds"),
    (structure_with(set_root({"type": "dict", "items": [[FLOAT_KEY, {"type": "none"}]]})),
     "a dict key must be a str or int"),
    (structure_with(set_root({"type": "tensor", "array": "arrays/9.npy", "dtype": "float32",
                              "shape": [3], "requires_grad": False})), "not in the archive"),
    (structure_with(set_root({"type": "tensor", "array": "arrays/0.npy", "dtype": "float64",
                              "shape": [3], "requires_grad": False})), "the structure says"),
    (structure_with(set_root({"type": "tensor", "array": "arrays/0.npy", "dtype": "float32",
                              "shape": [3]})), "requires_grad"),
    (rewritten({"arrays/0.npy": b"\x93NUMPY garbage"}), "cannot be read"),
])
def test_a_malformed_checkpoint_is_refused(data: bytes, message: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=message):
        load_bytes(data, tmp_path)


def test_values_a_checkpoint_cannot_hold_are_refused_by_save() -> None:
    with pytest.raises(TypeError, match=r"obj is a Sequential; save its state_dict\(\)"):
        tge.save(make_model(), io.BytesIO())
    optimizer = optim.SGD(make_model().parameters(), lr=0.1)
    with pytest.raises(TypeError, match=r"obj\['opt'\] is a SGD; save its state_dict\(\)"):
        tge.save({"opt": optimizer}, io.BytesIO())
    with pytest.raises(TypeError, match=r"obj\[0\] is a function"):
        tge.save([lambda: 0], io.BytesIO())
    with pytest.raises(TypeError, match="dict keys must be str or int"):
        tge.save({(1, 2): 3}, io.BytesIO())
    with pytest.raises(TypeError, match="dict keys must be str or int"):
        tge.save({True: 3}, io.BytesIO())
    with pytest.raises(TypeError, match="dtype object"):
        tge.save(np.array([None]), io.BytesIO())
    with pytest.raises(TypeError, match="is a set"):
        tge.save({1, 2}, io.BytesIO())


# ---------------------------------------------------------------- map_location, weights_only
def test_map_location_to_the_cpu_is_accepted_in_torch_s_spellings() -> None:
    state = {"w": tge.tensor([1.0])}
    for location in (None, "cpu", "cpu:0", {"cuda:0": "cpu"}, {}):
        assert_identical(round_trip(state, map_location=location), state)
    seen = []

    def keep(storage: tge.Tensor, location: str) -> tge.Tensor:
        seen.append(location)
        return storage

    assert_identical(round_trip(state, map_location=keep), state)
    assert seen == ["cpu"]
    for weights_only in (True, False, None):
        assert_identical(round_trip(state, weights_only=weights_only), state)


@pytest.mark.parametrize("location", ["cuda", "cuda:1", "mps", {"cpu": "cuda:0"}])
def test_map_location_to_another_device_is_refused(location: Any) -> None:
    with pytest.raises(RuntimeError, match="map_location.* is '(cuda|mps)"):
        round_trip([tge.tensor([1.0])], map_location=location)


def test_map_location_and_weights_only_with_wrong_types() -> None:
    with pytest.raises(TypeError, match="must return a tinygrad_edu Tensor"):
        round_trip([tge.tensor([1.0])], map_location=lambda storage, location: 3)
    with pytest.raises(TypeError, match="weights_only must be"):
        round_trip([1], weights_only="yes")
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        round_trip([1], mmap=True)


def test_map_location_accepts_torch_devices() -> None:
    torch = pytest.importorskip("torch")
    assert round_trip([tge.tensor([1.0])], map_location=torch.device("cpu"))[0].tolist() == [1.0]
    with pytest.raises(RuntimeError, match="'cuda'"):
        round_trip([tge.tensor([1.0])], map_location=torch.device("cuda"))


# --------------------------------------------------------------------------- torch interop
def test_importing_tinygrad_edu_does_not_import_torch() -> None:
    code = "import sys, tinygrad_edu; print('torch' in sys.modules)"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               timeout=120, cwd=Path(__file__).resolve().parents[1])
    assert completed.stdout.strip() == "False", completed.stderr


def test_state_dicts_convert_to_and_from_torch_in_one_call() -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    torch_model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(),
                                      torch.nn.Linear(8, 3))
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    inputs = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)

    converted = tge.from_torch_state_dict(torch_model.state_dict())
    assert all(type(value) is tge.Tensor for value in converted.values())
    model.load_state_dict(converted)
    expected = torch_model(torch.from_numpy(inputs)).detach().numpy()
    np.testing.assert_allclose(model(tge.from_numpy(inputs)).detach().numpy(), expected,
                               rtol=1e-6, atol=1e-6)

    tge.manual_seed(5)
    other = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    torch_model.load_state_dict(tge.to_torch_state_dict(other.state_dict(), torch))
    for (name, value), torch_value in zip(other.state_dict().items(),
                                          torch_model.state_dict().values()):
        assert torch_value.numpy().tobytes() == value._data.tobytes(), name
    np.testing.assert_allclose(torch_model(torch.from_numpy(inputs)).detach().numpy(),
                               other(tge.from_numpy(inputs)).detach().numpy(),
                               rtol=1e-6, atol=1e-6)


def test_an_optimiser_state_dict_converts_and_a_torch_tensor_is_not_saved_silently() -> None:
    torch = pytest.importorskip("torch")
    weight = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    torch_optimizer = torch.optim.Adam([weight], lr=0.1)
    (weight * weight).sum().backward()
    torch_optimizer.step()
    state = tge.from_torch_state_dict(torch_optimizer.state_dict())
    loaded = round_trip(state)
    mine = tge.tensor([1.0, -2.0], requires_grad=True)
    optimizer = optim.Adam([mine], lr=0.5)
    optimizer.load_state_dict(loaded)
    assert optimizer.param_groups[0]["lr"] == 0.1 and optimizer.state[mine]["step"] == 1
    np.testing.assert_array_equal(optimizer.state[mine]["exp_avg"],
                                  torch_optimizer.state[weight]["exp_avg"].numpy())
    back = tge.to_torch_state_dict(optimizer.state_dict(), torch)
    assert torch.equal(back["state"][0]["exp_avg_sq"], torch_optimizer.state[weight]["exp_avg_sq"])
    with pytest.raises(TypeError, match=r"obj\['w'\] is a torch.Tensor.*from_torch_state_dict"):
        tge.save({"w": torch.ones(1)}, io.BytesIO())


def test_the_module_names_its_format() -> None:
    assert serialization.FORMAT_VERSION == 1 and serialization.STRUCTURE_ENTRY == "structure.json"
