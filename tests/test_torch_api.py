"""Every torch name tinygrad_edu provides behaves as torch's, on small inputs, by construction.

``tests/torch_api_cases.py`` holds one case per provided name (docs/TORCH_COVERAGE.md's
"Provided" lists); the first tests below fail when a name is provided without a case, or a case
names something not provided. Each case runs with torch and with tinygrad_edu and the results are
compared: values (float64, tolerance 1e-10), dtype, shape, ``requires_grad``, ``is_leaf``, the
gradients of the recorded inputs after ``backward`` on the sum of the float outputs, and, where
torch raises, the exception type. A second test compares each name's parameter list with torch's.

Differences we know of are listed in ``KNOWN_DIFFERENCES`` (behaviour) and in
``torch_api_cases.SIGNATURE_DIFFERENCES`` (parameters); they run as strict xfails, so the lists
can only shrink: fixing a difference makes its xfail pass, and the test asks to remove the entry.
"""

from __future__ import annotations

import inspect
import re
from types import ModuleType
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import tinygrad_edu as tge  # noqa: E402
from tests import torch_api_cases  # noqa: E402
from tests.torch_api_cases import CASES, Case, dtype_name, name_of, x  # noqa: E402
from tinygrad_edu.torch_names import NAMESPACES, public_names, resolve  # noqa: E402

TOLERANCE = {  # float64: same math as torch; lower precisions: torch's kernels round differently
    "float64": {"atol": 1e-10, "rtol": 1e-10},
    "float32": {"atol": 1e-6, "rtol": 1e-6},
    "float16": {"atol": 1e-3, "rtol": 1e-3},
}

# case key -> why tinygrad_edu differs from torch there (README's documented differences).
KNOWN_DIFFERENCES: dict[str, str] = {
    "torch.Tensor (integer data)": ("torch.Tensor(data) always makes the default float dtype; "
                                    "tinygrad_edu.Tensor keeps the data's (int64 for integers)"),
    "torch.Tensor.cuda": ("torch without CUDA raises AssertionError ('Torch not compiled with "
                          "CUDA enabled'); tinygrad_edu raises RuntimeError (no GPU backend)"),
    "torch.Tensor.grad_fn (name)": ("grad_fn.name() is 'MulBackward' here, 'MulBackward0' in "
                                    "torch (which numbers the overloads)"),
    "torch.utils.data.TensorDataset (size mismatch)": (
        "tensors of different lengths raise ValueError here (the house style keeps assert for "
        "internal invariants), AssertionError in torch"),
}


def provided_names() -> list[str]:
    """torch's dotted names that tinygrad_edu provides, as docs/TORCH_COVERAGE.md lists them:
    the public names of each torch namespace, submodules left out, that ours also has."""
    names = []
    for torch_path, our_path in NAMESPACES:
        theirs, ours = resolve(torch_path), resolve(our_path)
        our_names = set(public_names(ours))
        names += [f"{torch_path}.{name}" for name in public_names(theirs)
                  if name in our_names and not inspect.ismodule(getattr(theirs, name, None))]
    return names


PROVIDED = provided_names()


def test_every_provided_name_has_a_case() -> None:
    covered = {name_of(key) for key in CASES}
    missing = [name for name in PROVIDED if name not in covered]
    assert not missing, f"add a case to tests/torch_api_cases.py for: {', '.join(missing)}"


def test_every_case_is_of_a_provided_name() -> None:
    provided = set(PROVIDED)
    unknown = [key for key in CASES if name_of(key) not in provided]
    assert not unknown, f"cases of names tinygrad_edu does not provide: {', '.join(unknown)}"


def test_the_difference_lists_name_existing_cases() -> None:
    assert not [key for key in KNOWN_DIFFERENCES if key not in CASES]
    for listed in (torch_api_cases.SIGNATURE_DIFFERENCES,
                   torch_api_cases.SIGNATURE_NOT_INSPECTABLE):
        assert not [name for name in listed if name not in PROVIDED]


