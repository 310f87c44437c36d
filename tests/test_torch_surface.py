"""PyTorch code runs unchanged with ``import tinygrad_edu as torch``.

Each test writes a small piece of a learner's script once, as a function of the library module
``lib``, runs it with torch and with tinygrad_edu, and compares what comes out: values, dtypes,
``requires_grad``, gradients (float64), and the type of the error where torch raises one.
"""

from __future__ import annotations

import warnings
from types import ModuleType
from typing import Any, Callable

import numpy as np
import pytest

import tinygrad_edu as tge

torch = pytest.importorskip("torch")

TOLERANCE = {"atol": 1e-12, "rtol": 1e-12}


def as_array(value: Any) -> np.ndarray:
    """A tensor of either library (or a number) as a NumPy array."""
    if isinstance(value, (tge.Tensor, torch.Tensor)):
        return np.array(value.detach().tolist())
    return np.asarray(value)


def error_type(script: Callable[[ModuleType], Any], lib: ModuleType) -> type[BaseException]:
    """The type of the exception ``script(lib)`` raises (the test fails if it raises none)."""
    with pytest.raises(Exception) as caught:
        script(lib)
    return caught.type


def assert_same_error(script: Callable[[ModuleType], Any]) -> None:
    """torch and tinygrad_edu both raise, with the same exception type."""
    assert error_type(script, tge) is error_type(script, torch)


# ------------------------------------------------------------------ in-place operators
def test_augmented_assignment_is_in_place_and_keeps_the_object() -> None:
    def script(lib: ModuleType) -> tuple[bool, list[float], int]:
        x = lib.tensor([1.0, 2.0, 4.0], dtype=lib.float64)
        alias = x[:]  # a view: it sees every write to x's memory
        identity = id(x)
        x += 1
        x -= 0.5
        x *= lib.tensor([2.0, 3.0, 4.0], dtype=lib.float64)
        x /= 3
        x **= 2
        version = x._version if lib is torch else x._version.value
        return id(x) == identity, alias.tolist(), version

    ours, theirs = script(tge), script(torch)
    assert ours[0] and theirs[0]
    np.testing.assert_allclose(ours[1], theirs[1], **TOLERANCE)
    assert ours[2] == theirs[2] == 5


def test_augmented_assignment_records_on_non_leaf_tensors() -> None:
    def script(lib: ModuleType) -> tuple[np.ndarray, np.ndarray]:
        x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        y = x * 2
        y += 1
        y *= x
        y /= 3
        y **= 2
        y -= x
        y.sum().backward()
        return as_array(y), as_array(x.grad)

    for ours, theirs in zip(script(tge), script(torch)):
        np.testing.assert_allclose(ours, theirs, **TOLERANCE)


def test_augmented_assignment_through_an_index_writes_the_base() -> None:
    def script(lib: ModuleType) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        w = lib.ones(3, 2, dtype=lib.float64, requires_grad=True)
        with lib.no_grad():
            w[0] -= 0.25
        y = w * 1
        y[:, 1] *= 5
        y.sum().backward()
        return as_array(w), as_array(y), as_array(w.grad)

    for ours, theirs in zip(script(tge), script(torch)):
        np.testing.assert_allclose(ours, theirs, **TOLERANCE)


def manual_sgd(lib: ModuleType, steps: int = 20) -> list[float]:
    """The classic first training loop: a linear model fitted with hand-written SGD updates."""
    rng = np.random.default_rng(0)
    inputs = lib.tensor(rng.standard_normal((16, 3)), dtype=lib.float64)
    targets = lib.tensor(rng.standard_normal((16, 1)), dtype=lib.float64)
    w = lib.tensor(rng.standard_normal((3, 1)), dtype=lib.float64, requires_grad=True)
    b = lib.zeros(1, dtype=lib.float64, requires_grad=True)
    learning_rate = 0.1
    losses = []
    for _ in range(steps):
        loss = ((inputs @ w + b - targets) ** 2).mean()
        loss.backward()
        with lib.no_grad():
            w -= learning_rate * w.grad
            b -= learning_rate * b.grad
            w.grad.zero_()
            b.grad.zero_()
        losses.append(loss.item())
    return losses


def test_manual_sgd_loop_trains_like_torch() -> None:
    ours, theirs = manual_sgd(tge), manual_sgd(torch)
    np.testing.assert_allclose(ours, theirs, **TOLERANCE)
    assert ours[-1] < ours[0] / 2


@pytest.mark.parametrize("operator", ["+=", "-=", "*=", "/=", "**="])
def test_augmented_assignment_on_a_leaf_that_requires_grad_raises(operator: str) -> None:
    def script(lib: ModuleType) -> None:
        w = lib.ones(2, requires_grad=True)
        exec(f"w {operator} 2", {}, {"w": w})

    assert_same_error(script)
    assert error_type(script, tge) is RuntimeError


@pytest.mark.parametrize("statement", [
    "x /= 2", "x *= 1.5", "x += 0.5", "x **= 0.5", "x **= -1", "x += lib.ones(2, 2)",
    "x -= lib.ones(3)",
])
def test_augmented_assignment_errors_match_torch(statement: str) -> None:
    def script(lib: ModuleType) -> None:
        exec(statement, {}, {"x": lib.tensor([1, 2]), "lib": lib})

    assert_same_error(script)


