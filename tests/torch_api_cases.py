"""One case per torch name that tinygrad_edu provides: the table ``tests/test_torch_api.py`` runs.

``CASES`` is keyed by torch's dotted name (``"torch.exp"``, ``"torch.Tensor.exp"``,
``"torch.nn.Linear"``), one key per provided name of every namespace in
``tinygrad_edu.torch_names.NAMESPACES`` (the names docs/TORCH_COVERAGE.md lists as provided). A key
may carry a variant in parentheses (``"torch.Tensor.max (dim)"``) for a second case of the same
name. Each case is a function of the library module ``lib`` (``torch`` or ``tinygrad_edu``),
written once and run with both; the test compares what it returns (tensors: values, dtype, shape,
``requires_grad``, ``is_leaf``; numbers, strings, dtypes, devices, and lists, tuples and dicts of
them) and the type of the exception where torch raises one.

Gradients: every tensor made by ``leaf``/``x``/``y``/``positive`` (or passed to ``track``) is
recorded while a case runs. After the comparison the test calls ``backward`` on the sum of the
case's float outputs that require grad and compares the recorded tensors' ``.grad``.

Names that are not functions over tensors (dtypes, ``device``, ``no_grad``, modules, optimisers,
schedulers, datasets) get a small scenario in the same style: build, run a step or two, return
what can be compared.

``SIGNATURE_DIFFERENCES`` and ``SIGNATURE_NOT_INSPECTABLE`` say, per key, why our parameter list
is allowed to differ from torch's, and which torch objects show no signature at all.
"""

from __future__ import annotations

import io
from types import ModuleType
from typing import Any, Callable

import numpy as np

from tinygrad_edu.torch_names import NAMESPACES, resolve

Case = Callable[[ModuleType], Any]

# Inputs, float64, off every kink: no zeros (relu, abs, sign), no ties (max, argmax), no value
# equal to a clamp bound, and all positive where log, sqrt or a fractional power needs it.
X = [[0.5, -1.25, 2.0], [1.5, 0.25, -0.75]]
POSITIVE = [[0.5, 1.25, 2.0], [1.5, 0.25, 0.75]]
Y = [[0.25, -1.0], [1.5, 0.5], [-0.5, 2.0]]
OTHER = [[1.0, -2.0, 0.5], [-1.0, 0.75, 1.25]]

RECORDED: list[Any] = []  # the tensors whose gradients the test compares, for one run of a case


def track(tensor: Any) -> Any:
    """Record ``tensor`` so that the test compares its ``.grad``; returns it."""
    RECORDED.append(tensor)
    return tensor


def leaf(lib: ModuleType, values: Any) -> Any:
    """A float64 leaf that requires grad, recorded for the gradient comparison."""
    return track(lib.tensor(values, dtype=lib.float64, requires_grad=True))


def x(lib: ModuleType) -> Any:
    """The 2x3 input ``X`` as a recorded leaf."""
    return leaf(lib, X)


def positive(lib: ModuleType) -> Any:
    """The 2x3 input ``POSITIVE`` (for log, sqrt, pow) as a recorded leaf."""
    return leaf(lib, POSITIVE)


def y(lib: ModuleType) -> Any:
    """The 3x2 input ``Y`` (a right operand of ``x`` in matmul) as a recorded leaf."""
    return leaf(lib, Y)


def const(lib: ModuleType, values: Any = OTHER) -> Any:
    """A float64 tensor that does not require grad (``OTHER`` unless told)."""
    return lib.tensor(values, dtype=lib.float64)


def labels(lib: ModuleType) -> Any:
    """Class indices for two rows of three classes (int64)."""
    return lib.tensor([2, 0])


def image(lib: ModuleType) -> Any:
    """A (1, 2, 4, 5) float64 leaf of distinct values (for pooling), recorded."""
    return leaf(lib, ((np.arange(40.0) * 17 % 40 - 20) / 8).reshape(1, 2, 4, 5))


def dtype_name(dtype: Any) -> str:
    """'float32' for both torch.float32 and tinygrad_edu.float32."""
    return str(dtype).replace("torch.", "")


def meta(tensor: Any) -> tuple[tuple[int, ...], str, bool]:
    """What can be compared of a tensor whose values are random or uninitialised."""
    return tuple(tensor.shape), dtype_name(tensor.dtype), tensor.requires_grad


def made_with(lib: ModuleType, dtype: Any) -> tuple[Any, Any]:
    """A dtype object, and a small tensor made with it."""
    return dtype, lib.tensor([1, 0, 2], dtype=dtype)


def namespace(lib: ModuleType, torch_path: str) -> Any:
    """torch's namespace ``torch_path``, or the tinygrad_edu one that stands for it."""
    if lib.__name__ == "torch":
        return resolve(torch_path)
    return resolve(dict(NAMESPACES)[torch_path])


def utils_data(lib: ModuleType) -> Any:
    """torch.utils.data, or tinygrad_edu.data."""
    return namespace(lib, "torch.utils.data")


def prepared(lib: ModuleType, module: Any) -> Any:
    """``module`` in float64 with the same parameter values in both libraries, its parameters
    recorded for the gradient comparison."""
    module = module.double()
    with lib.no_grad():
        for parameter in module.parameters():
            count = parameter.numel()
            values = lib.linspace(-0.5, 0.5, count, dtype=lib.float64)
            parameter.copy_(values.reshape(tuple(parameter.shape)))
            track(parameter)
    return module


def trained(lib: ModuleType, make_optimizer: Callable[[list[Any]], Any],
            steps: int = 3) -> tuple[Any, list[float]]:
    """Three steps of ``make_optimizer([w])`` on a small quadratic: the final ``w`` and losses."""
    w = lib.tensor(X, dtype=lib.float64, requires_grad=True)
    target = const(lib)
    optimizer = make_optimizer([w])
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = ((w - target) ** 2 * lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)).sum()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return w.detach(), losses


def scheduled(lib: ModuleType, make_scheduler: Callable[[Any], Any],
              steps: int = 6) -> list[Any]:
    """The learning rates (and momenta) ``make_scheduler(optimizer)`` sets over a few steps."""
    w = lib.zeros(1, requires_grad=True)
    optimizer = lib.optim.SGD([w], lr=0.1, momentum=0.9)
    scheduler = make_scheduler(optimizer)
    seen = []
    for _ in range(steps):
        optimizer.step()
        scheduler.step()
        group = optimizer.param_groups[0]
        seen.append((scheduler.get_last_lr(), group["lr"], group["momentum"]))
    return seen


# ------------------------------------------------------------------- scenarios of many lines
def custom_function(lib: ModuleType) -> Any:
    """A user's autograd.Function: x³ with its hand-written backward."""
    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx: Any, t: Any) -> Any:
            ctx.save_for_backward(t)
            return t ** 3

        @staticmethod
        def backward(ctx: Any, grad_output: Any) -> Any:
            (t,) = ctx.saved_tensors
            return grad_output * 3 * t ** 2

    return Cube.apply(x(lib))


