"""A jitted step must do what the same step does eagerly, bit for bit, or refuse to be captured.

Differential test: the random programs of the torch fuzzer (``tests/fuzz_generator.py``) become
training-like steps. Their inputs that require grad are parameters, made once outside the step;
the others are the step's arguments, with new values at every call. The same step runs eagerly
and through ``tinygrad_edu.jit`` for ``CALLS`` calls (two captures, then replays; in the
program's threads, a worker or the main thread, with another one in no_grad), on two copies
of the parameters, which are changed in place between calls (as an optimiser would). After every
call both runs must show the same returned values, parameters, gradients and arguments (shape,
dtype and every bit), and raise the same error type; the jitted one may instead raise
``NotCapturableError`` (a step that reads values into Python, builds a graph for a second
derivative...), never a different answer.

The tests after it pin, one by one, values that used to be computed outside the ops
(comparisons, argmax, clamp, logsumexp's shift, masks in a backward, a gather's index,
cross-entropy's per-sample coefficients): a replay
kept their capture-time values when both capture calls happened to agree (a wrong answer), and
the capture was refused when they did not.
"""

from __future__ import annotations

import threading
import warnings
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings

pytest.importorskip("torch")

import tinygrad_edu as tge  # noqa: E402
from tinygrad_edu.nn import functional as F  # noqa: E402
from tests.fuzz_compare import returned_objects, run_beside_a_no_grad_thread  # noqa: E402
from tests.fuzz_generator import programs  # noqa: E402
from tests.fuzz_programs import (  # noqa: E402
    MAIN_THREAD,
    OPS,
    TINYGRAD,
    WORKER_WHILE_MAIN_IN_NO_GRAD,
    Program,
    program_source,
)

CALLS = 5  # two captures and three replays
PROGRAMS_PER_RUN = 1000
# A program draws torch values as it is built (see fuzz_generator): slow and large by design.
HEALTH_CHECKS = [HealthCheck.too_slow, HealthCheck.data_too_large,
                 HealthCheck.large_base_example]
LEAF_OPS = ("leaf", "empty_leaf")

Observation = tuple[Any, ...]


def is_parameter(step: Any) -> bool:
    """A leaf that requires grad: made once, outside the step (a parameter)."""
    return step.op in LEAF_OPS and bool(step.params["requires_grad"])


def make_parameters(program: Program) -> dict[str, tge.Tensor]:
    """The program's inputs that require grad, by name (one the library refuses to make, an
    integer tensor that requires grad, is left to the step, where it raises every time)."""
    parameters = {}
    for step in program.steps:
        if is_parameter(step):
            try:
                parameters[step.outputs[0]] = OPS[step.op].run(tge, [], step.params)
            except RuntimeError:
                continue
    return parameters


def arguments_for_call(program: Program, call: int) -> list[np.ndarray]:
    """The values of the inputs that do not require grad, for one call: float ones scaled by
    a dyadic factor that changes from call to call (exact, so both runs see the same bits)."""
    arrays = []
    for step in program.steps:
        if step.op in LEAF_OPS and not is_parameter(step):
            array = OPS[step.op].run(tge, [], step.params).numpy().copy()
            if array.dtype.kind == "f":
                array = np.asarray(array * array.dtype.type(1 + call / 4))
            arrays.append(array)
    return arrays


def make_step(program: Program, parameters: dict[str, tge.Tensor]) -> Callable[..., Any]:
    """The program as a function of its arguments, returning every tensor it made."""

    def step(*arguments: tge.Tensor) -> tuple[tge.Tensor, ...]:
        values: dict[str, Any] = {}
        fed = iter(arguments)
        for line in program.steps:
            spec = OPS[line.op]
            if line.op in LEAF_OPS:
                name = line.outputs[0]
                if name in parameters:
                    values[name] = parameters[name]
                elif is_parameter(line):
                    values[name] = spec.run(tge, [], line.params)  # raises (see above)
                else:
                    values[name] = next(fed)
                continue
            tensors = [values[name] for name in line.args]
            if line.grad_enabled:
                result = spec.run(tge, tensors, line.params)
            else:
                with tge.no_grad():
                    result = spec.run(tge, tensors, line.params)
            for name, value in zip(line.outputs, returned_objects(line, result)):
                values[name] = value
        return tuple(value for value in values.values() if isinstance(value, tge.Tensor))

    return step