def test_matmul_assignment_makes_a_new_tensor_as_in_torch() -> None:
    # torch has no __imatmul__: ``a @= b`` is ``a = a @ b``, whatever the shapes.
    def script(lib: ModuleType) -> tuple[bool, np.ndarray]:
        a = lib.ones(2, 3, dtype=lib.float64)
        identity = id(a)
        a @= lib.ones(3, 4, dtype=lib.float64)
        return id(a) == identity, as_array(a)

    ours, theirs = script(tge), script(torch)
    assert ours[0] == theirs[0] is False
    np.testing.assert_array_equal(ours[1], theirs[1])


# ----------------------------------------------------------------------------- devices
def test_device_objects_behave_like_torch() -> None:
    def script(lib: ModuleType) -> list[Any]:
        cpu, indexed = lib.device("cpu"), lib.device("cpu", 0)
        return [
            cpu.type, cpu.index, str(cpu), repr(cpu).replace("torch.", ""), str(indexed),
            indexed.index, lib.device("cpu:0") == indexed, cpu == lib.device("cpu"),
            cpu == "cpu", cpu == indexed, hash(cpu) == hash(lib.device("cpu")),
            lib.device(cpu) == cpu, lib.device("cuda:1").index, lib.device("cuda").type,
            lib.ones(2).device == cpu, lib.ones(2).device.type, str(lib.ones(2).device),
            lib.ones(2).is_cuda, lib.ones(2).get_device(), lib.get_default_device() == cpu,
        ]

    assert script(tge) == script(torch)


@pytest.mark.parametrize("make", [
    lambda lib: lib.device("foo"), lambda lib: lib.device("cpu", -1),
])
def test_invalid_devices_raise_like_torch(make: Callable[[ModuleType], Any]) -> None:
    assert_same_error(make)


def test_accelerator_questions_are_answered_as_torch_on_a_cpu_machine() -> None:
    def script(lib: ModuleType) -> list[Any]:
        return [
            lib.cuda.is_available(), lib.cuda.device_count(), lib.backends.mps.is_available(),
            lib.backends.mps.is_built(), lib.accelerator.is_available(),
            lib.accelerator.current_accelerator(), lib.accelerator.device_count(),
            lib.backends.cudnn.is_available(), lib.cuda.manual_seed(0),
            lib.cuda.manual_seed_all(0), lib.set_default_device("cpu"),
        ]

    assert not torch.cuda.is_available(), "these tests describe a machine without a GPU"
    try:
        assert script(tge) == script(torch)
    finally:
        # Leave no default device behind: under set_default_device("cpu"), torch 2.13's
        # weighted F.l1_loss gives another value, which later tests compare against.
        for lib in (tge, torch):
            lib.set_default_device(None)


def tutorial_with_device(lib: ModuleType, idiom: str) -> tuple[np.ndarray, np.ndarray]:
    """The tutorials' device handling around a tiny regression model, trained for 3 steps."""
    if idiom == "accelerator":
        device = (lib.accelerator.current_accelerator().type if lib.accelerator.is_available()
                  else "cpu")
    else:
        device = "cuda" if lib.cuda.is_available() else "cpu"
    lib.backends.cudnn.deterministic = True
    model = lib.nn.Linear(3, 1).to(device)
    with lib.no_grad():
        model.weight.copy_(lib.tensor([[0.5, -1.0, 0.25]]))
        model.bias.fill_(0.1)
    model = model.double().to(lib.device(device))
    optimizer = lib.optim.SGD(model.parameters(), lr=0.1)
    rng = np.random.default_rng(1)
    inputs = lib.tensor(rng.standard_normal((8, 3)), device=device).to(device)
    targets = lib.zeros(8, 1, dtype=lib.float64, device=device)
    losses = []
    for _ in range(3):
        optimizer.zero_grad()
        loss = ((model(inputs.to(device)) - targets.to(device, lib.float64)) ** 2).mean()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return np.array(losses), as_array(model.weight.grad.cpu())


@pytest.mark.parametrize("idiom", ["accelerator", "cuda"])
def test_tutorial_device_idioms_run_and_match_torch(idiom: str) -> None:
    for ours, theirs in zip(tutorial_with_device(tge, idiom), tutorial_with_device(torch, idiom)):
        np.testing.assert_allclose(ours, theirs, **TOLERANCE)


def test_to_returns_self_when_nothing_changes() -> None:
    def script(lib: ModuleType) -> list[Any]:
        x = lib.ones(2, requires_grad=True)
        y = x.to(dtype=lib.float64)
        return [
            x.to("cpu") is x, x.to(lib.device("cpu")) is x, x.to("cpu", lib.float32) is x,
            x.cpu() is x, x.to(device="cpu") is x, x.to(x) is x, x.to("cpu", copy=True) is x,
            str(y.dtype).replace("torch.", ""), y.requires_grad, y.is_leaf,
            str(x.to(lib.zeros(1, dtype=lib.int64)).dtype).replace("torch.", ""),
        ]

    assert script(tge) == script(torch)


def test_to_is_differentiable() -> None:
    def script(lib: ModuleType) -> np.ndarray:
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x.to("cpu", lib.float64) * 3).sum().backward()
        return as_array(x.grad)

    np.testing.assert_array_equal(script(tge), script(torch))


@pytest.mark.parametrize("name", [
    "tensor", "zeros", "ones", "full", "arange", "rand", "randn", "empty", "eye", "zeros_like",
    "ones_like", "empty_like", "full_like", "rand_like", "randn_like",
])
def test_creation_functions_take_a_device(name: str) -> None:
    arguments: dict[str, tuple[Any, ...]] = {
        "tensor": ([1.0, 2.0],), "full": ((2, 3), 1.5), "arange": (3,), "eye": (2,),
        "full_like": (tge.zeros(2), 2.0),
    }
    like = name.endswith("_like") and name != "full_like"
    args = (tge.zeros(2, 3),) if like else arguments.get(name, (2, 3))
    function = getattr(tge, name)
    made = function(*args, device="cpu")
    assert made.device == tge.device("cpu")
    assert function(*args, device=tge.device("cpu")).shape == made.shape
    with pytest.raises(RuntimeError, match="no GPU backend"):
        function(*args, device="cuda")