def custom_module(lib: ModuleType) -> Any:
    """A user's nn.Module subclass: its output, parameter names and state_dict keys."""
    class Net(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.hidden = lib.nn.Linear(3, 4)
            self.out = lib.nn.Linear(4, 2)

        def forward(self, t: Any) -> Any:
            return self.out(self.hidden(t).tanh())

    net = prepared(lib, Net())
    names = [name for name, _ in net.named_parameters()]
    return net(x(lib)), names, list(net.state_dict()), net.training, net.eval().training


def custom_optimizer(lib: ModuleType) -> Any:
    """A user's Optimizer subclass (plain SGD), trained three steps."""
    class PlainSGD(lib.optim.Optimizer):
        def __init__(self, params: Any, lr: float) -> None:
            super().__init__(params, {"lr": lr})

        def step(self, closure: Any = None) -> None:
            with lib.no_grad():
                for group in self.param_groups:
                    for parameter in group["params"]:
                        parameter.add_(parameter.grad, alpha=-group["lr"])

    return trained(lib, lambda params: PlainSGD(params, lr=0.1))


def custom_scheduler(lib: ModuleType) -> Any:
    """A user's LRScheduler subclass: halve the base learning rate every epoch."""
    class Halving(lib.optim.lr_scheduler.LRScheduler):
        def get_lr(self) -> list[float]:
            return [base * 0.5 ** self.last_epoch for base in self.base_lrs]

    return scheduled(lib, Halving)


def custom_dataset(lib: ModuleType) -> Any:
    """A user's Dataset subclass (squares), batched by a DataLoader."""
    class Squares(utils_data(lib).Dataset):
        def __len__(self) -> int:
            return 5

        def __getitem__(self, index: int) -> Any:
            return lib.tensor([float(index)], dtype=lib.float64), index * index

    loader = utils_data(lib).DataLoader(Squares(), batch_size=2)
    return [list(batch) for batch in loader]


def data_loader(lib: ModuleType) -> Any:
    """DataLoader over a TensorDataset, in order, with and without the last partial batch."""
    dataset = utils_data(lib).TensorDataset(lib.arange(10, dtype=lib.float64).reshape(5, 2),
                                            lib.tensor([0, 1, 0, 1, 1]))
    full = [list(batch) for batch in utils_data(lib).DataLoader(dataset, batch_size=2)]
    dropped = utils_data(lib).DataLoader(dataset, batch_size=2, drop_last=True)
    return full, len(dropped), [list(batch) for batch in dropped]


def random_split(lib: ModuleType) -> Any:
    """random_split: part lengths (ints and fractions) and that the parts cover the data."""
    lib.manual_seed(0)
    dataset = utils_data(lib).TensorDataset(lib.arange(6))
    parts = utils_data(lib).random_split(dataset, [4, 2])
    fractions = utils_data(lib).random_split(dataset, [0.5, 0.5])
    covered = sorted(int(item[0]) for part in parts for item in part)
    return [len(part) for part in parts], [len(part) for part in fractions], covered


def saved_and_loaded(lib: ModuleType) -> Any:
    """save then load, through an in-memory file, of a dict holding a tensor."""
    buffer = io.BytesIO()
    lib.save({"w": const(lib), "step": 3}, buffer)
    buffer.seek(0)
    return lib.load(buffer)


def seeded_twice(lib: ModuleType) -> Any:
    """manual_seed makes the next random draws repeat."""
    lib.manual_seed(0)
    first = lib.rand(4)
    lib.manual_seed(0)
    return bool((lib.rand(4) == first).all())


def no_grad(lib: ModuleType) -> Any:
    """no_grad as a context manager and as a decorator."""
    t = x(lib)
    with lib.no_grad():
        inside = t * 2
        enabled_inside = lib.is_grad_enabled()

    @lib.no_grad()
    def doubled(value: Any) -> Any:
        return value * 2

    return inside, enabled_inside, doubled(t), lib.is_grad_enabled(), t * 3


def enable_grad(lib: ModuleType) -> Any:
    """enable_grad inside no_grad records again."""
    t = x(lib)
    with lib.no_grad():
        with lib.enable_grad():
            inside = t * 2
        outside = t * 2
    return inside, outside


def set_grad_enabled(lib: ModuleType) -> Any:
    """set_grad_enabled as a context manager, then as a function (restored afterwards)."""
    t = x(lib)
    with lib.set_grad_enabled(False):
        off = t * 2
    lib.set_grad_enabled(False)
    also_off = t * 2
    lib.set_grad_enabled(True)
    return off, also_off, t * 2, lib.is_grad_enabled()


def default_device(lib: ModuleType) -> Any:
    """set_default_device('cpu') then a new tensor's device (the default is reset after: under
    a default device, torch 2.13's weighted F.l1_loss gives another value in later tests)."""
    lib.set_default_device("cpu")
    try:
        return lib.get_default_device(), lib.ones(1).device
    finally:
        lib.set_default_device(None)


def hooked(lib: ModuleType) -> Any:
    """register_hook doubles the gradient reaching t; remove() stops it."""
    t = x(lib)
    t.register_hook(lambda grad: grad * 2)
    other = positive(lib)
    handle = other.register_hook(lambda grad: grad * 10)
    handle.remove()
    return t * other


def retained(lib: ModuleType) -> Any:
    """retain_grad keeps a non-leaf's gradient."""
    t = x(lib)
    middle = t * 2
    middle.retain_grad()
    (middle * middle).sum().backward()
    return middle.grad, middle.is_leaf


def retains(lib: ModuleType) -> Any:
    """retains_grad: False for a leaf and a plain result, True after retain_grad()."""
    t = x(lib)
    middle = t * 2
    before = middle.retains_grad
    middle.retain_grad()
    return t.retains_grad, before, middle.retains_grad, (middle * 3).retains_grad


def backward(lib: ModuleType) -> Any:
    """backward with and without ``gradient=``, accumulating into .grad."""
    t = x(lib)
    (t * t).sum().backward()
    (t * 3).backward(gradient=const(lib))
    return t.grad


def backward_twice(lib: ModuleType) -> Any:
    """A second backward through freed buffers is an error."""
    t = x(lib)
    total = (t.exp() * t).sum()
    total.backward()
    total.backward()


def autograd_grad(lib: ModuleType) -> Any:
    """autograd.grad with create_graph: the test's backward then gives the second derivative."""
    t = x(lib)
    (first,) = lib.autograd.grad((t ** 3).sum(), t, create_graph=True)
    return first


def in_place(lib: ModuleType, name: str, *args: Any, **kwargs: Any) -> Any:
    """``name`` in place on a non-leaf (t * 1): the result is the same object and records."""
    t = x(lib) * 1
    result = getattr(t, name)(*args, **kwargs)
    return result, result is t


def batch_norm_steps(lib: ModuleType, module: Any, input: Any) -> Any:
    """A BatchNorm layer (float64, fixed parameters) trained on two batches, then evaluated:
    the outputs and the buffers after each."""
    module = prepared(lib, module)
    first = module(input)
    second = module(input * 2 + 1)
    buffers = [buffer.clone() for _, buffer in module.named_buffers()]
    module.eval()
    return first, second, buffers, module(input), module.training


def functional_batch_norm(lib: ModuleType) -> Any:
    """F.batch_norm in training (updating the given buffers in place) and in evaluation."""
    running_mean, running_var = const(lib, [0.5, -1.0, 0.25]), const(lib, [1.0, 2.0, 0.5])
    trained = lib.nn.functional.batch_norm(x(lib), running_mean, running_var,
                                           leaf(lib, [1.5, -0.5, 2.0]), leaf(lib, [0.1, 0.2, 0.3]),
                                           training=True, momentum=0.3)
    evaluated = lib.nn.functional.batch_norm(x(lib) * 3, running_mean, running_var,
                                             leaf(lib, [2.0, 1.0, -1.0]), eps=0.1)
    return trained, evaluated, running_mean, running_var


CASES: dict[str, Case] = {
    # ---------------------------------------------------------------------------- torch.*
    "torch.BoolTensor": lambda lib: lib.BoolTensor([[True, False]]),
    "torch.ByteTensor": lambda lib: lib.ByteTensor([1, 0, 2]),
    "torch.CharTensor": lambda lib: lib.CharTensor([1, -2]),
    "torch.DoubleTensor": lambda lib: lib.DoubleTensor([[1.5, -2.0]]),
    "torch.FloatTensor": lambda lib: lib.FloatTensor([[1.5, -2.0]]),
    "torch.FloatTensor (sizes)": lambda lib: meta(lib.FloatTensor(2, 3)),
    "torch.HalfTensor": lambda lib: lib.HalfTensor([0.5, 2.0]),
    "torch.IntTensor": lambda lib: lib.IntTensor([1, 2]),
    "torch.LongTensor": lambda lib: lib.LongTensor([1, 2]),
    "torch.ShortTensor": lambda lib: lib.ShortTensor([1, 2]),
    "torch.Tensor": lambda lib: lib.Tensor([[1.5, -2.0]]),
    "torch.Tensor (integer data)": lambda lib: lib.Tensor([1, 2]),
    "torch.abs": lambda lib: lib.abs(x(lib)),
    "torch.arange": lambda lib: (lib.arange(5), lib.arange(0, 1, 0.25, dtype=lib.float64),
                                 lib.arange(1.0, 2.5)),
    "torch.argmax": lambda lib: (lib.argmax(x(lib)), lib.argmax(x(lib), dim=1)),
    "torch.argmin": lambda lib: (lib.argmin(x(lib)), lib.argmin(x(lib), 0, keepdim=True)),
    "torch.bool": lambda lib: made_with(lib, lib.bool),
    "torch.cat": lambda lib: lib.cat([x(lib), positive(lib)], dim=1),
    "torch.cat (shape mismatch)": lambda lib: lib.cat([x(lib), y(lib)]),
    "torch.chunk": lambda lib: lib.chunk(x(lib), 2, dim=1),
    "torch.clamp": lambda lib: (lib.clamp(x(lib), -1.0, 1.0), lib.clamp(x(lib), min=0.0)),
    "torch.cos": lambda lib: lib.cos(x(lib)),
    "torch.device": lambda lib: (lib.device("cpu"), str(lib.device("cpu", 0)),
                                 lib.device("cpu:0").index, lib.device("cpu").type),
    "torch.device (unknown type)": lambda lib: lib.device("foo"),
    "torch.double": lambda lib: made_with(lib, lib.double),
    "torch.empty": lambda lib: meta(lib.empty(2, 3, dtype=lib.float64)),
    "torch.empty_like": lambda lib: meta(lib.empty_like(x(lib))),
    "torch.enable_grad": enable_grad,
    "torch.add": lambda lib: (lib.add(x(lib), const(lib), alpha=2), lib.add(2, x(lib))),
    "torch.sub": lambda lib: (lib.sub(x(lib), const(lib), alpha=0.5), lib.sub(1.5, x(lib))),
    "torch.mul": lambda lib: (lib.mul(x(lib), const(lib)), lib.mul(3, x(lib))),
    "torch.div": lambda lib: (lib.div(x(lib), positive(lib)), lib.div(1, positive(lib))),
    "torch.mul (out)": lambda lib: lib.mul(const(lib), 2, out=lib.zeros(0, dtype=lib.float64)),
    "torch.exp": lambda lib: lib.exp(x(lib)),
    "torch.eye": lambda lib: (lib.eye(2), lib.eye(2, 3, dtype=lib.float64)),
    "torch.flatten": lambda lib: lib.flatten(x(lib).reshape(2, 3, 1), 1),
    "torch.float": lambda lib: made_with(lib, lib.float),
    "torch.float16": lambda lib: made_with(lib, lib.float16),
    "torch.float32": lambda lib: made_with(lib, lib.float32),
    "torch.float64": lambda lib: made_with(lib, lib.float64),
    "torch.from_numpy": lambda lib: (lib.from_numpy(np.array(X)),
                                     lib.from_numpy(np.arange(3, dtype=np.int32))),
    "torch.full": lambda lib: (lib.full((2, 2), 1.5), lib.full((2,), 3)),
    "torch.full_like": lambda lib: lib.full_like(x(lib), 7.0),
    "torch.gather": lambda lib: (lib.gather(x(lib), 1, lib.tensor([[2, 0], [1, 1]])),
                                 lib.gather(x(lib), 0, lib.tensor([[1, 0, 1]]))),
    "torch.gather (index out of range)": lambda lib: lib.gather(x(lib), 1, lib.tensor([[3], [0]])),
    "torch.get_default_device": lambda lib: lib.get_default_device(),
    "torch.half": lambda lib: made_with(lib, lib.half),
    "torch.int": lambda lib: made_with(lib, lib.int),
    "torch.int16": lambda lib: made_with(lib, lib.int16),
    "torch.int32": lambda lib: made_with(lib, lib.int32),
    "torch.int64": lambda lib: made_with(lib, lib.int64),
    "torch.int8": lambda lib: made_with(lib, lib.int8),
    "torch.is_grad_enabled": lambda lib: lib.is_grad_enabled(),
    "torch.linspace": lambda lib: (lib.linspace(0, 1, 5, dtype=lib.float64),
                                   lib.linspace(-1, 1, 3)),
    "torch.load": saved_and_loaded,
    "torch.log": lambda lib: lib.log(positive(lib)),
    "torch.log1p": lambda lib: lib.log1p(positive(lib)),
    "torch.long": lambda lib: made_with(lib, lib.long),
    "torch.manual_seed": seeded_twice,
    "torch.matmul": lambda lib: (lib.matmul(x(lib), y(lib)), lib.matmul(x(lib)[0], y(lib))),
    "torch.matmul (shape mismatch)": lambda lib: lib.matmul(x(lib), x(lib)),
    "torch.max": lambda lib: (lib.max(x(lib)), lib.max(x(lib), positive(lib))),
    "torch.max (dim)": lambda lib: lib.max(x(lib), dim=1),
    "torch.maximum": lambda lib: lib.maximum(x(lib), const(lib)),
    "torch.mean": lambda lib: (lib.mean(x(lib)), lib.mean(x(lib), dim=1, keepdim=True)),
    "torch.mean (integer input)": lambda lib: lib.mean(lib.tensor([1, 2])),
    "torch.min": lambda lib: (lib.min(x(lib)), lib.min(x(lib), positive(lib))),
    "torch.min (dim)": lambda lib: lib.min(x(lib), 0, keepdim=True),
    "torch.minimum": lambda lib: lib.minimum(x(lib), const(lib)),
    "torch.mm": lambda lib: lib.mm(x(lib), y(lib)),
    "torch.no_grad": no_grad,
    "torch.normal": lambda lib: (meta(lib.normal(0.0, 1.0, (2, 3))),
                                 meta(lib.normal(const(lib), 2.0))),
    "torch.ones": lambda lib: (lib.ones(2, 3), lib.ones((2,), dtype=lib.int64)),
    "torch.ones_like": lambda lib: lib.ones_like(x(lib)),
    "torch.pow": lambda lib: (lib.pow(positive(lib), 2.5), lib.pow(x(lib), 3)),
    "torch.rand": lambda lib: meta(lib.rand(2, 3)),
    "torch.rand_like": lambda lib: meta(lib.rand_like(x(lib))),
    "torch.randint": lambda lib: (meta(lib.randint(0, 5, (2, 3))), meta(lib.randint(4, (3,)))),
    "torch.randn": lambda lib: meta(lib.randn(2, 3, dtype=lib.float64)),
    "torch.randn_like": lambda lib: meta(lib.randn_like(x(lib))),
    "torch.relu": lambda lib: lib.relu(x(lib)),
    "torch.reshape": lambda lib: lib.reshape(x(lib), (3, 2)),
    "torch.save": saved_and_loaded,
    "torch.scatter": lambda lib: (
        lib.scatter(x(lib), 1, lib.tensor([[2, 0], [0, 1]]), y(lib)[:2]),
        lib.scatter(x(lib), 0, lib.tensor([[1, 0, 1]]), value=-2.0)),
    "torch.scatter_add": lambda lib: lib.scatter_add(x(lib), 1, lib.tensor([[2, 2], [1, 0]]),
                                                     y(lib)[1:]),
    "torch.set_default_device": default_device,
    "torch.set_grad_enabled": set_grad_enabled,
    "torch.short": lambda lib: made_with(lib, lib.short),
    "torch.sigmoid": lambda lib: lib.sigmoid(x(lib)),
    "torch.sin": lambda lib: lib.sin(x(lib)),
    "torch.split": lambda lib: (lib.split(x(lib), 2, dim=1), lib.split(x(lib), [1, 1])),
    "torch.sqrt": lambda lib: lib.sqrt(positive(lib)),
    "torch.squeeze": lambda lib: (lib.squeeze(x(lib).reshape(2, 1, 3)),
                                  lib.squeeze(x(lib).reshape(1, 2, 3), 0)),
    "torch.stack": lambda lib: lib.stack([x(lib), positive(lib)], dim=1),
    "torch.sum": lambda lib: (lib.sum(x(lib)), lib.sum(x(lib), dim=1, keepdim=True)),
    "torch.sum (integer input)": lambda lib: lib.sum(lib.tensor([[1, 2], [3, 4]]), 0),
    "torch.tanh": lambda lib: lib.tanh(x(lib)),
    "torch.tensor": lambda lib: (lib.tensor([[1.5, 2.0]]), lib.tensor([1, 2]),
                                 lib.tensor(True), lib.tensor(2.5, requires_grad=True)),
    "torch.tensor (ragged)": lambda lib: lib.tensor([[1.0], [2.0, 3.0]]),
    "torch.tensor (integer requires grad)": lambda lib: lib.tensor([1, 2], requires_grad=True),
    "torch.transpose": lambda lib: lib.transpose(x(lib), 0, 1),
    "torch.uint8": lambda lib: made_with(lib, lib.uint8),
    "torch.unbind": lambda lib: lib.unbind(x(lib), dim=1),
    "torch.unsqueeze": lambda lib: lib.unsqueeze(x(lib), -1),
    "torch.where": lambda lib: lib.where(const(lib) > 0, x(lib), positive(lib)),
    "torch.zeros": lambda lib: (lib.zeros(2, 3), lib.zeros((2,), dtype=lib.float64)),
    "torch.zeros_like": lambda lib: lib.zeros_like(x(lib)),
    # ---------------------------------------------------------------------- torch.Tensor.*
    "torch.Tensor.T": lambda lib: x(lib).T,
    "torch.Tensor.abs": lambda lib: x(lib).abs(),
    "torch.Tensor.add": lambda lib: (x(lib).add(positive(lib), alpha=2), x(lib).add(1.5)),
    "torch.Tensor.add_": lambda lib: in_place(lib, "add_", positive(lib), alpha=2),
    "torch.Tensor.add_ (leaf)": lambda lib: x(lib).add_(1.0),
    "torch.Tensor.all": lambda lib: ((x(lib) > 0).all(), (positive(lib) > 0).all()),
    "torch.Tensor.any": lambda lib: ((x(lib) > 0).any(), (x(lib) > 5).any()),
    "torch.Tensor.argmax": lambda lib: (x(lib).argmax(), x(lib).argmax(dim=0)),
    "torch.Tensor.argmin": lambda lib: (x(lib).argmin(), x(lib).argmin(1, keepdim=True)),
    "torch.Tensor.backward": backward,
    "torch.Tensor.backward (twice)": backward_twice,
    "torch.Tensor.backward (non-scalar)": lambda lib: (x(lib) * 2).backward(),
    "torch.Tensor.bool": lambda lib: x(lib).bool(),
    "torch.Tensor.chunk": lambda lib: x(lib).chunk(3, dim=1),
    "torch.Tensor.clamp": lambda lib: (x(lib).clamp(-1.0, 1.0), x(lib).clamp(max=0.0)),
    "torch.Tensor.clone": lambda lib: x(lib).clone(),
    "torch.Tensor.copy_": lambda lib: in_place(lib, "copy_", positive(lib)),
    "torch.Tensor.cos": lambda lib: x(lib).cos(),
    "torch.Tensor.cpu": lambda lib: (x(lib).cpu(), x(lib).cpu().device),
    "torch.Tensor.cuda": lambda lib: x(lib).cuda(),
    "torch.Tensor.data": lambda lib: x(lib).data,
    "torch.Tensor.detach": lambda lib: (x(lib) * 2).detach(),
    "torch.Tensor.device": lambda lib: x(lib).device,
    "torch.Tensor.dim": lambda lib: (x(lib).dim(), lib.tensor(1.0).dim()),
    "torch.Tensor.div": lambda lib: (x(lib).div(positive(lib)), x(lib).div(4)),
    "torch.Tensor.div_": lambda lib: in_place(lib, "div_", positive(lib)),
    "torch.Tensor.double": lambda lib: lib.tensor(X, requires_grad=True).double(),
    "torch.Tensor.dtype": lambda lib: (x(lib).dtype, lib.ones(1).dtype, labels(lib).dtype),
    "torch.Tensor.eq": lambda lib: x(lib).eq(lib.tensor(X, dtype=lib.float64) * (const(lib) > 0)),
    "torch.Tensor.exp": lambda lib: x(lib).exp(),
    "torch.Tensor.expand": lambda lib: leaf(lib, [[1.0], [2.0]]).expand(2, 3),
    "torch.Tensor.fill_": lambda lib: in_place(lib, "fill_", 2.5),
    "torch.Tensor.flatten": lambda lib: x(lib).reshape(2, 3, 1).flatten(1),
    "torch.Tensor.float": lambda lib: x(lib).float(),
    "torch.Tensor.gather": lambda lib: (x(lib).gather(1, lib.tensor([[2, 2, 0, 1]] * 2)),
                                        x(lib).gather(1, labels(lib).unsqueeze(1))),
    "torch.Tensor.gather (float index)": lambda lib: x(lib).gather(1, const(lib)[:, :1]),
    "torch.Tensor.ge": lambda lib: x(lib).ge(const(lib)),
    "torch.Tensor.get_device": lambda lib: x(lib).get_device(),
    "torch.Tensor.grad": lambda lib: (retained(lib)[0], x(lib).grad),
    "torch.Tensor.grad_fn": lambda lib: ((x(lib) * 2).grad_fn is None, x(lib).grad_fn),
    "torch.Tensor.grad_fn (name)": lambda lib: (x(lib) * 2).grad_fn.name(),
    "torch.Tensor.gt": lambda lib: x(lib).gt(0.5),
    "torch.Tensor.half": lambda lib: x(lib).half(),
    "torch.Tensor.int": lambda lib: x(lib).int(),
    "torch.Tensor.is_cuda": lambda lib: x(lib).is_cuda,
    "torch.Tensor.is_leaf": lambda lib: (x(lib).is_leaf, (x(lib) * 2).is_leaf,
                                         const(lib).is_leaf),
    "torch.Tensor.item": lambda lib: (x(lib).sum().item(), labels(lib)[0].item()),
    "torch.Tensor.item (several values)": lambda lib: x(lib).item(),
    "torch.Tensor.le": lambda lib: x(lib).le(const(lib)),
    "torch.Tensor.log": lambda lib: positive(lib).log(),
    "torch.Tensor.log1p": lambda lib: positive(lib).log1p(),
    "torch.Tensor.log_softmax": lambda lib: x(lib).log_softmax(1),
    "torch.Tensor.logsumexp": lambda lib: (x(lib).logsumexp(1), x(lib).logsumexp(0, True)),
    "torch.Tensor.long": lambda lib: x(lib).long(),
    "torch.Tensor.lt": lambda lib: x(lib).lt(const(lib)),
    "torch.Tensor.matmul": lambda lib: x(lib).matmul(y(lib)),
    "torch.Tensor.max": lambda lib: (x(lib).max(), x(lib).max(1)[0], x(lib).max(1).indices),
    "torch.Tensor.maximum": lambda lib: x(lib).maximum(const(lib)),
    "torch.Tensor.mean": lambda lib: (x(lib).mean(), x(lib).mean(0)),
    "torch.Tensor.min": lambda lib: (x(lib).min(), x(lib).min(dim=0).values),
    "torch.Tensor.minimum": lambda lib: x(lib).minimum(const(lib)),
    "torch.Tensor.mm": lambda lib: x(lib).mm(y(lib)),
    "torch.Tensor.mm (shape mismatch)": lambda lib: x(lib).mm(x(lib)),
    "torch.Tensor.mul": lambda lib: (x(lib).mul(positive(lib)), x(lib).mul(2)),
    "torch.Tensor.mul_": lambda lib: in_place(lib, "mul_", positive(lib)),
    "torch.Tensor.ndim": lambda lib: (x(lib).ndim, lib.tensor(1.0).ndim),
    "torch.Tensor.ne": lambda lib: x(lib).ne(0.5),
    "torch.Tensor.neg": lambda lib: x(lib).neg(),
    "torch.Tensor.norm": lambda lib: (x(lib).norm(), x(lib).norm(1), x(lib).norm(dim=1)),
    "torch.Tensor.numel": lambda lib: x(lib).numel(),
    "torch.Tensor.numpy": lambda lib: const(lib).numpy(),
    "torch.Tensor.numpy (requires grad)": lambda lib: x(lib).numpy(),
    "torch.Tensor.permute": lambda lib: (x(lib).permute(1, 0), x(lib).permute((1, 0))),
    "torch.Tensor.pow": lambda lib: (positive(lib).pow(0.5), x(lib).pow(positive(lib)[0, 0])),
    "torch.Tensor.pow_": lambda lib: in_place(lib, "pow_", 2),
    "torch.Tensor.register_hook": hooked,
    "torch.Tensor.relu": lambda lib: x(lib).relu(),
    "torch.Tensor.requires_grad": lambda lib: (x(lib).requires_grad, const(lib).requires_grad,
                                               (x(lib) * const(lib)).requires_grad),
    "torch.Tensor.requires_grad_": lambda lib: track(const(lib).requires_grad_()) * 2,
    "torch.Tensor.requires_grad_ (non-leaf)":
        lambda lib: (x(lib) * 2).requires_grad_(False),
    "torch.Tensor.reshape": lambda lib: (x(lib).reshape(3, 2), x(lib).reshape((-1,))),
    "torch.Tensor.retain_grad": retained,
    "torch.Tensor.retains_grad": retains,
    "torch.Tensor.scatter": lambda lib: (
        x(lib).scatter(1, lib.tensor([[1], [2]]), y(lib)[:2, :1]),
        x(lib).scatter(0, lib.tensor([[1, 0, 1]]), 2.5)),
    "torch.Tensor.scatter (src of another dtype)": lambda lib: x(lib).scatter(
        1, lib.tensor([[1]]), lib.ones(1, 1)),
    "torch.Tensor.scatter_": lambda lib: (
        in_place(lib, "scatter_", 1, lib.tensor([[2, 0], [0, 1]]), y(lib)[:2]),
        lib.zeros(5).scatter_(0, lib.tensor(3), value=1)),
    "torch.Tensor.scatter_ (leaf)": lambda lib: x(lib).scatter_(0, lib.tensor([[1, 0, 1]]), 1.0),
    "torch.Tensor.scatter_add": lambda lib: x(lib).scatter_add(0, lib.tensor([[1, 1, 0]]),
                                                               positive(lib)[:1]),
    "torch.Tensor.scatter_add_": lambda lib: in_place(lib, "scatter_add_", 1,
                                                      lib.tensor([[0, 0], [2, 2]]), y(lib)[1:]),
    "torch.Tensor.sgn": lambda lib: x(lib).sgn(),
    "torch.Tensor.shape": lambda lib: (x(lib).shape, x(lib)[0].shape),
    "torch.Tensor.sigmoid": lambda lib: x(lib).sigmoid(),
    "torch.Tensor.sign": lambda lib: x(lib).sign(),
    "torch.Tensor.sin": lambda lib: x(lib).sin(),
    "torch.Tensor.size": lambda lib: (x(lib).size(), x(lib).size(1), x(lib).size(-1)),
    "torch.Tensor.softmax": lambda lib: x(lib).softmax(dim=0),
    "torch.Tensor.split": lambda lib: (x(lib).split(2, 1), x(lib).split([2, 1], dim=1)),
    "torch.Tensor.sqrt": lambda lib: positive(lib).sqrt(),
    "torch.Tensor.squeeze": lambda lib: (x(lib).reshape(1, 2, 3).squeeze(),
                                         x(lib).reshape(2, 1, 3).squeeze(1)),
    "torch.Tensor.sub": lambda lib: (x(lib).sub(positive(lib), alpha=0.5), x(lib).sub(1)),
    "torch.Tensor.sub_": lambda lib: in_place(lib, "sub_", positive(lib)),
    "torch.Tensor.sum": lambda lib: (x(lib).sum(), x(lib).sum(0), x(lib).sum((0, 1))),
    "torch.Tensor.t": lambda lib: x(lib).t(),
    "torch.Tensor.tanh": lambda lib: x(lib).tanh(),
    "torch.Tensor.to": lambda lib: (x(lib).to(lib.float32), x(lib).to("cpu"),
                                    x(lib).to("cpu", lib.float16), x(lib).to(labels(lib))),
    "torch.Tensor.tolist": lambda lib: (x(lib).tolist(), labels(lib).tolist()),
    "torch.Tensor.transpose": lambda lib: x(lib).transpose(1, 0),
    "torch.Tensor.type": lambda lib: (x(lib).type(), x(lib).type(lib.float32),
                                      x(lib).type("torch.LongTensor")),
    "torch.Tensor.unbind": lambda lib: x(lib).unbind(),
    "torch.Tensor.unsqueeze": lambda lib: x(lib).unsqueeze(1),
    "torch.Tensor.var": lambda lib: (x(lib).var(), x(lib).var(dim=1), x(lib).var(0, True),
                                     x(lib).var(False), x(lib).var(1, False, True),
                                     x(lib).var(0, correction=0)),
    "torch.Size": lambda lib: (lib.Size([2, 3]), lib.ones(2, 3).shape[1:], lib.zeros(4).size(),
                               lib.ones(2, 3).shape.numel(), (1,) + lib.ones(2).shape,
                               repr(lib.ones(2, 3).shape).replace("torch.", "")),
    "torch.Tensor.std": lambda lib: (x(lib).std(), x(lib).std(dim=1), x(lib).std(0, True),
                                     x(lib).std(False), x(lib).std(1, False, True),
                                     x(lib).std(0, correction=0)),
    "torch.Tensor.view": lambda lib: (x(lib).view(3, 2), x(lib).view(-1)),
    "torch.Tensor.view (non-contiguous)": lambda lib: x(lib).t().view(6),
    "torch.Tensor.view_as": lambda lib: x(lib).view_as(y(lib)),
    "torch.Tensor.where": lambda lib: x(lib).where(const(lib) > 0, positive(lib)),
    "torch.Tensor.zero_": lambda lib: in_place(lib, "zero_"),
    # -------------------------------------------------------------------- torch.autograd.*
    "torch.autograd.Function": custom_function,
    "torch.autograd.Sequence": lambda lib: (isinstance([1], lib.autograd.Sequence),
                                            isinstance({}, lib.autograd.Sequence)),
    "torch.autograd.Variable": lambda lib: track(
        lib.autograd.Variable(const(lib), requires_grad=True)) * 2,
    "torch.autograd.backward": lambda lib: lib.autograd.backward([(x(lib) ** 2).sum()]),
    "torch.autograd.enable_grad": enable_grad,
    "torch.autograd.grad": autograd_grad,
    "torch.autograd.no_grad": no_grad,
    "torch.autograd.set_grad_enabled": set_grad_enabled,
    # -------------------------------------------------------------------------- torch.nn.*
    "torch.nn.BCEWithLogitsLoss": lambda lib: lib.nn.BCEWithLogitsLoss(
        pos_weight=const(lib, [2.0, 1.0, 0.5]))(x(lib), const(lib, [[1.0, 0.0, 1.0]] * 2)),
    "torch.nn.CrossEntropyLoss": lambda lib: (
        lib.nn.CrossEntropyLoss()(x(lib), labels(lib)),
        lib.nn.CrossEntropyLoss(reduction="none", label_smoothing=0.1)(x(lib), labels(lib))),
    "torch.nn.Dropout": lambda lib: (lib.nn.Dropout(0.5).eval()(x(lib)),
                                     meta(lib.nn.Dropout(0.5)(x(lib)))),
    "torch.nn.Flatten": lambda lib: lib.nn.Flatten()(x(lib).reshape(2, 3, 1)),
    "torch.nn.Identity": lambda lib: lib.nn.Identity(54, unused="argument")(x(lib)),
    "torch.nn.Linear": lambda lib: prepared(lib, lib.nn.Linear(3, 2))(x(lib)),
    "torch.nn.Linear (no bias)": lambda lib: prepared(lib, lib.nn.Linear(3, 4, bias=False))(
        x(lib)),
    "torch.nn.LogSoftmax": lambda lib: lib.nn.LogSoftmax(dim=1)(x(lib)),
    "torch.nn.BCELoss": lambda lib: (
        lib.nn.BCELoss()(x(lib).sigmoid(), const(lib).sigmoid()),
        lib.nn.BCELoss(weight=const(lib).abs(), reduction="sum")(
            x(lib).sigmoid(), const(lib).sigmoid())),
    "torch.nn.HuberLoss": lambda lib: lib.nn.HuberLoss(delta=0.5)(x(lib), const(lib)),
    "torch.nn.L1Loss": lambda lib: lib.nn.L1Loss(reduction="sum")(x(lib), const(lib)),
    "torch.nn.SmoothL1Loss": lambda lib: lib.nn.SmoothL1Loss(beta=0.7)(x(lib), const(lib)),
    "torch.nn.Softplus": lambda lib: lib.nn.Softplus(beta=2.0, threshold=1.5)(x(lib)),
    "torch.nn.MSELoss": lambda lib: (lib.nn.MSELoss()(x(lib), const(lib)),
                                     lib.nn.MSELoss(reduction="sum")(x(lib), positive(lib))),
    "torch.nn.Module": custom_module,
    "torch.nn.ModuleList": lambda lib: len(list(
        lib.nn.ModuleList([lib.nn.Linear(2, 2), lib.nn.ReLU()]).parameters())),
    "torch.nn.NLLLoss": lambda lib: lib.nn.NLLLoss()(x(lib).log_softmax(1), labels(lib)),
    "torch.nn.Parameter": lambda lib: track(lib.nn.Parameter(const(lib))) * 2,
    "torch.nn.ReLU": lambda lib: lib.nn.ReLU()(x(lib)),
    "torch.nn.Sequential": lambda lib: prepared(lib, lib.nn.Sequential(
        lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2)))(x(lib)),
    "torch.nn.Sigmoid": lambda lib: lib.nn.Sigmoid()(x(lib)),
    "torch.nn.Softmax": lambda lib: lib.nn.Softmax(dim=-1)(x(lib)),
    "torch.nn.Tanh": lambda lib: lib.nn.Tanh()(x(lib)),
    "torch.nn.BatchNorm1d": lambda lib: batch_norm_steps(lib, lib.nn.BatchNorm1d(3), x(lib)),
    "torch.nn.BatchNorm1d (3-D, momentum None)": lambda lib: batch_norm_steps(
        lib, lib.nn.BatchNorm1d(2, momentum=None), x(lib).reshape(1, 2, 3)),
    "torch.nn.BatchNorm2d": lambda lib: batch_norm_steps(
        lib, lib.nn.BatchNorm2d(2, affine=False), x(lib).reshape(1, 2, 3, 1)),
    "torch.nn.BatchNorm2d (wrong channels)": lambda lib: lib.nn.BatchNorm2d(3)(
        x(lib).reshape(1, 2, 3, 1).float()),
    "torch.nn.Dropout2d": lambda lib: (lib.nn.Dropout2d(0.5).eval()(x(lib).reshape(1, 2, 3, 1)),
                                       meta(lib.nn.Dropout2d(0.5)(x(lib).reshape(1, 2, 3, 1)))),
    "torch.nn.GroupNorm": lambda lib: prepared(lib, lib.nn.GroupNorm(2, 6))(
        x(lib).reshape(1, 6, 1)),
    "torch.nn.LayerNorm": lambda lib: (prepared(lib, lib.nn.LayerNorm(3))(x(lib)),
                                       lib.nn.LayerNorm((2, 3), elementwise_affine=False)(x(lib))),
    # --------------------------------------------------------------- torch.nn.functional.*
    "torch.nn.functional.Tensor": lambda lib: lib.nn.functional.Tensor is lib.Tensor,
    "torch.nn.functional.binary_cross_entropy_with_logits":
        lambda lib: lib.nn.functional.binary_cross_entropy_with_logits(
            x(lib), const(lib, [[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]]), reduction="sum"),
    "torch.nn.functional.cross_entropy": lambda lib: (
        lib.nn.functional.cross_entropy(x(lib), labels(lib)),
        lib.nn.functional.cross_entropy(x(lib), labels(lib), weight=const(lib, [1.0, 2.0, 3.0])),
        lib.nn.functional.cross_entropy(x(lib), lib.tensor([1, -100]))),
    "torch.nn.functional.cross_entropy (float targets)":
        lambda lib: lib.nn.functional.cross_entropy(x(lib), positive(lib).softmax(1)),
    "torch.nn.functional.dropout": lambda lib: (
        lib.nn.functional.dropout(x(lib), 0.5, training=False),
        meta(lib.nn.functional.dropout(x(lib), 0.5))),
    "torch.nn.functional.linear": lambda lib: (
        lib.nn.functional.linear(x(lib), positive(lib)),
        lib.nn.functional.linear(x(lib), y(lib).T, bias=const(lib, [1.0, 2.0]))),
    "torch.nn.functional.log_softmax": lambda lib: lib.nn.functional.log_softmax(x(lib), dim=1),
    "torch.nn.functional.binary_cross_entropy": lambda lib: (
        lib.nn.functional.binary_cross_entropy(x(lib).sigmoid(), const(lib).sigmoid(),
                                               reduction="none")),
    "torch.nn.functional.binary_cross_entropy (out of range)": lambda lib: (
        lib.nn.functional.binary_cross_entropy(x(lib), const(lib).sigmoid())),
    "torch.nn.functional.huber_loss": lambda lib: lib.nn.functional.huber_loss(
        x(lib), const(lib), delta=2.0),
    "torch.nn.functional.l1_loss": lambda lib: lib.nn.functional.l1_loss(x(lib), const(lib)),
    "torch.nn.functional.smooth_l1_loss": lambda lib: lib.nn.functional.smooth_l1_loss(
        x(lib), const(lib), reduction="none", beta=0.5),
    "torch.nn.functional.softplus": lambda lib: (lib.nn.functional.softplus(x(lib)),
                                                 lib.nn.functional.softplus(x(lib), 3.0, 0.5)),
    "torch.nn.functional.mse_loss": lambda lib: lib.nn.functional.mse_loss(x(lib), const(lib)),
    "torch.nn.functional.nll_loss": lambda lib: lib.nn.functional.nll_loss(
        x(lib), labels(lib), reduction="none"),
    "torch.nn.functional.one_hot": lambda lib: (
        lib.nn.functional.one_hot(labels(lib)), lib.nn.functional.one_hot(labels(lib), 4)),
    "torch.nn.functional.relu": lambda lib: lib.nn.functional.relu(x(lib)),
    "torch.nn.functional.sigmoid": lambda lib: lib.nn.functional.sigmoid(x(lib)),
    "torch.nn.functional.softmax": lambda lib: lib.nn.functional.softmax(x(lib), dim=0),
    "torch.nn.functional.tanh": lambda lib: lib.nn.functional.tanh(x(lib)),
    "torch.nn.functional.batch_norm": functional_batch_norm,
    "torch.nn.functional.dropout2d": lambda lib: (
        lib.nn.functional.dropout2d(x(lib).reshape(1, 2, 3, 1), 0.5, training=False),
        meta(lib.nn.functional.dropout2d(x(lib).reshape(1, 2, 3, 1), 0.5))),
    "torch.nn.functional.group_norm": lambda lib: lib.nn.functional.group_norm(
        x(lib).reshape(1, 6, 1), 2, leaf(lib, [1.0, 2.0, 3.0, -1.0, 0.5, 0.25]),
        leaf(lib, [0.0, 0.1, 0.2, 0.3, 0.4, 0.5])),
    "torch.nn.functional.layer_norm": lambda lib: (
        lib.nn.functional.layer_norm(x(lib), (3,)),
        lib.nn.functional.layer_norm(x(lib), [2, 3], leaf(lib, OTHER), leaf(lib, X), eps=0.1)),
    # ------------------------------------------------------------ pooling (torch.nn and F)
    "torch.nn.MaxPool2d": lambda lib: (
        lib.nn.MaxPool2d(2)(image(lib)),
        lib.nn.MaxPool2d(3, stride=2, padding=1, return_indices=True, ceil_mode=True)(image(lib)),
        repr(lib.nn.MaxPool2d((2, 3), dilation=(1, 2)))),
    "torch.nn.MaxPool1d": lambda lib: (lib.nn.MaxPool1d(3, 2, 1)(image(lib)[0]),
                                       repr(lib.nn.MaxPool1d(2))),
    "torch.nn.AvgPool2d": lambda lib: (
        lib.nn.AvgPool2d(2)(image(lib)),
        lib.nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False)(image(lib)),
        repr(lib.nn.AvgPool2d((2, 3), divisor_override=2))),
    "torch.nn.AdaptiveAvgPool2d": lambda lib: (lib.nn.AdaptiveAvgPool2d((3, None))(image(lib)),
                                               repr(lib.nn.AdaptiveAvgPool2d(1))),
    "torch.nn.AdaptiveMaxPool2d": lambda lib: (
        lib.nn.AdaptiveMaxPool2d((3, 2), return_indices=True)(image(lib)),
        repr(lib.nn.AdaptiveMaxPool2d(2))),
    "torch.nn.functional.max_pool2d": lambda lib: (
        lib.nn.functional.max_pool2d(image(lib), 2, stride=1, dilation=(1, 2)),
        lib.nn.functional.max_pool2d(image(lib)[0], (2, 3), padding=1, return_indices=True)),
    "torch.nn.functional.max_pool2d (padding above half)":
        lambda lib: lib.nn.functional.max_pool2d(image(lib), 2, padding=2),
    "torch.nn.functional.max_pool1d": lambda lib: lib.nn.functional.max_pool1d(
        image(lib)[0], 2, return_indices=True),
    "torch.nn.functional.avg_pool2d": lambda lib: (
        lib.nn.functional.avg_pool2d(image(lib), 2, stride=1, padding=1),
        lib.nn.functional.avg_pool2d(image(lib), 3, 2, 1, True, False, 4)),
    "torch.nn.functional.avg_pool2d (2-d input)":
        lambda lib: lib.nn.functional.avg_pool2d(image(lib)[0, 0], 2),
    "torch.nn.functional.adaptive_avg_pool2d": lambda lib: (
        lib.nn.functional.adaptive_avg_pool2d(image(lib), 3),
        lib.nn.functional.adaptive_avg_pool2d(image(lib), (None, 2))),
    "torch.nn.functional.adaptive_max_pool2d": lambda lib: lib.nn.functional.adaptive_max_pool2d(
        image(lib), (2, 3), return_indices=True),
    # ------------------------------------------------------------------------ torch.optim.*
    "torch.optim.Adam": lambda lib: trained(
        lib, lambda params: lib.optim.Adam(params, lr=0.1, weight_decay=0.01)),
    "torch.optim.Adam (amsgrad)": lambda lib: trained(
        lib, lambda params: lib.optim.Adam(params, lr=0.1, amsgrad=True)),
    "torch.optim.AdamW": lambda lib: trained(lib, lambda params: lib.optim.AdamW(params, lr=0.1)),
    "torch.optim.Optimizer": custom_optimizer,
    "torch.optim.Adadelta": lambda lib: trained(
        lib, lambda params: lib.optim.Adadelta(params, lr=0.5, rho=0.8, weight_decay=0.1)),
    "torch.optim.Adagrad": lambda lib: trained(
        lib, lambda params: lib.optim.Adagrad(params, lr=0.1, lr_decay=0.01,
                                              initial_accumulator_value=0.2)),
    "torch.optim.RMSprop": lambda lib: trained(
        lib, lambda params: lib.optim.RMSprop(params, lr=0.01, momentum=0.5, centered=True)),
    "torch.optim.SGD": lambda lib: trained(
        lib, lambda params: lib.optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True)),
    "torch.optim.SGD (negative lr)": lambda lib: lib.optim.SGD([x(lib)], lr=-0.1),
    # ------------------------------------------------------------ torch.optim.lr_scheduler.*
    "torch.optim.lr_scheduler.CosineAnnealingLR": lambda lib: scheduled(
        lib, lambda optimizer: lib.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=4)),
    "torch.optim.lr_scheduler.Counter": lambda lib: dict(
        lib.optim.lr_scheduler.Counter([1, 2, 1])),
    "torch.optim.lr_scheduler.ExponentialLR": lambda lib: scheduled(
        lib, lambda optimizer: lib.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.5)),
    "torch.optim.lr_scheduler.LRScheduler": custom_scheduler,
    "torch.optim.lr_scheduler.MultiStepLR": lambda lib: scheduled(
        lib, lambda optimizer: lib.optim.lr_scheduler.MultiStepLR(optimizer, [2, 4], 0.5)),
    "torch.optim.lr_scheduler.OneCycleLR": lambda lib: scheduled(
        lib, lambda optimizer: lib.optim.lr_scheduler.OneCycleLR(optimizer, 1.0,
                                                                 total_steps=7)),
    "torch.optim.lr_scheduler.Optimizer":
        lambda lib: lib.optim.lr_scheduler.Optimizer is lib.optim.Optimizer,
    "torch.optim.lr_scheduler.StepLR": lambda lib: scheduled(
        lib, lambda optimizer: lib.optim.lr_scheduler.StepLR(optimizer, 2, gamma=0.1)),
    "torch.optim.lr_scheduler.annotations":
        lambda lib: lib.optim.lr_scheduler.annotations.getMandatoryRelease(),
    # ------------------------------------------------------------------- torch.utils.data.*
    "torch.utils.data.DataLoader": data_loader,
    "torch.utils.data.Dataset": custom_dataset,
    "torch.utils.data.Subset": lambda lib: list(utils_data(lib).Subset(
        utils_data(lib).TensorDataset(lib.arange(5) * 10), [3, 0])),
    "torch.utils.data.TensorDataset": lambda lib: (
        len(utils_data(lib).TensorDataset(const(lib), labels(lib))),
        utils_data(lib).TensorDataset(const(lib), labels(lib))[1]),
    "torch.utils.data.TensorDataset (size mismatch)":
        lambda lib: utils_data(lib).TensorDataset(const(lib), lib.tensor([1, 2, 3])),
    "torch.utils.data.random_split": random_split,
}