def values_of(tensor: tge.Tensor | None) -> np.ndarray | None:
    return None if tensor is None else tensor.detach().numpy().copy()


def in_threads(program: Program, body: Callable[[], Any]) -> Any:
    """``body()`` in the threads the program's ``thread_mode`` asks for: here, in a worker
    thread while this one sits in no_grad, or here while another thread sits in no_grad (grad
    mode and the capture are per thread). Returns what ``body`` returned, raises what it
    raised."""
    outcome: list[Any] = []

    def record() -> None:
        try:
            outcome.append(("returned", body()))
        except BaseException as error:  # handed back to the caller below
            outcome.append(("raised", error))

    if program.thread_mode == MAIN_THREAD:
        record()
    elif program.thread_mode == WORKER_WHILE_MAIN_IN_NO_GRAD:
        with tge.no_grad():
            worker = threading.Thread(target=record)
            worker.start()
            worker.join()
    else:
        run_beside_a_no_grad_thread(TINYGRAD, record)
    kind, value = outcome[0]
    if kind == "raised":
        raise value
    return value


def run_calls(program: Program, jitted: bool) -> list[Observation]:
    """Call the step CALLS times (eagerly or jitted), in the program's threads; what was
    observable after each call. Stops at the first error, recorded as ("error", type name)."""
    parameters = make_parameters(program)
    step = make_step(program, parameters)
    if jitted:
        step = tge.jit(step)
    observations: list[Observation] = []
    for call in range(CALLS):
        arguments = [tge.from_numpy(array) for array in arguments_for_call(program, call)]
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                results = in_threads(program, lambda: step(*arguments))
        except tge.NotCapturableError:
            observations.append(("not capturable",))
            break
        except Exception as error:  # the error type is compared with the other run's
            observations.append(("error", type(error).__name__))
            break
        observations.append((
            "values",
            [values_of(result) for result in results],
            [(values_of(parameter), values_of(parameter.grad))
             for parameter in parameters.values()],
            [values_of(argument) for argument in arguments],
        ))
        with tge.no_grad():  # an optimiser-like change between calls, the same for both runs
            for parameter in parameters.values():
                parameter.mul_(0.5)
    return observations


def same_bits(first: Any, second: Any) -> bool:
    """Equal nested lists/tuples of arrays (or None): shapes, dtypes and every value."""
    if isinstance(first, (list, tuple)):
        return (isinstance(second, type(first)) and len(first) == len(second)
                and all(same_bits(a, b) for a, b in zip(first, second)))
    if first is None or second is None:
        return first is None and second is None
    if not isinstance(first, np.ndarray):
        return bool(first == second)
    return (first.shape == second.shape and first.dtype == second.dtype
            and np.array_equal(first, second, equal_nan=first.dtype.kind in "fc"))


def first_difference(eager: list[Observation], jitted: list[Observation]) -> str | None:
    """None when the jitted run did what the eager one did (or was refused with
    NotCapturableError); else a description of the first call that differs."""
    for call, (ours, theirs) in enumerate(zip(jitted, eager)):
        if ours == ("not capturable",):
            return None
        if not same_bits(ours, theirs):
            return f"call {call}: jitted {ours!r}\neager {theirs!r}"
    if len(eager) != len(jitted):
        return f"the eager run made {len(eager)} calls, the jitted one {len(jitted)}"
    return None


def check_jit_against_eager(program: Program) -> None:
    difference = first_difference(run_calls(program, False), run_calls(program, True))
    assert difference is None, (
        f"the jitted step differs from the eager one ({difference})\n"
        f"{program_source(program, TINYGRAD)}")


@settings(max_examples=PROGRAMS_PER_RUN, deadline=None, derandomize=True, database=None,
          phases=[Phase.generate], suppress_health_check=HEALTH_CHECKS)
@given(programs())
def test_random_programs_replay_like_eager_or_are_refused(program: Program) -> None:
    check_jit_against_eager(program)