def test_new_like_functions_match_torch() -> None:
    def script(lib: ModuleType) -> list[Any]:
        base = lib.zeros(2, 3, dtype=lib.float64)
        made = [lib.empty_like(base), lib.full_like(base, 7), lib.rand_like(base),
                lib.randn_like(base), lib.empty(2, 3), lib.full_like(base, 2, dtype=lib.int64)]
        return [(tuple(t.shape), str(t.dtype).replace("torch.", "")) for t in made] + [
            lib.full_like(base, 7).tolist()]

    assert script(tge) == script(torch)


@pytest.mark.parametrize("script", [
    lambda lib: lib.rand(2, dtype=lib.int64), lambda lib: lib.randn(2, dtype=lib.int64),
    lambda lib: lib.rand_like(lib.tensor([1, 2])),
])
def test_random_integers_are_refused_like_torch(script: Callable[[ModuleType], Any]) -> None:
    assert_same_error(script)


@pytest.mark.parametrize("use", [
    lambda lib: lib.ones(2).to("cuda"), lambda lib: lib.ones(2).to("mps"),
    lambda lib: lib.ones(2).cuda(), lambda lib: lib.nn.Linear(2, 2).to("cuda"),
    lambda lib: lib.nn.Linear(2, 2).cuda(), lambda lib: lib.zeros(2, device="cuda:0"),
    lambda lib: lib.ones(2).to(lib.device("mps")),
])
def test_gpu_devices_raise_a_clear_runtime_error(use: Callable[[ModuleType], Any]) -> None:
    # torch without a GPU raises too (AssertionError or RuntimeError); here always a
    # RuntimeError that says what to do.
    with pytest.raises(Exception):
        use(torch)
    with pytest.raises(RuntimeError, match="no GPU backend yet"):
        use(tge)


def test_a_gpu_default_device_is_refused_at_once() -> None:
    # torch accepts it and fails at the next tensor made; refusing at once names the cause.
    with pytest.raises(RuntimeError, match="no GPU backend yet"):
        tge.set_default_device("cuda")


def test_module_to_and_cpu_return_the_module() -> None:
    model = tge.nn.Linear(2, 2)
    weight = model.weight
    assert model.to("cpu") is model and model.cpu() is model
    assert model.to(tge.device("cpu"), tge.float64) is model and model.weight is weight
    assert model.weight.dtype == tge.float64
    assert model.to(tge.zeros(1)) is model and model.weight.dtype == tge.float32


# ------------------------------------------------------------------ dtype names, legacy forms
def dtype_name(dtype: Any) -> str:
    """'float32' for both torch.float32 and tinygrad_edu.float32."""
    return str(dtype).replace("torch.", "")


@pytest.mark.parametrize("name", [
    "float", "double", "half", "long", "int", "short", "bool", "float16", "float32", "float64",
    "int8", "int16", "int32", "int64", "uint8",
])
def test_dtype_names_match_torch(name: str) -> None:
    ours, theirs = getattr(tge, name), getattr(torch, name)
    assert dtype_name(ours) == dtype_name(theirs)
    made = tge.ones(2, dtype=ours), torch.ones(2, dtype=theirs)
    assert dtype_name(made[0].dtype) == dtype_name(made[1].dtype)


def test_dtype_names_do_not_hide_the_builtins_in_the_library() -> None:
    assert tge.tensor([1.5]).item() == 1.5 and isinstance(tge.tensor([2]).item(), int)
    assert tge.tensor([1.0]).to(float).dtype == tge.float32
    assert tge.tensor([1]).to(int).dtype == tge.int64  # Python's int is torch's int64


@pytest.mark.parametrize("name", [
    "FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor",
    "CharTensor", "ByteTensor", "BoolTensor",
])
@pytest.mark.parametrize("arguments", [
    ([1, 0, 2],), ([[1.5, 0.0]],), ((2, 3),), (np.array([1.0, 2.0]),), (2, 3), (),
])
def test_legacy_constructors_match_torch(name: str, arguments: tuple[Any, ...]) -> None:
    def script(lib: ModuleType) -> tuple[Any, ...]:
        made = getattr(lib, name)(*arguments)
        sizes_only = arguments and all(isinstance(size, int) for size in arguments)
        values = None if sizes_only else made.tolist()  # torch's memory is uninitialised
        return tuple(made.shape), dtype_name(made.dtype), values, made.requires_grad

    assert script(tge) == script(torch)


@pytest.mark.parametrize("script", [
    lambda lib: lib.FloatTensor(2.5), lambda lib: lib.FloatTensor(lib.tensor([1, 2])),
    lambda lib: lib.ones(2).type("float64"),
])
def test_legacy_errors_match_torch(script: Callable[[ModuleType], Any]) -> None:
    assert_same_error(script)


def test_legacy_types_answer_isinstance_by_dtype() -> None:
    for lib in (tge, torch):
        assert isinstance(lib.ones(2), lib.FloatTensor)
        assert not isinstance(lib.ones(2), lib.DoubleTensor)
        assert isinstance(lib.tensor([1, 2]), lib.LongTensor)
        assert isinstance(lib.tensor([True]), lib.BoolTensor)
        assert not isinstance([1.0], lib.FloatTensor)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int8", "int16", "int32",
                                   "int64", "uint8", "bool"])