# ------------------------------------------------- rounding division, bitwise ops and shifts
INTEGERS = [[12, -7, 5], [-128, 0, 3]]


def integers(lib: ModuleType, dtype: str = "int64") -> Any:
    """The 2x3 integers ``INTEGERS`` in ``dtype`` (wrapped around for unsigned ones)."""
    return lib.tensor(INTEGERS).to(getattr(lib, dtype))


def masks(lib: ModuleType) -> Any:
    """A 2x3 bool tensor."""
    return lib.tensor([[True, False, True], [False, False, True]])


def changed(tensor: Any, name: str, *args: Any) -> Any:
    """``tensor.name(*args)`` (an in-place method): its result, whether it is the same object,
    and the tensor afterwards."""
    result = getattr(tensor, name)(*args)
    return result, result is tensor, tensor


CASES.update({
    "torch.floor_divide": lambda lib: (lib.floor_divide(const(lib), 0.75),
                                       lib.floor_divide(integers(lib), -5),
                                       lib.floor_divide(7, integers(lib, "int8") + 200)),
    "torch.floor_divide (by zero)": lambda lib: lib.floor_divide(integers(lib), 0),
    "torch.floor_divide (backward)": lambda lib: lib.floor_divide(x(lib), 0.5).sum().backward(),
    "torch.remainder": lambda lib: (lib.remainder(x(lib), positive(lib)),
                                    lib.remainder(integers(lib), -5),
                                    lib.remainder(const(lib), -0.75)),
    "torch.remainder (by zero)": lambda lib: lib.remainder(integers(lib, "int32"), 0),
    "torch.bitwise_and": lambda lib: (lib.bitwise_and(integers(lib), 10),
                                      lib.bitwise_and(masks(lib), lib.tensor(True)),
                                      lib.bitwise_and(masks(lib), integers(lib, "int8"))),
    "torch.bitwise_and (float)": lambda lib: lib.bitwise_and(integers(lib), 0.5),
    "torch.bitwise_or": lambda lib: (lib.bitwise_or(integers(lib, "uint8"), 3),
                                     lib.bitwise_or(masks(lib), ~masks(lib))),
    "torch.bitwise_xor": lambda lib: (lib.bitwise_xor(integers(lib, "int16"), -1),
                                      lib.bitwise_xor(masks(lib), True)),
    "torch.bitwise_not": lambda lib: (lib.bitwise_not(integers(lib, "int8")),
                                      lib.bitwise_not(masks(lib))),
    "torch.Tensor.floor_divide": lambda lib: (const(lib).floor_divide(-0.5),
                                              integers(lib).floor_divide(integers(lib) + 200)),
    "torch.Tensor.floor_divide_": lambda lib: changed(const(lib), "floor_divide_", 0.75),
    "torch.Tensor.remainder": lambda lib: (positive(lib).remainder(x(lib)),
                                           integers(lib, "uint8").remainder(7)),
    "torch.Tensor.remainder_": lambda lib: changed(integers(lib, "int16"), "remainder_", -3),
    "torch.Tensor.bitwise_and": lambda lib: integers(lib).bitwise_and(integers(lib, "int8")),
    "torch.Tensor.bitwise_and_": lambda lib: changed(integers(lib, "uint8"), "bitwise_and_",
                                                     integers(lib)),
    "torch.Tensor.bitwise_or": lambda lib: masks(lib).bitwise_or(False),
    "torch.Tensor.bitwise_or_": lambda lib: changed(masks(lib), "bitwise_or_", ~masks(lib)),
    "torch.Tensor.bitwise_xor": lambda lib: integers(lib).bitwise_xor(6),
    "torch.Tensor.bitwise_xor_": lambda lib: changed(integers(lib, "int32"), "bitwise_xor_", 6),
    "torch.Tensor.bitwise_not": lambda lib: integers(lib, "uint8").bitwise_not(),
})