def test_the_comparison_catches_a_replay_that_differs() -> None:
    """The harness itself: a step whose jitted run is given a wrong op must be reported."""
    eager = [("values", [np.array([1.0])], [], [])]
    assert first_difference(eager, [("values", [np.array([1.0])], [], [])]) is None
    assert first_difference(eager, [("not capturable",)]) is None
    assert "call 0" in str(first_difference(eager, [("values", [np.array([2.0])], [], [])]))
    assert "call 0" in str(first_difference(eager, [("values", [np.array([1.0], np.float32)],
                                                     [], [])]))
    assert first_difference(eager, [("error", "RuntimeError")]) is not None


# --------------------------------------------------------------------------- pinned cases


def eager_and_jitted(make: Callable[[], tuple[Callable[..., Any], Callable[[], None]]],
                     arguments: list[list[Any]]) -> tuple[list[Any], list[Any]]:
    """Run a step eagerly and jitted on the same argument lists. ``make()`` builds a fresh
    copy of the state and returns (step, change): ``change()`` runs between calls."""
    results: list[list[Any]] = []
    for jitted in (False, True):
        step, change = make()
        if jitted:
            step = tge.jit(step)
        outputs = []
        for call_arguments in arguments:
            returned = step(*call_arguments)
            returned = returned if isinstance(returned, tuple) else (returned,)
            outputs.append([values_of(tensor) for tensor in returned])
            change()
        results.append(outputs)
        if jitted:
            assert step.replays == len(arguments) - 2  # the later calls did replay
    return results[0], results[1]


def assert_replays_match(make: Callable[[], tuple[Callable[..., Any], Callable[[], None]]],
                         arguments: list[list[Any]]) -> None:
    eager, jitted = eager_and_jitted(make, arguments)
    for call, (ours, theirs) in enumerate(zip(jitted, eager)):
        assert same_bits(ours, theirs), f"call {call}: jitted {ours}, eager {theirs}"


def halving_parameter(values: list[float]) -> tuple[tge.Tensor, Callable[[], None]]:
    """A parameter and a change that halves it in place (as an optimiser step would)."""
    parameter = tge.tensor(values, dtype=tge.float64, requires_grad=True)

    def change() -> None:
        with tge.no_grad():
            parameter.mul_(0.5)
    return parameter, change


def test_a_comparison_of_a_parameter_follows_its_new_values() -> None:
    """x < 0.5 was computed outside the ops: equal in both captures, frozen afterwards."""
    def make() -> tuple[Callable[..., Any], Callable[[], None]]:
        parameter, change = halving_parameter([2.25, 2.0])
        return (lambda: (parameter < 0.5, parameter >= 1.0, ~(parameter > 0.75))), change
    assert_replays_match(make, [[]] * 5)


def test_accuracy_with_argmax_and_eq_follows_each_batch() -> None:
    """The usual accuracy, (logits.argmax(1) == labels).float().mean(), with the same accuracy
    in both capture calls and another one later."""
    def make() -> tuple[Callable[..., Any], Callable[[], None]]:
        def step(logits: tge.Tensor, labels: tge.Tensor) -> tuple[tge.Tensor, ...]:
            hits = logits.argmax(1) == labels
            return hits.float().mean(), hits.any(), hits.all(), logits.argmin()
        return step, lambda: None
    logits = tge.tensor([[0.0, 1.0], [2.0, 0.0]])
    arguments = [[logits, tge.tensor(labels)]
                 for labels in ([1, 0], [1, 0], [0, 0], [0, 1], [1, 1])]
    assert_replays_match(make, arguments)


def test_clamp_and_logsumexp_follow_new_values() -> None:
    """clamp's clipped values and mask, and logsumexp's shift, were NumPy on the values: a
    capture whose two calls saw different values was refused, one whose calls agreed froze them."""
    kept: list[Any] = []

    def make() -> tuple[Callable[..., Any], Callable[[], None]]:
        parameter, halve = halving_parameter([3.0, -4.0, 0.25])
        keep, gradients = gradients_of(parameter)
        kept.append(gradients)

        def step() -> tuple[tge.Tensor, ...]:
            clamped = parameter.clamp(-1.0, 1.0)
            total = (clamped * 3.0).sum() + parameter.logsumexp(0)
            total.backward()
            return clamped, total

        def change() -> None:
            keep()
            halve()
        return step, change
    assert_replays_match(make, [[]] * 6)
    eager, jitted = kept
    assert same_bits(jitted, eager)