def test_type_names_and_conversions_match_torch(dtype: str) -> None:
    def script(lib: ModuleType) -> list[Any]:
        x = lib.tensor([1.0, 0.0, 2.0]).to(getattr(lib, dtype))
        name = x.type()
        return [
            name, dtype_name(lib.ones(2).type(name).dtype), lib.ones(2).type(name).tolist(),
            dtype_name(x.type(lib.float64).dtype), x.type(getattr(lib, dtype)) is x,
            dtype_name(x.type(lib.DoubleTensor).dtype),
        ]

    assert script(tge) == script(torch)


def test_type_conversion_is_differentiable() -> None:
    def script(lib: ModuleType) -> np.ndarray:
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x.type(lib.DoubleTensor) ** 2).sum().backward()
        return as_array(x.grad)

    np.testing.assert_array_equal(script(tge), script(torch))


def test_half_method_matches_torch() -> None:
    assert dtype_name(tge.ones(2).half().dtype) == dtype_name(torch.ones(2).half().dtype)


def test_variable_returns_a_tensor_as_torch() -> None:
    def script(lib: ModuleType, variable: Callable[..., Any]) -> list[Any]:
        base = lib.ones(2)
        wrapped = variable(base, requires_grad=True)
        w = lib.ones(2, requires_grad=True)
        detached = variable(w * 2)
        with lib.no_grad():
            wrapped.add_(1)
        (wrapped * 3).sum().backward()
        return [
            wrapped is base, wrapped.requires_grad, wrapped.is_leaf, base.requires_grad,
            base.tolist(), detached.grad_fn is None, detached.requires_grad,
            wrapped.grad.tolist(), variable().shape == (0,) or tuple(variable().shape) == (0,),
        ]

    from torch.autograd import Variable as TorchVariable

    from tinygrad_edu.autograd import Variable

    assert script(tge, Variable) == script(torch, TorchVariable)


@pytest.mark.parametrize("make", [
    lambda variable, lib: variable([1.0, 2.0]),
    lambda variable, lib: variable(lib.tensor([1, 2]), requires_grad=True),
])
def test_variable_errors_match_torch(make: Callable[[Any, ModuleType], Any]) -> None:
    from torch.autograd import Variable as TorchVariable

    from tinygrad_edu.autograd import Variable

    with pytest.raises(Exception) as theirs:
        make(TorchVariable, torch)
    with pytest.raises(theirs.type):
        make(Variable, tge)


# -------------------------------------------------- functions of the package, more methods
def run_on_both(call: Callable[[ModuleType, Any, Any], Any]) -> tuple[list[Any], list[Any]]:
    """``call(lib, x, y)`` on the same float64 inputs (x requiring grad) in both libraries:
    the outputs and x's gradient of the sum of the (first) output, as arrays."""
    rng = np.random.default_rng(3)
    x_values, y_values = rng.uniform(0.2, 2.0, (3, 4)), rng.uniform(-1.0, 1.0, (4, 3))
    results = []
    for lib in (tge, torch):
        x = lib.tensor(x_values, dtype=lib.float64, requires_grad=True)
        y = lib.tensor(y_values, dtype=lib.float64)
        output = call(lib, x, y)
        outputs = list(output) if isinstance(output, tuple) else [output]
        if outputs[0].requires_grad:
            outputs[0].sum().backward()
        gradient = None if x.grad is None else as_array(x.grad)
        results.append([as_array(value) for value in outputs] + [gradient])
    return results[0], results[1]


FUNCTION_CALLS: dict[str, Callable[[ModuleType, Any, Any], Any]] = {
    "exp": lambda lib, x, y: lib.exp(x), "log": lambda lib, x, y: lib.log(x),
    "log1p": lambda lib, x, y: lib.log1p(x), "sin": lambda lib, x, y: lib.sin(x),
    "cos": lambda lib, x, y: lib.cos(x), "sigmoid": lambda lib, x, y: lib.sigmoid(x),
    "tanh": lambda lib, x, y: lib.tanh(x), "relu": lambda lib, x, y: lib.relu(x - 1),
    "abs": lambda lib, x, y: lib.abs(x - 1), "sqrt": lambda lib, x, y: lib.sqrt(x),
    "clamp": lambda lib, x, y: lib.clamp(x, 0.5, 1.5), "pow": lambda lib, x, y: lib.pow(x, 3),
    "sum": lambda lib, x, y: lib.sum(x), "sum_dim": lambda lib, x, y: lib.sum(x, 1, True),
    "mean": lambda lib, x, y: lib.mean(x), "mean_dim": lambda lib, x, y: lib.mean(x, dim=0),
    "max": lambda lib, x, y: lib.max(x), "max_dim": lambda lib, x, y: lib.max(x, 1),
    "max_pair": lambda lib, x, y: lib.max(x, y.T), "min": lambda lib, x, y: lib.min(x),
    "min_dim": lambda lib, x, y: lib.min(x, dim=0, keepdim=True),
    "argmax": lambda lib, x, y: lib.argmax(x), "argmin": lambda lib, x, y: lib.argmin(x, 1),
    "matmul": lambda lib, x, y: lib.matmul(x, y), "mm": lambda lib, x, y: lib.mm(x, y),
    "flatten": lambda lib, x, y: lib.flatten(x),
    "reshape": lambda lib, x, y: lib.reshape(x, (4, 3)),
    "unsqueeze": lambda lib, x, y: lib.unsqueeze(x, 1),
    "squeeze": lambda lib, x, y: lib.squeeze(lib.unsqueeze(x, 0)),
    "transpose": lambda lib, x, y: lib.transpose(x, 0, 1),
    "method_sin_cos_log1p": lambda lib, x, y: (x.sin() * x.cos() + x.log1p()),
    "method_pow": lambda lib, x, y: x.pow(2.5), "method_mm": lambda lib, x, y: x.mm(y),
    "method_t": lambda lib, x, y: x.t() * 2, "method_t_vector": lambda lib, x, y: x[0].t(),
    "method_view_as": lambda lib, x, y: x.view_as(y),
    "method_add_sub": lambda lib, x, y: x.add(y.T, alpha=2).sub(x, alpha=0.5),
    "method_mul_div_neg": lambda lib, x, y: x.mul(y.T).div(x + 1).neg(),
    "norm": lambda lib, x, y: x.norm(), "norm_1": lambda lib, x, y: x.norm(1),
    "norm_dim": lambda lib, x, y: x.norm(dim=1), "norm_3": lambda lib, x, y: x.norm(3, 0, True),
    "norm_inf": lambda lib, x, y: x.norm(float("inf")),
    "norm_at_zero": lambda lib, x, y: lib.cat([x * 0, x[:1]]).norm(dim=1),
    "norm_of_zeros": lambda lib, x, y: (x * 0).norm(),
    "norm_inf_dim": lambda lib, x, y: x.norm(float("inf"), dim=1),
    "comparisons": lambda lib, x, y: (x.eq(x), x.ne(1.0), x.lt(y.T), x.le(1.0), x.gt(y.T),
                                      x.ge(1.0)),
}