# ------------------------------------------------------------------------------ the comparer
def assert_same(ours: Any, theirs: Any, where: str = "result") -> None:
    """``ours`` (tinygrad_edu's) equals ``theirs`` (torch's), recursively; an AssertionError that
    says where they differ otherwise."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, tge.Tensor), (
            f"{where}: torch gives a Tensor, tinygrad_edu a {type(ours).__name__}")
        assert tuple(ours.shape) == tuple(theirs.shape), (
            f"{where}: shape {tuple(ours.shape)} != torch's {tuple(theirs.shape)}")
        assert dtype_name(ours.dtype) == dtype_name(theirs.dtype), (
            f"{where}: dtype {dtype_name(ours.dtype)} != torch's {dtype_name(theirs.dtype)}")
        assert ours.requires_grad == theirs.requires_grad, (
            f"{where}: requires_grad {ours.requires_grad} != torch's {theirs.requires_grad}")
        assert ours.is_leaf == theirs.is_leaf, (
            f"{where}: is_leaf {ours.is_leaf} != torch's {theirs.is_leaf}")
        assert_same_values(np.array(ours.detach().clone().tolist()),
                           np.array(theirs.detach().clone().tolist()),  # clone: torch's zero-grads
                           dtype_name(theirs.dtype), where)
    elif isinstance(theirs, torch.dtype):
        assert not isinstance(ours, str) and dtype_name(ours) == dtype_name(theirs), (
            f"{where}: dtype {ours!r} != torch's {theirs}")
    elif isinstance(theirs, torch.device):
        assert type(ours).__name__ == "device" and str(ours) == str(theirs), (
            f"{where}: device {ours!r} != torch's {theirs!r}")
    elif isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray), (
            f"{where}: torch gives a NumPy array, tinygrad_edu a {type(ours).__name__}")
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, (
            f"{where}: array {ours.dtype}{ours.shape} != torch's {theirs.dtype}{theirs.shape}")
        assert_same_values(ours, theirs, str(theirs.dtype), where)
    elif isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and isinstance(ours, tuple) == isinstance(
            theirs, tuple), f"{where}: {type(ours).__name__} != torch's {type(theirs).__name__}"
        assert len(ours) == len(theirs), f"{where}: length {len(ours)} != torch's {len(theirs)}"
        for index, (mine, torchs) in enumerate(zip(ours, theirs)):
            assert_same(mine, torchs, f"{where}[{index}]")
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs), (
            f"{where}: keys {list(ours) if isinstance(ours, dict) else ours!r} != torch's "
            f"{list(theirs)}")
        for key in theirs:
            assert_same(ours[key], theirs[key], f"{where}[{key!r}]")
    elif isinstance(theirs, (bool, int, float, str, type(None))):
        assert type(ours) is type(theirs), (
            f"{where}: {type(ours).__name__} {ours!r} != torch's {type(theirs).__name__} "
            f"{theirs!r}")
        if isinstance(theirs, float):
            assert_same_values(np.array(ours), np.array(theirs), "float64", where)
        else:
            assert ours == theirs, f"{where}: {ours!r} != torch's {theirs!r}"
    else:
        raise TypeError(f"{where}: cannot compare a {type(theirs).__name__}; make the case "
                        "return tensors, numbers, strings, dtypes, devices or containers of them")


def assert_same_values(ours: np.ndarray, theirs: np.ndarray, dtype: str, where: str) -> None:
    if dtype in TOLERANCE:
        np.testing.assert_allclose(ours, theirs, **TOLERANCE[dtype], err_msg=where)
    else:
        np.testing.assert_array_equal(ours, theirs, err_msg=where)


def differentiable_outputs(result: Any) -> list[Any]:
    """The float tensors in ``result`` (nested in lists, tuples, dicts) that require grad."""
    if isinstance(result, (tuple, list)):
        return [tensor for item in result for tensor in differentiable_outputs(item)]
    if isinstance(result, dict):
        return differentiable_outputs(list(result.values()))
    floating = isinstance(result, (tge.Tensor, torch.Tensor)) and dtype_name(
        result.dtype).startswith("float")
    return [result] if floating and result.requires_grad else []


def call(case: Case, lib: ModuleType) -> tuple[Any, Exception | None, list[Any]]:
    """``case(lib)``: its result or the exception it raised, and the tensors it recorded for the
    gradient comparison."""
    torch_api_cases.RECORDED.clear()
    try:
        result = case(lib)
    except Exception as error:  # compared with torch's by the caller
        return None, error, []
    return result, None, list(torch_api_cases.RECORDED)


def backward_through(result: Any) -> None:
    """``backward`` on the sum of the float outputs in ``result`` that require grad."""
    outputs = differentiable_outputs(result)
    if outputs:
        sum(output.sum() for output in outputs).backward()


def assert_case_matches_torch(case: Case) -> None:
    """Run ``case`` with both libraries; compare results, exceptions, then gradients."""
    theirs, their_error, their_recorded = call(case, torch)
    ours, our_error, our_recorded = call(case, tge)
    if their_error is not None:
        assert our_error is not None, (
            f"torch raises {type(their_error).__name__} ({their_error}); tinygrad_edu returns "
            f"{ours!r}")
        assert type(our_error) is type(their_error), (
            f"torch raises {type(their_error).__name__} ({their_error}); tinygrad_edu raises "
            f"{type(our_error).__name__} ({our_error})")
        return
    if our_error is not None:
        raise our_error
    assert_same(ours, theirs)
    backward_through(theirs)
    backward_through(ours)
    assert len(our_recorded) == len(their_recorded)
    for index, (mine, torchs) in enumerate(zip(our_recorded, their_recorded)):
        if torchs.grad is None:
            assert mine.grad is None, f"input {index}: a gradient where torch has None"
        else:
            assert_same(mine.grad, torchs.grad, f"input {index}'s grad")


def with_known_differences(keys: list[str], known: dict[str, str]) -> list[Any]:
    """``keys`` as pytest params, the ones in ``known`` as strict xfails with their reason."""
    return [pytest.param(key, marks=pytest.mark.xfail(reason=known[key], strict=True))
            if key in known else key for key in keys]


@pytest.mark.parametrize("key", with_known_differences(sorted(CASES), KNOWN_DIFFERENCES))
def test_behaves_as_torch(key: str) -> None:
    assert_case_matches_torch(CASES[key])


# ----------------------------------------------------------------------- the comparer fails
@pytest.mark.parametrize("ours, theirs", [
    (lambda: tge.tensor([1.0, 2.0]), lambda: torch.tensor([1.0, 2.5])),
    (lambda: tge.tensor([1.0, 2.0]), lambda: torch.tensor([1.0, 2.0], dtype=torch.float64)),
    (lambda: tge.tensor([1.0, 2.0]), lambda: torch.tensor([[1.0, 2.0]])),
    (lambda: tge.tensor([1.0]), lambda: torch.tensor([1.0], requires_grad=True)),
    (lambda: tge.tensor([1.0], requires_grad=True) * 2,
     lambda: torch.tensor([2.0], requires_grad=True)),
    (lambda: np.array([1.0]), lambda: torch.tensor([1.0])),
    (lambda: (tge.tensor(1.0),), lambda: [torch.tensor(1.0)]),
    (lambda: 1, lambda: 1.0), (lambda: 1.0, lambda: 1.0 + 1e-6),
    (lambda: {"a": 1}, lambda: {"b": 1}), (lambda: "float32", lambda: torch.float32),
])
def test_the_comparer_fails_on_a_mismatch(ours: Any, theirs: Any) -> None:
    with pytest.raises(AssertionError):
        assert_same(ours(), theirs())


def gradient_differs(lib: ModuleType) -> Any:
    """Equal values, different gradients: x * 0 + 1 against x - x.detach() + 1."""
    t = x(lib)
    return t * 0 + 1 if lib is tge else t - t.detach() + 1


def error_differs(lib: ModuleType) -> Any:
    """torch raises a RuntimeError, ours a ValueError."""
    return x(lib).mm(x(lib)) if lib is torch else int("not a number")


@pytest.mark.parametrize("case", [
    lambda lib: lib.exp(x(lib)) * (1.0 if lib is tge else 1.0 + 1e-8),  # values
    gradient_differs,
    lambda lib: x(lib) if lib is tge else x(lib).detach(),  # requires_grad
    lambda lib: x(lib).mm(x(lib)) if lib is torch else x(lib),  # torch raises, we do not
    error_differs,
])
def test_the_case_runner_fails_on_a_mismatch(case: Case) -> None:
    with pytest.raises(AssertionError):
        assert_case_matches_torch(case)


def test_the_case_runner_passes_a_matching_case() -> None:
    assert_case_matches_torch(lambda lib: (lib.exp(x(lib)), lib.tensor([1, 2]), 3.5, "a"))


# ------------------------------------------------------------------------------ signatures
Parameters = list[tuple[str, str]]  # (name, kind): kind in positional, keyword, *args, **kwargs


def from_signature(signature: inspect.Signature) -> Parameters:
    kinds = {inspect.Parameter.POSITIONAL_ONLY: "positional",
             inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional",
             inspect.Parameter.KEYWORD_ONLY: "keyword",
             inspect.Parameter.VAR_POSITIONAL: "*args",
             inspect.Parameter.VAR_KEYWORD: "**kwargs"}
    parameters = [(name, kinds[parameter.kind])
                  for name, parameter in signature.parameters.items()]
    return parameters[1:] if parameters[:1] == [("self", "positional")] else parameters


def split_top_level(text: str) -> list[str]:
    """``text`` split at the commas outside brackets."""
    pieces, depth, current = [], 0, ""
    for character in text:
        depth += character in "([{"
        depth -= character in ")]}"
        if character == "," and depth == 0:
            pieces.append(current)
            current = ""
        else:
            current += character
    return pieces + [current] if current.strip() else pieces


def from_docstring_line(arguments: str) -> Parameters:
    """The parameters of one signature line of a docstring, e.g. ``input, *, out=None``."""
    parameters, kind = [], "positional"
    for piece in split_top_level(arguments.replace("\\*", "*")):
        piece = piece.strip()
        if piece == "*":
            kind = "keyword"
        elif piece.startswith("**"):
            parameters.append((piece[2:], "**kwargs"))
        elif piece.startswith("*"):
            parameters.append((piece[1:].split(":")[0].strip(), "*args"))
            kind = "keyword"
        else:
            parameters.append((re.split(r"[:=]", piece)[0].strip(), kind))
    return parameters


def torch_overloads(torch_object: Any, name: str) -> list[Parameters]:
    """torch's parameter lists for ``name``: from ``inspect.signature``, else from every line of
    its docstring that shows a call of ``name`` (torch's builtins list their overloads there);
    empty when neither shows one."""
    try:
        return [from_signature(inspect.signature(torch_object))]
    except (ValueError, TypeError):
        pass
    overloads = []
    for line in (torch_object.__doc__ or "").splitlines():
        found = re.match(rf"\s*(\.\. function:: )?{re.escape(name)}\((.*)\)\s*(->.*)?$", line)
        if found:
            overloads.append(from_docstring_line(found.group(2)))
    return overloads


def incompatibilities(ours: Parameters, theirs: Parameters) -> list[str]:
    """Why a call written for torch's ``theirs`` might bind differently to ``ours``: our
    positional parameters must be torch's, in torch's order; our keywords torch's keywords."""
    their_names = {name for name, kind in theirs if kind in ("positional", "keyword")}
    their_positional = [name for name, kind in theirs if kind == "positional"]
    their_kinds = {kind for _, kind in theirs}
    problems = []
    our_positional = [name for name, kind in ours if kind == "positional"]
    for index, name in enumerate(our_positional):
        if index < len(their_positional) and name != their_positional[index]:
            problems.append(f"positional parameter {index} is '{name}', torch's "
                            f"'{their_positional[index]}'")
        elif index >= len(their_positional) and "*args" not in their_kinds:
            problems.append(f"'{name}' is positional, torch's keyword-only or absent")
    for name, kind in ours:
        if kind == "keyword" and name not in their_names and "**kwargs" not in their_kinds:
            problems.append(f"keyword '{name}' is not a parameter of torch's")
        if kind in ("*args", "**kwargs") and kind not in their_kinds:
            problems.append(f"takes {kind} where torch does not")
    return problems


def signature_problems(name: str) -> list[str]:
    """Why ``name``'s parameters differ from torch's (empty when they agree, or neither is a
    callable); raises LookupError when torch shows no signature at all."""
    namespace_path, _, short_name = name.rpartition(".")
    their_object = getattr(resolve(namespace_path), short_name)
    our_object = getattr(resolve(dict(NAMESPACES)[namespace_path]), short_name)
    if not callable(their_object):
        assert not callable(our_object), f"torch's {name} is an attribute, ours a callable"
        return []
    assert callable(our_object), f"torch's {name} is a callable, ours is not"
    overloads = torch_overloads(their_object, short_name)
    if not overloads:
        raise LookupError(f"torch's {name} shows no signature")
    ours = from_signature(inspect.signature(our_object))
    problems = [incompatibilities(ours, theirs) for theirs in overloads]
    if any(not found for found in problems):
        return []
    return [f"{problem} (torch: {theirs})" for found, theirs in zip(problems, overloads)
            for problem in found]


def signature_keys() -> list[Any]:
    keys = [name for name in PROVIDED if name not in torch_api_cases.SIGNATURE_NOT_INSPECTABLE]
    return with_known_differences(keys, torch_api_cases.SIGNATURE_DIFFERENCES)


@pytest.mark.parametrize("name", signature_keys())
def test_parameters_are_torch_parameters(name: str) -> None:
    problems = signature_problems(name)
    assert not problems, f"{name}: " + "; ".join(problems)


@pytest.mark.parametrize("name", sorted(torch_api_cases.SIGNATURE_NOT_INSPECTABLE))
def test_names_listed_as_not_inspectable_are_not(name: str) -> None:
    with pytest.raises(LookupError):
        signature_problems(name)


def test_the_signature_check_fails_on_a_mismatch() -> None:
    theirs = from_docstring_line("input, dim=None, keepdim=False, *, out=None")
    assert incompatibilities([("input", "positional"), ("dim", "positional")], theirs) == []
    assert incompatibilities([("input", "positional"), ("keepdim", "positional")], theirs)
    assert incompatibilities([("input", "positional"), ("axis", "keyword")], theirs)
    assert incompatibilities([("input", "positional"), ("rest", "*args")], theirs)