def gradients_of(*leaves: tge.Tensor) -> tuple[Callable[[], None], list[Any]]:
    """A ``change`` for ``assert_replays_match`` that keeps the leaves' gradients of each call
    (in the list returned) and clears them for the next (outside the step, as zero_grad)."""
    kept: list[Any] = []

    def change() -> None:
        kept.append([values_of(leaf.grad) for leaf in leaves])
        for leaf in leaves:
            leaf.grad = None
    return change, kept


def test_ties_of_maximum_that_appear_after_the_capture_split_the_gradient() -> None:
    """maximum's backward tested for ties in Python: no tie at capture, no halving later."""
    kept: list[Any] = []

    def make() -> tuple[Callable[..., Any], Callable[[], None]]:
        parameter = tge.tensor([1.0, 2.0], dtype=tge.float64, requires_grad=True)
        change, gradients = gradients_of(parameter)
        kept.append(gradients)

        def step(other: tge.Tensor) -> tge.Tensor:
            total = tge.maximum(parameter, other).sum()
            total.backward()
            return total
        return step, change
    arguments = [[tge.tensor(values, dtype=tge.float64)]
                 for values in ([0.0, 0.0], [5.0, 5.0], [1.0, 2.0], [1.0, 0.0], [3.0, 2.0])]
    assert_replays_match(make, arguments)
    eager, jitted = kept
    assert same_bits(jitted, eager)
    assert jitted[2][0].tolist() == [0.5, 0.5]  # the ties of the third call, a replay


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # 0 * log(0)
@pytest.mark.filterwarnings("ignore:divide by zero encountered:RuntimeWarning")  # 0 ** -1
def test_a_tensor_exponent_that_becomes_zero_after_the_capture() -> None:
    """pow's backward masked b == 0 and a == 0 with NumPy on the values."""
    kept: list[Any] = []

    def make() -> tuple[Callable[..., Any], Callable[[], None]]:
        base = tge.tensor([0.0, 2.0], dtype=tge.float64, requires_grad=True)
        exponent = tge.tensor([2.0, 3.0], dtype=tge.float64, requires_grad=True)
        exponents = iter([[1.5, 2.5], [0.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [2.0, 2.0]])
        keep, gradients = gradients_of(base, exponent)
        kept.append(gradients)

        def step() -> tge.Tensor:
            total = (base ** exponent).sum()
            total.backward()
            return total

        def change() -> None:
            keep()
            with tge.no_grad():
                exponent.copy_(tge.tensor(next(exponents), dtype=tge.float64))
        return step, change
    assert_replays_match(make, [[]] * 5)
    eager, jitted = kept
    assert same_bits(jitted, eager)


def test_gather_with_labels_follows_each_batch_and_checks_them() -> None:
    """A gathered negative log-likelihood: the index comes from the step's argument (its int64
    copy was NumPy, so the capture was refused). A label out of range in a replay is an error,
    not NumPy's read from the end."""
    kept: list[Any] = []

    def make() -> tuple[Callable[..., Any], Callable[[], None]]:
        logits = tge.tensor([[0.5, 1.0, -1.0], [2.0, 0.0, 1.0]], requires_grad=True)
        change, gradients = gradients_of(logits)
        kept.append(gradients)

        def step(labels: tge.Tensor) -> tge.Tensor:
            picked = logits.log_softmax(1).gather(1, labels.unsqueeze(1))
            loss = -picked.mean()
            loss.backward()
            return loss
        return step, change
    arguments = [[tge.tensor(labels)] for labels in ([0, 1], [2, 0], [1, 1], [2, 2], [0, 0])]
    assert_replays_match(make, arguments)
    eager, jitted = kept
    assert same_bits(jitted, eager)
    step, _ = make()
    jitted = tge.jit(step)
    for labels in ([0, 1], [2, 0], [1, 2]):
        jitted(tge.tensor(labels))
    assert jitted.replays == 1
    with pytest.raises(RuntimeError, match=r"gather\(\): index -1 is out of bounds"):
        jitted(tge.tensor([-1, 0]))


def test_batch_norm_in_training_mode_replays_with_each_batch_statistics() -> None:
    """The running statistics were updated with NumPy on the batch's mean and variance (a
    NumPy view of an op's output, which the capture refused); now with ops."""
    def make() -> tuple[Callable[..., Any], Callable[[], None]]:
        _ = tge.manual_seed(0)
        model = tge.nn.Sequential(tge.nn.Linear(3, 4), tge.nn.BatchNorm1d(4), tge.nn.ReLU(),
                                  tge.nn.Linear(4, 2))
        optimizer = tge.optim.SGD(model.parameters(), lr=0.1)

        def step(inputs: tge.Tensor, labels: tge.Tensor) -> tuple[tge.Tensor, ...]:
            loss = F.cross_entropy(model(inputs), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            batch_norm = model[1]
            return loss, batch_norm.running_mean, batch_norm.running_var
        return step, lambda: None
    generator = np.random.default_rng(3)
    arguments = [[tge.from_numpy(generator.standard_normal((8, 3)).astype(np.float32)),
                  tge.from_numpy(generator.integers(0, 2, 8))] for _ in range(6)]
    assert_replays_match(make, arguments)


def test_values_computed_from_tensors_outside_the_ops_are_refused() -> None:
    """normal(mean_tensor, ...) draws around a tensor's values outside the ops. With the same
    seed in both capture calls its values agree, yet they depend on the parameter: refused,
    where the replay used to keep the first values."""
    mean = tge.tensor([1.0, 2.0], requires_grad=True)

    @tge.jit
    def step() -> tge.Tensor:
        noise = tge.normal(mean.detach(), 1.0, generator=np.random.default_rng(0))
        return (mean * noise).sum()

    step()
    with pytest.raises(tge.NotCapturableError, match="computed from tensor values outside"):
        step()


def test_a_mask_computed_in_the_step_is_refused_as_an_index() -> None:
    """x[x > 0] picks as many elements as the values say: no fixed program can replay it."""
    @tge.jit
    def step(values: tge.Tensor) -> tge.Tensor:
        return values[values > 0].sum()

    with pytest.raises(tge.NotCapturableError, match="boolean mask computed in the step"):
        step(tge.tensor([1.0, -1.0]))
    # A 0-d mask too: it adds an axis of length 1 or 0, depending on the value.
    zero_d = tge.jit(lambda value: value[value < 1.0] * 2.0)
    with pytest.raises(tge.NotCapturableError, match="boolean mask computed in the step"):
        zero_d(tge.tensor(2.0))
    constant_mask = tge.jit(lambda values: values[tge.tensor([True, False])] * 2.0)
    results = [constant_mask(tge.tensor([value, 0.0])).item() for value in (1.0, 2.0, 3.0)]
    assert results == [2.0, 4.0, 6.0] and constant_mask.replays == 1


CLASS_TARGET_OPTIONS: list[dict[str, Any]] = [
    {"weight": [1.0, 2.0, 0.5]}, {"ignore_index": 1},
    {"weight": [1.0, 2.0, 0.5], "reduction": "none"}]
SMOOTHING_OPTIONS: list[dict[str, Any]] = [  # cross_entropy only: nll_loss has no smoothing
    {"label_smoothing": 0.2}, {"weight": [1.0, 2.0, 0.5], "label_smoothing": 0.1,
                               "ignore_index": 2}]


@pytest.mark.parametrize("loss_name, options", [
    *[("cross_entropy", options) for options in CLASS_TARGET_OPTIONS + SMOOTHING_OPTIONS],
    *[("nll_loss", options) for options in CLASS_TARGET_OPTIONS + [{"ignore_index": -100}]]],
    ids=str)
def test_cross_entropy_options_follow_each_batch(loss_name: str, options: dict[str, Any]) -> None:
    """Class weights, ignore_index and label smoothing: their per-sample coefficients used to
    be NumPy on the labels (frozen, or refused). The batches differ in which samples are ignored,
    the last one ignores all of them (a NaN mean, as torch). A label out of range in a replay
    raises."""
    kept: list[Any] = []

    def make() -> tuple[Callable[..., Any], Callable[[], None]]:
        logits = tge.tensor([[0.5, 1.0, -1.0], [2.0, 0.0, 1.0], [0.0, 0.0, 3.0]],
                            dtype=tge.float64, requires_grad=True)
        change, gradients = gradients_of(logits)
        kept.append(gradients)

        def step(labels: tge.Tensor) -> tge.Tensor:
            scores = logits if loss_name == "cross_entropy" else logits.log_softmax(1)
            loss = getattr(F, loss_name)(scores, labels, **options)
            loss.sum().backward()
            return loss
        return step, change
    ignored = options.get("ignore_index", 1)
    batches = ([0, 2, 0], [2, 2, 0], [1, 0, 2], [ignored, 1, 0], [0, ignored, ignored],
               [ignored] * 3)
    arguments = [[tge.tensor(labels)] for labels in batches]
    assert_replays_match(make, arguments)
    eager, jitted = kept
    assert same_bits(jitted, eager)
    step, _ = make()
    compiled = tge.jit(step)
    for labels in batches[:3]:
        compiled(tge.tensor(labels))
    with pytest.raises(RuntimeError, match="gather"):
        compiled(tge.tensor([0, -7, 1]))


def test_plain_cross_entropy_refuses_an_ignored_target_that_appears_in_a_replay() -> None:
    """With no option, cross_entropy is the fused op, captured from batches without the default
    ignore_index -100. A later batch holding -100 would need the composed loss: the replay
    raises a clear error instead of taking -100 for a class."""
    logits = tge.tensor([[0.5, 1.0, -1.0], [2.0, 0.0, 1.0]], requires_grad=True)
    step = tge.jit(lambda labels: F.cross_entropy(logits, labels))
    for labels in ([0, 2], [1, 1], [2, 0]):
        step(tge.tensor(labels))
    with pytest.raises(IndexError, match="ignore_index is not allowed in a step compiled"):
        step(tge.tensor([0, -100]))


@pytest.mark.parametrize("dropout", [0.0, 0.25])
def test_a_convolutional_step_replays_like_eager(dropout: float) -> None:
    """Convolution, batch and layer normalisation, max and average pooling, channel dropout
    and AdamW: eight steps on batches of different contents, jitted and eager, the same bits
    (losses, parameters and buffers after every step)."""
    kept: list[list[Any]] = []

    def make() -> tuple[Callable[..., Any], Callable[[], None]]:
        _ = tge.manual_seed(0)
        model = tge.nn.Sequential(
            tge.nn.Conv2d(1, 4, 3, padding=1), tge.nn.BatchNorm2d(4), tge.nn.ReLU(),
            tge.nn.MaxPool2d(2), tge.nn.Dropout2d(dropout, generator=np.random.default_rng(5)),
            tge.nn.Conv2d(4, 4, 3, stride=2), tge.nn.GroupNorm(2, 4), tge.nn.Tanh(),
            tge.nn.AdaptiveAvgPool2d(2), tge.nn.Flatten(), tge.nn.LayerNorm(16),
            tge.nn.Linear(16, 3))
        optimizer = tge.optim.AdamW(model.parameters(), lr=1e-2)

        def step(images: tge.Tensor, labels: tge.Tensor) -> tge.Tensor:
            loss = F.cross_entropy(model(images), labels, label_smoothing=0.1)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss

        states: list[Any] = []
        kept.append(states)

        def change() -> None:  # the parameters and buffers after each step
            states.append([values_of(tensor) for tensor in model.state_dict().values()])
        return step, change
    generator = np.random.default_rng(4)
    arguments = [[tge.from_numpy(generator.standard_normal((3, 1, 10, 10), dtype=np.float32)),
                  tge.from_numpy(generator.integers(0, 3, 3))] for _ in range(8)]
    assert_replays_match(make, arguments)
    eager, jitted = kept
    assert same_bits(jitted, eager)