@pytest.mark.parametrize("name", sorted(FUNCTION_CALLS))
def test_functions_and_methods_match_torch(name: str) -> None:
    ours, theirs = run_on_both(FUNCTION_CALLS[name])
    assert len(ours) == len(theirs)
    for mine, torchs in zip(ours, theirs):
        if torchs is None:
            assert mine is None
        else:
            assert mine.shape == torchs.shape
            np.testing.assert_allclose(mine, torchs, **TOLERANCE)


@pytest.mark.parametrize("script", [
    lambda lib: lib.ones(2, 2, 2).t(), lambda lib: lib.mm(lib.ones(2), lib.ones(2, 2)),
    lambda lib: lib.tensor([1, 2]).norm(), lambda lib: lib.ones(6).view_as(lib.ones(4)),
    lambda lib: lib.randint(5, 2, (3,)),
])
def test_method_errors_match_torch(script: Callable[[ModuleType], Any]) -> None:
    assert_same_error(script)


def test_new_creation_functions_match_torch() -> None:
    def script(lib: ModuleType) -> list[Any]:
        made = [lib.randint(0, 10, (3, 4)), lib.randint(5, (2,)), lib.linspace(0, 1, 5),
                lib.linspace(-1, 1, 4, dtype=lib.float64), lib.normal(0.0, 1.0, (2, 3)),
                lib.normal(lib.zeros(4, dtype=lib.float64), 2.0),
                lib.normal(lib.zeros(2, 1), lib.ones(3))]
        described = [(tuple(t.shape), dtype_name(t.dtype)) for t in made]
        return described + [made[2].tolist(), made[3].tolist()]

    ours, theirs = script(tge), script(torch)
    assert ours[:7] == theirs[:7]
    np.testing.assert_allclose(ours[7], theirs[7], atol=1e-7)
    np.testing.assert_allclose(ours[8], theirs[8], **TOLERANCE)
    values = tge.randint(3, 7, (1000,))
    assert int(values.min()) == 3 and int(values.max()) == 6
    tge.manual_seed(0)
    sample = tge.normal(2.0, 0.5, (20000,))
    assert abs(sample.mean().item() - 2.0) < 0.02 and abs(sample.var().item() ** 0.5 - 0.5) < 0.02


# ------------------------------------------------------- known differences (README), pinned
def test_known_surface_differences_from_torch() -> None:
    from tinygrad_edu.autograd import Variable

    with pytest.raises(TypeError):
        isinstance(tge.ones(2), Variable)  # type: ignore[arg-type]
    assert tge.Tensor([1, 2]).dtype == tge.int64 and torch.Tensor([1, 2]).dtype == torch.float32
    assert tge.empty(2, 3).tolist() == [[0.0] * 3] * 2
    assert tge.FloatTensor(2).tolist() == [0.0, 0.0]
    with pytest.raises(ValueError):
        tge.ones(2).norm(0)


def test_float16_arithmetic_with_a_number_casts_the_number_to_float16_first() -> None:
    # README, known differences: torch computes x * 1e5 in float32 and rounds once.
    values = [1e-3, -2e-3]
    with np.errstate(over="ignore"):
        ours = (tge.tensor(values, dtype=tge.float16) * 1e5).tolist()
    theirs = (torch.tensor(values, dtype=torch.float16) * 1e5).tolist()
    assert ours == [np.inf, -np.inf]
    assert theirs == [100.0625, -200.125]
    # A number that float16 cannot hold exactly: a last bit apart.
    assert (tge.tensor([4.81], dtype=tge.float16) * 0.1).tolist() == [0.480712890625]
    assert (torch.tensor([4.81], dtype=torch.float16) * 0.1).tolist() == [0.48095703125]
    # The way around it, and tensor-with-tensor arithmetic, agree with torch.
    assert (tge.tensor(values, dtype=tge.float16).float() * 1e5).half().tolist() == theirs
    assert (tge.tensor([4.81], dtype=tge.float16).float() * 0.1).half().tolist() == [0.48095703125]
    assert (tge.tensor(values, dtype=tge.float16) * tge.tensor(3.0, dtype=tge.float16)).tolist() \
        == (torch.tensor(values, dtype=torch.float16) * torch.tensor(3.0, dtype=torch.float16)
            ).tolist()