# --------------------------------------------------------------------------- convolutions
# Two images of two channels (4x5) and two signals of two channels (length 6), float64, with
# values that are not all alike; weights a recorded leaf too.
IMAGES = ((np.arange(80).reshape(2, 2, 4, 5) % 7 - 3) / 4).tolist()
SIGNALS = ((np.arange(24).reshape(2, 2, 6) % 5 - 2) / 2).tolist()
KERNELS = ((np.arange(24).reshape(4, 2, 1, 3) % 5 - 2) / 4).tolist()


CASES.update({
    "torch.conv1d": lambda lib: lib.conv1d(leaf(lib, SIGNALS), leaf(lib, KERNELS)[:, :, 0],
                                           padding="same"),
    "torch.conv2d": lambda lib: lib.conv2d(leaf(lib, IMAGES), leaf(lib, KERNELS),
                                           stride=(1, 2), padding=1),
    "torch.nn.Conv1d": lambda lib: prepared(lib, lib.nn.Conv1d(2, 3, 2, stride=2))(
        leaf(lib, SIGNALS)),
    "torch.nn.Conv2d": lambda lib: prepared(lib, lib.nn.Conv2d(2, 4, 3, padding=1, groups=2))(
        leaf(lib, IMAGES)),
    "torch.nn.Conv2d (channel mismatch)": lambda lib: lib.nn.Conv2d(3, 4, 3).double()(
        leaf(lib, IMAGES)),
    "torch.nn.functional.conv1d": lambda lib: lib.nn.functional.conv1d(
        leaf(lib, SIGNALS)[0], leaf(lib, KERNELS)[:2, :1, 0], const(lib, [0.5, -1.0]),
        dilation=2, groups=2),
    "torch.nn.functional.conv2d": lambda lib: lib.nn.functional.conv2d(
        leaf(lib, IMAGES), leaf(lib, KERNELS), const(lib, [0.5, -1.0, 0.25, 2.0]),
        padding="valid", dilation=(2, 1)),
    "torch.nn.functional.conv2d (input smaller than kernel)":
        lambda lib: lib.nn.functional.conv2d(leaf(lib, IMAGES), leaf(lib, KERNELS), dilation=3),
})


