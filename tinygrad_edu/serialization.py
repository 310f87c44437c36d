"""``save`` and ``load``: checkpoints (state dicts and what holds them) without pickle.

``save(obj, f)`` writes ``obj`` to a path or a binary file object; ``load(f)`` reads it back.
``obj`` may be any nesting of dicts, lists and tuples whose leaves are Tensors, NumPy arrays,
NumPy scalars, ``int``, ``float``, ``bool``, ``str`` and ``None``: a module's ``state_dict()``,
an optimiser's, a scheduler's, or a dict holding several of them and the epoch number.

The format is a NumPy ``.npz`` archive (a zip file, entries stored uncompressed):

- ``structure.json``: ``{"format": "tinygrad_edu.checkpoint", "version": 1, "root": node}``
  where every node is a JSON object with a ``"type"``:

  - ``{"type": "none"}``: ``None``;
  - ``{"type": "bool", "value": true}``, ``{"type": "int", "value": 3}``,
    ``{"type": "str", "value": "text"}``;
  - ``{"type": "float", "value": "0.1"}``: Python's ``repr``, which is exact and spells
    ``nan``, ``inf`` and ``-0.0``;
  - ``{"type": "list", "items": [node, ...]}``, and ``"tuple"`` (tuples stay tuples);
  - ``{"type": "dict", "items": [[key, value], ...]}`` in insertion order, and
    ``"ordered_dict"``, ``"counter"``; a key is a ``str`` or ``int`` node (bool keys, tuples and
    other keys are refused);
  - ``{"type": "tensor", "array": "arrays/0.npy", "dtype": "float32", "shape": [2, 3],
    "requires_grad": false}``, and ``"ndarray"``, ``"numpy_scalar"`` without
    ``requires_grad``.

- ``arrays/<n>.npy``: one ``.npy`` file per array, written and read with
  ``allow_pickle=False``, so its bytes are exactly the tensor's (a round trip is bit-exact). A
  Tensor (or array) that appears several times in ``obj`` is stored once and loads as one object.

Nothing in the file is code: it is read with ``zipfile``, ``json`` and ``numpy.lib.format``, never
with ``pickle``. Anything else (a truncated or damaged archive, a ``torch.save`` file, a pickle,
an object array, a plain ``.npz``, an unknown version, a malformed structure) raises ValueError
saying what was found; a value ``save`` cannot store raises TypeError naming where it is. The
``.npz`` opens with ``numpy.load(f, allow_pickle=False)`` as well.

Saving to a path is atomic: the file is written beside the target under a temporary name,
flushed to disk and renamed over the target, so a crash leaves the old checkpoint or the new one,
never half of one.

A Parameter is saved as a tensor that requires grad and loads as a Tensor (load it into a model
with ``load_state_dict``). ``from_torch_state_dict`` and ``to_torch_state_dict`` convert a state
dict (of a module or an optimiser) from and to torch tensors in one call.

Example:
    >>> import io
    >>> import tinygrad_edu as tge
    >>> buffer = io.BytesIO()
    >>> tge.save({"step": 3, "weight": tge.tensor([1.5, -2.0])}, buffer)
    >>> _ = buffer.seek(0)
    >>> tge.load(buffer)
    {'step': 3, 'weight': tensor([ 1.5000, -2.0000])}
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import zipfile
from collections import Counter, OrderedDict
from typing import IO, Any, Callable, Union

import numpy as np

from tinygrad_edu import dtypes
from tinygrad_edu.tensor import Tensor

FORMAT_NAME = "tinygrad_edu.checkpoint"
FORMAT_VERSION = 1
STRUCTURE_ENTRY = "structure.json"
ARRAY_FOLDER = "arrays/"
# Array dtypes a checkpoint holds: booleans, integers, floats (tensors), and complex (arrays).
ARRAY_KINDS = "biufc"

FileLike = Union[str, "os.PathLike[str]", IO[bytes]]
MapLocation = Union[None, str, dict, Callable[..., Any], Any]

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_NPY_MAGIC = b"\x93NUMPY"
_CPU_DEVICE = re.compile(r"^cpu(:\d+)?$")
_CONTAINER_TYPES = {"dict": dict, "ordered_dict": OrderedDict, "counter": Counter}


# ----------------------------------------------------------------------------------- saving
class _Writer:
    """Turns an object into structure nodes, collecting its arrays (each stored once)."""

    def __init__(self) -> None:
        self.arrays: list[tuple[str, np.ndarray]] = []
        self.array_names: dict[int, str] = {}  # id(Tensor or ndarray) -> its entry's name
        self.keep_alive: list[Any] = []  # so that no id above is reused while saving
        self.open_containers: set[int] = set()  # to refuse a container that holds itself

    def node(self, value: Any, where: str) -> dict[str, Any]:
        """The JSON node for ``value``; ``where`` is its path in the saved object, for errors."""
        if value is None:
            return {"type": "none"}
        if isinstance(value, Tensor):
            return self.array_node("tensor", value, value._data, where,
                                   requires_grad=value.requires_grad)
        if isinstance(value, np.ndarray):
            return self.array_node("ndarray", value, value, where)
        if isinstance(value, np.generic):
            return self.array_node("numpy_scalar", value, np.asarray(value), where)
        if isinstance(value, bool):
            return {"type": "bool", "value": value}
        if isinstance(value, int):
            return {"type": "int", "value": int(value)}
        if isinstance(value, float):
            return {"type": "float", "value": repr(float(value))}
        if isinstance(value, str):
            return {"type": "str", "value": str(value)}
        if type(value) in (list, tuple):
            self.enter(value, where)
            items = [self.node(item, f"{where}[{index}]") for index, item in enumerate(value)]
            self.open_containers.discard(id(value))
            return {"type": type(value).__name__, "items": items}
        if type(value) in (dict, OrderedDict, Counter):
            return self.mapping_node(value, where)
        raise TypeError(_unsupported_message(value, where))

    def enter(self, container: Any, where: str) -> None:
        """Note that ``container`` is being written, refusing one that contains itself."""
        if id(container) in self.open_containers:
            raise ValueError(f"save: {where} contains itself; a checkpoint must be a tree")
        self.open_containers.add(id(container))
        self.keep_alive.append(container)

    def mapping_node(self, mapping: dict[Any, Any], where: str) -> dict[str, Any]:
        self.enter(mapping, where)
        kind = {dict: "dict", OrderedDict: "ordered_dict", Counter: "counter"}[type(mapping)]
        items = []
        for key, value in mapping.items():
            if isinstance(key, bool) or not isinstance(key, (str, int)):
                raise TypeError(
                    f"save: the key {key!r} of {where} is a {type(key).__name__}; dict keys must "
                    "be str or int (convert it, e.g. str(key))"
                )
            key_node = {"type": "str", "value": str(key)} if isinstance(key, str) else {
                "type": "int", "value": int(key)}
            items.append([key_node, self.node(value, f"{where}[{key!r}]")])
        self.open_containers.discard(id(mapping))
        return {"type": kind, "items": items}

    def array_node(self, kind: str, owner: Any, array: np.ndarray, where: str,
                   requires_grad: bool = False) -> dict[str, Any]:
        if array.dtype.kind not in ARRAY_KINDS:
            raise TypeError(
                f"save: {where} is an array of dtype {array.dtype}; a checkpoint holds booleans, "
                "integers, floats and complex numbers only (object, string and structured "
                "arrays would need pickle)"
            )
        name = self.array_names.get(id(owner))
        if name is None:
            name = f"{ARRAY_FOLDER}{len(self.arrays)}.npy"
            self.array_names[id(owner)] = name
            self.arrays.append((name, array))
            self.keep_alive.append(owner)
        node: dict[str, Any] = {"type": kind, "array": name, "dtype": array.dtype.name,
                                "shape": list(array.shape)}
        if kind == "tensor":
            node["requires_grad"] = requires_grad
        return node


def _unsupported_message(value: Any, where: str) -> str:
    """Why ``value`` cannot be saved, and what to save instead."""
    name = type(value).__name__
    if callable(getattr(value, "state_dict", None)):
        return (f"save: {where} is a {name}; save its state_dict() instead and restore it "
                f"with load_state_dict() (a checkpoint holds data, never objects or code)")
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        return (f"save: {where} is a {type(value).__module__}.{name}; convert it first, e.g. "
                "with tinygrad_edu.from_torch_state_dict(...)")
    return (f"save: {where} is a {name}, which a checkpoint cannot hold; it holds dicts, lists "
            "and tuples of Tensors, NumPy arrays, int, float, bool, str and None")


def _write_archive(obj: Any, stream: IO[bytes]) -> None:
    """Write the .npz archive of ``obj`` to an open binary stream."""
    writer = _Writer()
    root = writer.node(obj, "obj")
    structure = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "root": root}
    with zipfile.ZipFile(stream, mode="w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(STRUCTURE_ENTRY, json.dumps(structure, indent=1))
        for name, array in writer.arrays:
            with archive.open(name, mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def save(obj: Any, f: FileLike) -> None:
    """Save ``obj`` (nested dicts/lists/tuples of tensors, arrays, numbers, str, None) to ``f``.

    Args:
        obj: what to save, e.g. ``model.state_dict()`` or ``{"model": ..., "optimizer": ...,
            "epoch": 3}``. Dict keys must be str or int.
        f: a path (written atomically: temporary file, fsync, rename) or a binary file object
            open for writing.

    Raises:
        TypeError: ``obj`` holds something a checkpoint cannot (a Module: save its
            ``state_dict()``), or a dict key that is not str or int.
        ValueError: ``obj`` contains itself.

    Example:
        >>> import io
        >>> import tinygrad_edu as tge
        >>> from tinygrad_edu import nn
        >>> buffer = io.BytesIO()
        >>> tge.save(nn.Linear(3, 2).state_dict(), buffer)
        >>> _ = buffer.seek(0)
        >>> sorted(tge.load(buffer))
        ['bias', 'weight']
    """
    if isinstance(f, (str, os.PathLike)):
        _save_to_path(obj, os.fspath(f))
        return
    if not hasattr(f, "write"):
        raise TypeError(f"save: f must be a path or a binary file object, got "
                        f"{type(f).__name__}")
    _write_archive(obj, f)


def _save_to_path(obj: Any, path: str) -> None:
    """Write to a new file next to ``path``, make it durable, then rename it over ``path``."""
    folder = os.path.dirname(path) or "."
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temporary = os.path.join(
            folder, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
        try:
            descriptor = os.open(temporary, flags, 0o666)  # the umask applies, as for open()
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(descriptor, "wb") as stream:
            _write_archive(obj, stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    _sync_folder(folder)


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable where the system allows opening a folder (POSIX)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


# ---------------------------------------------------------------------------------- loading
def load(f: FileLike, map_location: MapLocation = None, *,
         weights_only: bool | None = True) -> Any:
    """Load what ``save`` wrote; never runs code from the file.

    Args:
        f: a path or a binary file object (read from its current position).
        map_location: as in ``torch.load``, but every tensor lives on the CPU: ``None``,
            ``"cpu"`` (or ``"cpu:0"``, ``torch.device("cpu")``), a dict whose values are such
            devices, or a callable ``(tensor, "cpu") -> tensor``. A CUDA (or any other) device
            raises RuntimeError.
        weights_only: accepted for torch compatibility (``True``, ``False`` or ``None``); either
            way pickles are refused, since the format holds data only.

    Returns:
        The saved object: Tensors, NumPy arrays and scalars, numbers, str, None in the same
        dicts (``OrderedDict``, ``Counter`` kept), lists and tuples.

    Raises:
        ValueError: the file is not a tinygrad_edu checkpoint (a pickle, a ``torch.save`` file,
            a plain ``.npz`` or ``.npy``, safetensors), is truncated or damaged, holds an object
            array, has an unknown version or a malformed structure.
        RuntimeError: ``map_location`` names a device other than the CPU.

    Example:
        >>> import io
        >>> import tinygrad_edu as tge
        >>> buffer = io.BytesIO()
        >>> tge.save([(1, 2.5), None, "text"], buffer)
        >>> _ = buffer.seek(0)
        >>> tge.load(buffer, map_location="cpu")
        [(1, 2.5), None, 'text']
    """
    if weights_only not in (True, False, None):
        raise TypeError(f"load: weights_only must be True, False or None, got {weights_only!r}")
    relocate = _relocation(map_location)
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        with open(path, "rb") as stream:
            return _read_archive(stream, repr(path), relocate)
    if not hasattr(f, "read"):
        raise TypeError(f"load: f must be a path or a binary file object, got "
                        f"{type(f).__name__}")
    return _read_archive(f, "the file object", relocate)


def _relocation(map_location: MapLocation) -> Callable[[Tensor], Tensor] | None:
    """Check ``map_location`` and return what to do with each loaded tensor (None: nothing)."""
    if map_location is None:
        return None
    if isinstance(map_location, dict):
        for source, target in map_location.items():
            _require_cpu(target, f"map_location[{source!r}]")
        return None
    if isinstance(map_location, str) or not callable(map_location):
        _require_cpu(map_location, "map_location")
        return None
    function = map_location

    def relocate(tensor: Tensor) -> Tensor:
        result = function(tensor, "cpu")
        if not isinstance(result, Tensor):
            raise TypeError(
                f"load: map_location returned a {type(result).__name__}; it is called as "
                "map_location(tensor, 'cpu') and must return a tinygrad_edu Tensor"
            )
        return result

    return relocate


def _require_cpu(device: Any, name: str) -> None:
    text = str(device)
    if not _CPU_DEVICE.match(text):
        raise RuntimeError(
            f"load: {name} is {text!r}, but tinygrad_edu tensors are NumPy arrays on the CPU; "
            "pass map_location='cpu' (or leave it out)"
        )


def _read_archive(stream: IO[bytes], source: str,
                  relocate: Callable[[Tensor], Tensor] | None) -> Any:
    """Identify the file, open the archive, decode the structure and its arrays."""
    if not stream.seekable():  # a pipe or socket: zipfile needs to seek, so read it all first
        stream = io.BytesIO(stream.read())
    start = stream.tell()
    head = stream.read(16)
    stream.seek(start)
    if not head.startswith(_ZIP_MAGIC):
        raise ValueError(f"load: {source} is not a tinygrad_edu checkpoint: {_describe(head)}")
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise ValueError(
            f"load: {source} starts like a zip archive but cannot be opened ({error}): the file "
            "is truncated or damaged; save it again"
        ) from None
    with archive:
        names = set(archive.namelist())
        if STRUCTURE_ENTRY not in names:
            raise ValueError(f"load: {source} is not a tinygrad_edu checkpoint: "
                             f"{_describe_archive(names)}")
        reader = _Reader(archive, names, source, relocate)
        return reader.read()


def _describe(head: bytes) -> str:
    """What a file that is not a zip archive seems to be, from its first bytes."""
    if not head:
        return "the file is empty"
    if head[:1] == b"\x80" and len(head) > 1 and head[1] <= 5:
        return (f"it is a pickle (protocol {head[1]}), the format of torch.save's legacy files "
                "and of pickle.dump; pickles can run arbitrary code when loaded and are refused. "
                "Convert it once in a trusted session: torch.load it, then "
                "tinygrad_edu.save(tinygrad_edu.from_torch_state_dict(obj), path)")
    if head.startswith(_NPY_MAGIC):
        return "it is a single NumPy .npy array; read it with numpy.load(f, allow_pickle=False)"
    if len(head) >= 9 and head[8:9] == b"{":
        return "it looks like a safetensors file; read it with the safetensors package"
    return (f"it starts with {head[:8]!r} (a checkpoint is a zip archive starting with b'PK'); "
            "it may be a pickle or another format, which load refuses")


def _describe_archive(names: set[str]) -> str:
    if any(name.endswith("data.pkl") for name in names):
        return ("it is a torch.save file (a zip archive holding a pickle), which can run code "
                "when loaded and is refused. Convert it once in a trusted session: torch.load "
                "it, then tinygrad_edu.save(tinygrad_edu.from_torch_state_dict(obj), path)")
    if names and all(name.endswith(".npy") for name in names):
        return (f"it is a plain NumPy .npz archive without {STRUCTURE_ENTRY}; read it with "
                "numpy.load(f, allow_pickle=False)")
    return f"it is a zip archive without {STRUCTURE_ENTRY}"


class _Reader:
    """Decodes structure nodes, reading each array entry once, checking everything it reads."""

    def __init__(self, archive: zipfile.ZipFile, names: set[str], source: str,
                 relocate: Callable[[Tensor], Tensor] | None) -> None:
        self.archive = archive
        self.names = names
        self.source = source
        self.relocate = relocate
        self.loaded: dict[tuple[str, str], Any] = {}

    def fail(self, where: str, problem: str) -> ValueError:
        return ValueError(f"load: {self.source} is damaged or was not written by "
                          f"tinygrad_edu.save: {where}: {problem}")

    def read(self) -> Any:
        try:
            text = self.archive.read(STRUCTURE_ENTRY)
            structure = json.loads(text.decode("utf-8"))
        except (zipfile.BadZipFile, OSError, EOFError, UnicodeDecodeError, ValueError) as error:
            raise self.fail(STRUCTURE_ENTRY, f"cannot be read as JSON ({error})") from None
        if not isinstance(structure, dict) or structure.get("format") != FORMAT_NAME:
            raise self.fail(STRUCTURE_ENTRY, f"its 'format' is not {FORMAT_NAME!r}")
        version = structure.get("version")
        if version != FORMAT_VERSION:
            raise ValueError(
                f"load: {self.source} has format version {version!r}; this tinygrad_edu reads "
                f"version {FORMAT_VERSION} (a newer release may have written it: upgrade)"
            )
        if "root" not in structure:
            raise self.fail(STRUCTURE_ENTRY, "it has no 'root'")
        try:
            return self.value(structure["root"], "obj")
        except RecursionError:
            raise self.fail("obj", "the structure is nested too deeply") from None

    def value(self, node: Any, where: str) -> Any:
        if not isinstance(node, dict) or not isinstance(node.get("type"), str):
            raise self.fail(where, f"expected a node with a 'type', found {node!r:.80}")
        kind = node["type"]
        if kind == "none":
            return None
        if kind in ("bool", "int", "str"):
            expected = {"bool": bool, "int": int, "str": str}[kind]
            value = node.get("value")
            if not isinstance(value, expected) or (kind == "int" and isinstance(value, bool)):
                raise self.fail(where, f"the {kind} node holds {value!r:.80}")
            return value
        if kind == "float":
            try:
                return float(node["value"])
            except (KeyError, TypeError, ValueError):
                raise self.fail(where, f"the float node holds {node.get('value')!r:.80}") from None
        if kind in ("list", "tuple"):
            items = node.get("items")
            if not isinstance(items, list):
                raise self.fail(where, f"a {kind} node has no list of items")
            values = [self.value(item, f"{where}[{index}]") for index, item in enumerate(items)]
            return values if kind == "list" else tuple(values)
        if kind in _CONTAINER_TYPES:
            return self.mapping(node, kind, where)
        if kind in ("tensor", "ndarray", "numpy_scalar"):
            return self.array_value(node, kind, where)
        raise self.fail(where, f"unknown node type {kind!r}")

    def mapping(self, node: dict[str, Any], kind: str, where: str) -> Any:
        items = node.get("items")
        if not isinstance(items, list):
            raise self.fail(where, f"a {kind} node has no list of items")
        pairs = []
        for item in items:
            if not isinstance(item, list) or len(item) != 2:
                raise self.fail(where, f"a {kind} item is not a [key, value] pair")
            key_node = item[0]
            if not isinstance(key_node, dict) or key_node.get("type") not in ("str", "int"):
                raise self.fail(where, f"a dict key must be a str or int node, found "
                                       f"{key_node!r:.80}")
            key = self.value(key_node, where)
            pairs.append((key, self.value(item[1], f"{where}[{key!r}]")))
        if kind == "counter":
            return Counter(dict(pairs))
        return OrderedDict(pairs) if kind == "ordered_dict" else dict(pairs)

    def array_value(self, node: dict[str, Any], kind: str, where: str) -> Any:
        name = node.get("array")
        if not isinstance(name, str) or name not in self.names:
            raise self.fail(where, f"its array entry {name!r:.80} is not in the archive")
        cached = self.loaded.get((kind, name))
        if cached is not None:
            return cached
        array = self.read_array(name, where)
        if node.get("dtype") != array.dtype.name or node.get("shape") != list(array.shape):
            raise self.fail(where, f"{name} holds {array.dtype.name} {list(array.shape)}, the "
                                   f"structure says {node.get('dtype')} {node.get('shape')}")
        result: Any
        if kind == "numpy_scalar":
            if array.ndim != 0:
                raise self.fail(where, f"a NumPy scalar with shape {tuple(array.shape)}")
            result = array[()]
        elif kind == "ndarray":
            result = array
        else:
            requires_grad = node.get("requires_grad")
            if not isinstance(requires_grad, bool):
                raise self.fail(where, "a tensor node needs requires_grad true or false")
            if array.dtype.kind not in dtypes.SUPPORTED_KINDS:
                raise self.fail(where, f"a tensor cannot hold dtype {array.dtype}")
            if requires_grad and not dtypes.is_floating(array.dtype):
                raise self.fail(where, f"a {array.dtype} tensor cannot require grad")
            if not array.dtype.isnative:  # tensors compute in the machine's byte order
                array = array.astype(array.dtype.newbyteorder("="))
            result = Tensor._wrap(array, requires_grad)
            if self.relocate is not None:
                result = self.relocate(result)
        self.loaded[(kind, name)] = result
        return result

    def read_array(self, name: str, where: str) -> np.ndarray:
        """Read one .npy entry without pickle, checking its CRC and that nothing follows it."""
        try:
            with self.archive.open(name) as member:
                array = np.lib.format.read_array(member, allow_pickle=False)
                trailing = member.read()
        except ValueError as error:
            if "allow_pickle" in str(error) or "Object arrays" in str(error):
                raise self.fail(where, f"{name} is an object array, which only pickle can "
                                       "read; refused") from None
            raise self.fail(where, f"{name} cannot be read ({error})") from None
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise self.fail(where, f"{name} is truncated or corrupt ({error})") from None
        if trailing:
            raise self.fail(where, f"{name} has {len(trailing)} bytes after its array")
        if array.dtype.kind not in ARRAY_KINDS:
            raise self.fail(where, f"{name} has dtype {array.dtype}, which a checkpoint "
                                   "never holds")
        if not (array.flags.writeable and array.flags.c_contiguous):
            array = np.array(array, order="C", copy=True)
        return array


# ------------------------------------------------------------------------- torch conversion
def from_torch_state_dict(state_dict: Any) -> Any:
    """A copy of ``state_dict`` with every torch tensor made a tinygrad_edu Tensor.

    Works on any nesting of dicts, lists and tuples (a module's or an optimiser's state dict);
    other values are kept. A tensor is anything with ``.detach().cpu().numpy()``, so torch
    is not imported here.

    Example:
        >>> import numpy as np
        >>> import tinygrad_edu as tge
        >>> tge.from_torch_state_dict({"weight": np.array([1.0, 2.0]), "steps": 2})
        {'weight': array([1., 2.]), 'steps': 2}
    """
    if isinstance(state_dict, Tensor) or not hasattr(state_dict, "detach"):
        return _map_leaves(state_dict, from_torch_state_dict)
    array = np.array(state_dict.detach().cpu().numpy(), copy=True)
    dtypes.check_supported(array.dtype, "from_torch_state_dict")
    return Tensor._wrap(array, bool(getattr(state_dict, "requires_grad", False)))


def to_torch_state_dict(state_dict: Any, torch: Any) -> Any:
    """A copy of ``state_dict`` with every Tensor (and NumPy array) made a torch tensor.

    ``torch`` is the torch module, passed in by the caller: the library never imports torch.

    Example (with torch installed; tests/test_serialization.py runs it)::

        torch_model.load_state_dict(tge.to_torch_state_dict(model.state_dict(), torch))
    """

    def convert(value: Any) -> Any:
        if isinstance(value, Tensor):
            return torch.from_numpy(value._data.copy()).requires_grad_(value.requires_grad)
        if isinstance(value, np.ndarray):
            return torch.from_numpy(value.copy())
        return _map_leaves(value, convert)

    return convert(state_dict)


def _map_leaves(value: Any, convert: Callable[[Any], Any]) -> Any:
    """Apply ``convert`` inside dicts, lists and tuples; other values are returned as they are."""
    if isinstance(value, dict):
        pairs = [(key, convert(item)) for key, item in value.items()]
        if isinstance(value, Counter):
            return Counter(dict(pairs))
        return OrderedDict(pairs) if isinstance(value, OrderedDict) else dict(pairs)
    if isinstance(value, list):
        return [convert(item) for item in value]
    if isinstance(value, tuple):
        return tuple(convert(item) for item in value)
    return value