@pytest.mark.parametrize("exponent", [0, 0.0, "tensor"])
def test_power_assignment_by_zero_has_torch_second_derivative(exponent: Any) -> None:
    # x ** 0 has a constant zero gradient only for a number exponent (torch's two formulas).
    def script(lib: ModuleType) -> np.ndarray:
        x = lib.tensor([0.0, 2.0], dtype=lib.float64, requires_grad=True)
        y = x * 1
        y **= lib.zeros(2, dtype=lib.float64) if exponent == "tensor" else exponent
        (first,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        if not first.requires_grad:
            return as_array(first)
        (second,) = lib.autograd.grad(first.sum(), x, allow_unused=True)
        return as_array(second)

    np.testing.assert_array_equal(script(tge), script(torch))


# ------------------------------------------------------------------ .data
def test_data_is_a_detached_tensor_sharing_memory_with_its_own_version() -> None:
    def script(lib: ModuleType) -> tuple[Any, ...]:
        w = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        data = w.data
        data.mul_(2)  # seen by w; w's version does not move
        w_version = w._version if lib is torch else w._version.value
        data_version = data._version if lib is torch else data._version.value
        return (type(data) is lib.Tensor, data.requires_grad, data.is_leaf, data.grad_fn,
                w.tolist(), w.requires_grad, w_version, data_version, data.numpy().tolist())

    assert script(tge) == script(torch) == (
        True, False, True, None, [2.0, 4.0, 6.0], True, 0, 1, [2.0, 4.0, 6.0])


def old_style_training(lib: ModuleType, steps: int = 15) -> list[float]:
    """A 2017-style loop: updates through ``.data``, numbers read with ``.data``."""
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((20, 3)), dtype=lib.float64)
    y = lib.tensor(rng.standard_normal((20, 1)), dtype=lib.float64)
    w = lib.tensor(rng.standard_normal((3, 1)), dtype=lib.float64, requires_grad=True)
    b = lib.zeros(1, dtype=lib.float64, requires_grad=True)
    losses = []
    for _ in range(steps):
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        w.data -= 0.1 * w.grad.data
        b.data.add_(-0.1 * b.grad)
        w.grad.data.zero_()
        b.grad.zero_()
        losses.append(float(loss.data.numpy()))
    values, indices = lib.max(w.data, 0)
    return losses + [float(values), float(indices), w.data.norm().item()]


def test_training_through_data_matches_torch() -> None:
    ours, theirs = old_style_training(tge), old_style_training(torch)
    np.testing.assert_allclose(ours, theirs, **TOLERANCE)
    assert ours[-4] < 0.8 * ours[0]  # it trained


def test_a_change_through_data_escapes_autograd_checks_as_in_torch() -> None:
    def script(lib: ModuleType) -> list[float]:
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        y = (x * x).sum()
        x.data.mul_(3)  # through .data: not an in-place change of a saved tensor
        y.backward()
        return x.grad.tolist()

    assert script(tge) == script(torch) == [6.0, 12.0]


def test_assigning_data_swaps_memory_shape_and_dtype() -> None:
    def script(lib: ModuleType) -> tuple[Any, ...]:
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        replacement = lib.zeros(3, dtype=lib.float64)
        w.data = replacement
        replacement.add_(5)  # w now lives in replacement's memory
        y = (w * w).sum()
        y.backward()
        return (w.tolist(), str(w.dtype).split(".")[-1], tuple(w.shape), w.requires_grad,
                w.is_leaf, w.grad.tolist())

    assert script(tge) == script(torch) == (
        [5.0, 5.0, 5.0], "float64", (3,), True, True, [10.0, 10.0, 10.0])


def test_assigning_data_after_the_forward_pass_is_seen_by_backward_as_in_torch() -> None:
    def script(lib: ModuleType) -> list[float]:
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        y = (x * x).sum()
        x.data = lib.tensor([5.0, 7.0], dtype=lib.float64)
        y.backward()
        return x.grad.tolist()

    assert script(tge) == script(torch) == [10.0, 14.0]


@pytest.mark.parametrize("assignment", [
    lambda lib: setattr(lib.ones(2), "data", [1.0, 2.0]),  # not a tensor
    lambda lib: setattr(lib.ones(2, requires_grad=True), "data", lib.ones(2, dtype=lib.int64)),
])
def test_bad_data_assignments_raise_like_torch(assignment: Callable[[ModuleType], Any]) -> None:
    assert_same_error(assignment)


def test_assigning_data_of_a_view_is_refused_where_torch_detaches_the_view() -> None:
    """A listed difference (README, Coming from PyTorch): torch lets the view leave its base."""
    base = torch.ones(2, 3)
    view = base[0]
    view.data = torch.zeros(5)
    assert view.tolist() == [0.0] * 5 and base.sum().item() == 6.0

    ours = tge.ones(2, 3)[0]
    with pytest.raises(RuntimeError, match="cannot replace the memory of a view"):
        ours.data = tge.zeros(5)