def name_of(key: str) -> str:
    """The torch name a key is a case of: ``"torch.Tensor.max (dim)"`` -> ``"torch.Tensor.max"``."""
    return key.split(" (")[0]


# Reasons shared by several entries below.
BY_POSITION = ("accepts {} by position, where torch takes it by keyword only: every call torch "
               "accepts binds the same")
DOCSTRING_NAME = ("torch's docstring calls the parameter '{}', but torch itself takes "
                  "'other=' (x.{}(other=y)), as ours does")
DEPRECATED_REDUCTION = ("leaves out torch's deprecated size_average and reduce, which come "
                        "before ignore_index/reduction in torch's positional order: pass those "
                        "by keyword, as torch's docs do")

SCATTER_OVERLOADS = ("torch's two overloads, (dim, index, src) and (dim, index, value), in one: "
                     "the third positional parameter is src, a tensor or a number (then the "
                     "value, as in torch); value= and reduce= (refused: deprecated in torch) by "
                     "keyword")

NO_DOCUMENTED_PARAMETER = ("torch's docstring shows no parameter (bitwise_and() -> Tensor); "
                           "torch takes the other operand by position, as ours does")

# Where our parameters differ from torch's (as inspect.signature or torch's docstring shows
# them): on purpose, or because torch's docstring names a parameter differently from torch.
SIGNATURE_DIFFERENCES: dict[str, str] = {
    "torch.Tensor.bitwise_and": NO_DOCUMENTED_PARAMETER,
    "torch.Tensor.bitwise_and_": NO_DOCUMENTED_PARAMETER,
    "torch.Tensor.bitwise_or": NO_DOCUMENTED_PARAMETER,
    "torch.Tensor.bitwise_or_": NO_DOCUMENTED_PARAMETER,
    "torch.Tensor.bitwise_xor": NO_DOCUMENTED_PARAMETER,
    "torch.Tensor.bitwise_xor_": NO_DOCUMENTED_PARAMETER,
    "torch.arange": BY_POSITION.format("dtype (device, requires_grad)"),
    "torch.empty_like": BY_POSITION.format("dtype (device, requires_grad)"),
    "torch.eye": BY_POSITION.format("dtype (device, requires_grad)"),
    "torch.full": BY_POSITION.format("dtype (device, requires_grad)"),
    "torch.full_like": BY_POSITION.format("dtype (device, requires_grad)"),
    "torch.linspace": BY_POSITION.format("dtype (device, requires_grad)"),
    "torch.ones_like": BY_POSITION.format("dtype (device, requires_grad)"),
    "torch.rand_like": BY_POSITION.format("dtype (device, requires_grad)"),
    "torch.randint": BY_POSITION.format("generator (dtype, device, requires_grad)"),
    "torch.randn_like": BY_POSITION.format("dtype (device, requires_grad)"),
    "torch.tensor": BY_POSITION.format("dtype (device, requires_grad)"),
    "torch.zeros_like": BY_POSITION.format("dtype (device, requires_grad)"),
    "torch.normal": ("normal(mean, std, size, generator, dtype, device, requires_grad): torch's "
                     "docstring shows size only in normal(mean, std, size, *, out) and none of "
                     "dtype, device, requires_grad, which torch accepts by keyword"),
    "torch.from_numpy": ("ours calls the array 'array', torch's docstring 'ndarray'; torch takes "
                         "no keyword arguments there, so no call binds differently"),
    "torch.Tensor.add": BY_POSITION.format("alpha"),
    "torch.Tensor.add_": BY_POSITION.format("alpha"),
    "torch.Tensor.sub": BY_POSITION.format("alpha"),
    "torch.Tensor.sub_": BY_POSITION.format("alpha"),
    "torch.Tensor.copy_": ("ours calls the source 'source', torch's docstring 'src'; torch itself "
                           "takes only 'other=' (x.copy_(other=y)) and non_blocking, which ours "
                           "lacks"),
    "torch.Tensor.div": DOCSTRING_NAME.format("value", "div"),
    "torch.Tensor.div_": DOCSTRING_NAME.format("value", "div_") + "; no rounding_mode",
    "torch.Tensor.matmul": DOCSTRING_NAME.format("tensor2", "matmul"),
    "torch.Tensor.mul": DOCSTRING_NAME.format("value", "mul"),
    "torch.Tensor.mul_": DOCSTRING_NAME.format("value", "mul_"),
    "torch.Tensor.where": DOCSTRING_NAME.format("y", "where"),
    "torch.scatter": SCATTER_OVERLOADS,
    "torch.Tensor.scatter": SCATTER_OVERLOADS,
    "torch.Tensor.scatter_": SCATTER_OVERLOADS,
    "torch.Tensor.var": ("ours is var(dim, unbiased, keepdim, *, correction): torch's two "
                         "overloads in one; its docstring shows only var(dim, *, correction, "
                         "keepdim)"),
    "torch.Tensor.std": ("ours is std(dim, unbiased, keepdim, *, correction): torch's two "
                         "overloads in one; its docstring shows only std(dim, *, correction, "
                         "keepdim)"),
    "torch.autograd.Sequence": ("not API: both modules import Sequence for their type hints, "
                                "ours from typing, torch's from collections.abc"),
    "torch.autograd.grad": ("no only_inputs (deprecated and ignored by torch), so allow_unused is "
                            "the 6th positional parameter here, the 7th in torch"),
    "torch.nn.BCEWithLogitsLoss": DEPRECATED_REDUCTION,
    "torch.nn.CrossEntropyLoss": DEPRECATED_REDUCTION,
    "torch.nn.MSELoss": DEPRECATED_REDUCTION,
    "torch.nn.NLLLoss": DEPRECATED_REDUCTION,
    "torch.nn.functional.binary_cross_entropy_with_logits": DEPRECATED_REDUCTION,
    "torch.nn.functional.cross_entropy": DEPRECATED_REDUCTION,
    "torch.nn.functional.mse_loss": DEPRECATED_REDUCTION,
    "torch.nn.functional.nll_loss": DEPRECATED_REDUCTION,
    "torch.nn.Dropout": ("adds 'generator' (a NumPy Generator, for reproducible masks) as a third "
                         "positional parameter"),
    "torch.nn.functional.dropout": ("no 'inplace'; the 4th positional parameter is 'generator' "
                                    "(a NumPy Generator), torch's is 'inplace'"),
    "torch.nn.Dropout2d": ("adds 'generator' (a NumPy Generator, for reproducible masks) as a "
                           "third positional parameter"),
    "torch.nn.functional.dropout2d": ("adds 'generator' (a NumPy Generator, for reproducible "
                                      "masks) as a keyword-only parameter"),
    "torch.nn.Linear": ("no 'device': ours is (in_features, out_features, bias, dtype, "
                        "generator), torch's (..., bias, device, dtype), so Linear(3, 2, True, "
                        "'cpu') fails here; dtype by keyword works in both"),
    "torch.utils.data.DataLoader": ("ours is (dataset, batch_size, shuffle, drop_last, generator, "
                                    "seed): no sampler, num_workers, collate_fn, pin_memory, ...; "
                                    "drop_last is the 4th positional parameter, torch's is "
                                    "sampler; generator is a NumPy Generator"),
}

# torch objects with neither an inspectable signature nor a signature line in their docstring.
_LEGACY = "a legacy tensor type: a C class with no signature and no docstring"
SIGNATURE_NOT_INSPECTABLE: dict[str, str] = {
    "torch.BoolTensor": _LEGACY,
    "torch.ByteTensor": _LEGACY,
    "torch.CharTensor": _LEGACY,
    "torch.DoubleTensor": _LEGACY,
    "torch.FloatTensor": _LEGACY,
    "torch.HalfTensor": _LEGACY,
    "torch.IntTensor": _LEGACY,
    "torch.LongTensor": _LEGACY,
    "torch.ShortTensor": _LEGACY,
    "torch.Tensor": "a C class whose docstring shows no signature",
    "torch.nn.functional.Tensor": "torch.Tensor: a C class whose docstring shows no signature",
    "torch.device": "a C class with no docstring",
    "torch.relu": "a builtin with no docstring",
    "torch.Tensor.relu": "a builtin method with no docstring",
    "torch.Tensor.log_softmax": "a builtin method with no docstring",
    "torch.Tensor.detach": "its docstring begins with prose, never a signature line",
    "torch.autograd.Variable": "a C-defined metaclass instance with no signature or docstring",
}