# ------------------------------------------------------------------ printing: Size and format
def test_shapes_are_size_tuples_like_torch_size() -> None:
    def script(lib: ModuleType) -> list[Any]:
        shape = lib.ones(2, 3).shape
        pieces = [shape, shape[1:], shape + (4,), (4,) + shape, lib.ones(5).size(),
                  lib.Size([7, 1]), lib.tensor(1.0).shape]
        names = [type(piece).__name__ for piece in pieces]
        texts = [repr(piece).replace("torch.", "") for piece in pieces]  # torch.Size -> Size
        return [names, texts, shape == (2, 3), shape.numel(), shape[0], isinstance(shape, tuple),
                f"Shape of tensor: {shape}".replace("torch.", "")]

    assert script(tge) == script(torch)
    assert script(tge)[1][0] == "Size([2, 3])"


@pytest.mark.parametrize("spec", ["", ".2f", "+.3e", ">10.1f", "d"])
def test_a_zero_dimensional_tensor_formats_as_its_number(spec: str) -> None:
    def script(lib: ModuleType) -> list[str]:
        numbers = [lib.tensor(3.14159), lib.tensor(-2.0, dtype=lib.float64),
                   lib.tensor(7), lib.tensor(0.5, requires_grad=True)]
        results = []
        for number in numbers:
            try:
                results.append(format(number, spec))
            except (TypeError, ValueError) as error:
                results.append(type(error).__name__)
        return results

    assert script(tge) == script(torch)


def test_a_format_spec_for_a_tensor_with_elements_raises_like_torch() -> None:
    assert_same_error(lambda lib: f"{lib.tensor([1.0, 2.0]):.2f}")
    assert f"{tge.tensor([1.0, 2.0])}" == str(tge.tensor([1.0, 2.0])) == "tensor([1., 2.])"


# ------------------------------------------------------------------ free functions with out=
def test_arithmetic_free_functions_match_torch() -> None:
    def script(lib: ModuleType) -> list[Any]:
        a = lib.tensor([[1.0, -2.0], [3.0, 0.5]], dtype=lib.float64, requires_grad=True)
        b = lib.tensor([0.5, 4.0], dtype=lib.float64, requires_grad=True)
        results = [lib.add(a, b, alpha=2), lib.sub(a, 3, alpha=0.5), lib.mul(a, b),
                   lib.div(a, b), lib.matmul(a, b), lib.mm(a, a), lib.mul(2, a),
                   lib.add(2, b, alpha=3), lib.sub(2.5, a), lib.div(1, b)]
        sum(result.sum() for result in results).backward()
        return [as_array(result) for result in results] + [as_array(a.grad), as_array(b.grad)]

    for ours, theirs in zip(script(tge), script(torch)):
        np.testing.assert_allclose(ours, theirs, **TOLERANCE)


@pytest.mark.parametrize("call", [
    lambda lib: lib.mul(2, 3), lambda lib: lib.mul(2.5, lib.ones(2, dtype=lib.float64)),
    lambda lib: lib.sub(2.5, lib.arange(3)), lambda lib: lib.div(1, lib.arange(1, 3)),
    lambda lib: lib.add(True, lib.ones(2, dtype=lib.int64)),
])
def test_a_number_as_input_promotes_like_torch(call: Callable[[ModuleType], Any]) -> None:
    ours, theirs = call(tge), call(torch)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(as_array(ours), as_array(theirs), **TOLERANCE)


def test_out_writes_into_the_given_tensor_like_torch() -> None:
    def script(lib: ModuleType) -> list[Any]:
        a = lib.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=lib.float64)
        same = lib.zeros(2, 2, dtype=lib.float64)
        returned = lib.matmul(a, a, out=same)
        empty = lib.empty(0, dtype=lib.float64)
        lib.mul(a, 2, out=empty)  # an empty out is resized silently
        base = lib.zeros(4, dtype=lib.float64)
        lib.add(lib.ones(2, dtype=lib.float64), 1, out=base[1:3])  # through a view
        wider = lib.zeros(2, 2, dtype=lib.float64)
        lib.mul(lib.ones(2, 2), lib.ones(2, 2), out=wider)  # float32 into float64
        with lib.no_grad():
            leaf = lib.ones(2, dtype=lib.float64, requires_grad=True)
            lib.div(leaf, 4, out=leaf)
        return [returned is same, same.tolist(), tuple(empty.shape), empty.tolist(),
                base.tolist(), wider.tolist(), leaf.tolist(), leaf.requires_grad]

    assert script(tge) == script(torch)


def test_an_out_of_another_shape_is_resized_with_torch_warning() -> None:
    out = tge.zeros(3)
    with pytest.warns(UserWarning, match="resized"):
        tge.mul(tge.ones(2, 3), 2, out=out)
    assert out.shape == (2, 3) and out.tolist() == [[2.0] * 3] * 2


@pytest.mark.parametrize("call", [
    # out= does not take part in autograd: refused while an argument requires grad.
    lambda lib: lib.mul(lib.ones(2, requires_grad=True), 2, out=lib.zeros(2)),
    lambda lib: lib.add(lib.ones(2), 1, out=lib.zeros(2, requires_grad=True)),
    # The result must be castable to out's dtype.
    lambda lib: lib.mul(lib.ones(2), 2.5, out=lib.zeros(2, dtype=lib.int64)),
    # input must be a tensor or a number; a matrix product's out must have its dtype.
    lambda lib: lib.mul([1.0, 2.0], lib.ones(2)),
    lambda lib: lib.mm(lib.ones(2, 2), lib.ones(2, 2), out=lib.zeros(2, 2, dtype=lib.float64)),
    lambda lib: lib.matmul(lib.ones(2, 3), lib.ones(2, 3), out=lib.zeros(2, 2)),
])
def test_bad_out_arguments_raise_like_torch(call: Callable[[ModuleType], Any]) -> None:
    assert_same_error(call)


def test_nan_from_infinities_lets_numpy_warning_through() -> None:
    """A difference README.md lists: inf - inf and a sum of inf and -inf give torch's NaN, but
    NumPy's RuntimeWarning ("invalid value encountered") comes through here, where torch is
    silent. Values are compared with torch; the warnings of each library are recorded."""

    def script(lib: ModuleType) -> tuple[Any, Any]:
        infinite = lib.tensor([float("inf"), 1.0], dtype=lib.float64)
        return infinite - float("inf"), lib.tensor([float("inf"), -float("inf")]).sum()

    recorded: dict[str, list[str]] = {}
    results = {}
    for lib in (torch, tge):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            results[lib.__name__] = script(lib)
        recorded[lib.__name__] = [str(warning.message) for warning in caught]
    for ours, theirs in zip(results["tinygrad_edu"], results["torch"]):
        np.testing.assert_array_equal(as_array(ours), as_array(theirs))
    assert recorded["torch"] == []
    assert recorded["tinygrad_edu"] == ["invalid value encountered in add",
                                        "invalid value encountered in reduce"]


def test_grad_fn_of_a_view_is_remade_when_the_view_is_next_used() -> None:
    """A difference README.md lists: after an in-place change of its base, a view's ``grad_fn``
    is made again when the view is next used, where torch makes it at once (and refuses to,
    for a piece of split). Every use agrees with torch: an op, ``is_leaf``, ``retain_grad`` and
    ``register_hook`` on a piece of split raise torch's error in both libraries."""
    def pieces(lib: ModuleType) -> tuple[Any, Any]:
        base = lib.zeros(3, 2, dtype=lib.float64, requires_grad=True) * 1
        view, piece = base[0], base.split(1, dim=0)[0]
        base.mul_(2)
        return view, piece

    view, piece = pieces(tge)
    assert view.grad_fn.name() == "GetItemBackward"  # the view's node before the change
    assert piece.grad_fn.name() == "SplitBackward"  # torch raises here
    stale = view.grad_fn
    _ = view * 1
    assert view.grad_fn is not stale  # remade by the use, as torch had already done
    for use in (lambda piece: piece * 1, lambda piece: piece.is_leaf,
                lambda piece: piece.retain_grad(), lambda piece: piece.register_hook(print)):
        for lib in (tge, torch):
            with pytest.raises(RuntimeError, match="Output 0 of Split is a view and its base"):
                use(pieces(lib)[1])
    with pytest.raises(RuntimeError, match="Output 0 of Split is a view and its base"):
        _ = pieces(torch)[1].grad_fn


def test_retain_grad_and_hooks_on_a_view_made_before_its_base_required_grad() -> None:
    """A view made while its base did not require grad (a piece of split, or a slice), after
    the base was changed in place by a value that does: it requires grad, as its base does, but
    it has no history of its own until it is next used. As in torch, ``retain_grad()`` keeps
    nothing for it (it counts as a leaf); ``register_hook`` refuses the piece of split with
    torch's error. (torch 2.13 crashes the process on ``register_hook`` of the slice, so that
    use is checked here alone: the hook goes on the history made from the base.)"""
    def view_after_the_change(lib: ModuleType, split: bool) -> tuple[Any, Any, Any]:
        base = lib.zeros(3, dtype=lib.float64)
        view = base.split(1, dim=0)[0] if split else base[0:1]
        weight = lib.tensor([1.0], dtype=lib.float64, requires_grad=True)
        base.add_(weight)
        return base, view, weight

    for split in (True, False):
        for lib in (tge, torch):
            base, view, weight = view_after_the_change(lib, split)
            assert view.requires_grad
            view.retain_grad()  # accepted, and keeps nothing
            assert not view.retains_grad
            base.sum().backward()
            assert view.grad is None
            assert weight.grad.tolist() == [3.0]
    for lib in (tge, torch):
        with pytest.raises(RuntimeError, match="view .*its base or another view of its base"):
            _ = view_after_the_change(lib, True)[1] * 2
        with pytest.raises(RuntimeError, match="view .*its base or another view of its base"):
            view_after_the_change(lib, True)[1].register_hook(print)
    base, view, weight = view_after_the_change(tge, False)
    seen = []
    view.register_hook(seen.append)
    (view * 2).sum().backward()
    assert [gradient.tolist() for gradient in seen] == [[2.0]]
    assert weight.grad.tolist() == [2.0]


def test_a_view_made_before_its_base_was_set_to_require_grad() -> None:
    """A difference README.md lists: a view made before ``base.requires_grad_()`` does not
    require grad here, and neither does an op on it, so a backward from it raises. torch says
    that both require grad but records no edge for the view: its backward runs and no
    gradient reaches the base or the view. Neither library gives a gradient."""
    def view_then_requires_grad(lib: ModuleType) -> tuple[Any, Any, Any]:
        base = lib.zeros(3, dtype=lib.float64)
        view = base[0:2]
        base.requires_grad_()
        return base, view, (view * 2).sum()

    base, view, total = view_then_requires_grad(torch)
    assert view.requires_grad and total.requires_grad
    total.backward()
    assert base.grad is None and view.grad is None
    base, view, total = view_then_requires_grad(tge)
    assert not view.requires_grad and not total.requires_grad
    with pytest.raises(RuntimeError, match="does not require grad"):
        total.backward()
    assert base.grad is None and view.grad is None
