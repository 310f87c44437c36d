"""tinygrad_edu.jit: a replayed step equals the eager step bit for bit, and what cannot be
replayed is refused with NotCapturableError.

Every comparison runs the same step twice from the same initial state and seed: once eagerly,
once through ``jit``; losses, parameters and gradients must be equal as arrays (not close).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tinygrad_edu as tge
from tinygrad_edu import Tensor
from tinygrad_edu.nn import functional as F

Step = Callable[..., Any]


def make_model(seed: int, hidden: int = 16, dropout: float = 0.0, inputs: int = 12,
               classes: int = 5, activation: str = "relu", dtype: Any = np.float64
               ) -> tge.nn.Module:
    tge.manual_seed(seed)
    layers: list[tge.nn.Module] = [tge.nn.Linear(inputs, hidden)]
    layers.append({"relu": tge.nn.ReLU(), "tanh": tge.nn.Tanh(),
                   "sigmoid": tge.nn.Sigmoid()}[activation])
    if dropout:
        layers.append(tge.nn.Dropout(dropout))
    layers.append(tge.nn.Linear(hidden, classes))
    model = tge.nn.Sequential(*layers)
    return model.double() if dtype == np.float64 else model.float()


def make_optimizer(name: str, model: tge.nn.Module) -> tge.optim.Optimizer:
    parameters = model.parameters()
    if name == "sgd":
        return tge.optim.SGD(parameters, lr=0.1)
    if name == "sgd-momentum":
        return tge.optim.SGD(parameters, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3)
    if name == "adam":
        return tge.optim.Adam(parameters, lr=1e-2)
    if name == "adamw":
        return tge.optim.AdamW(parameters, lr=1e-2)
    if name == "rmsprop":
        return tge.optim.RMSprop(parameters, lr=1e-2)
    return tge.optim.Adagrad(parameters, lr=1e-2)


def classification_step(model: tge.nn.Module, optimizer: tge.optim.Optimizer,
                        loss_name: str = "cross_entropy") -> Step:
    def step(images: np.ndarray, labels: np.ndarray) -> Tensor:
        logits = model(tge.from_numpy(images))
        if loss_name == "cross_entropy":
            loss = F.cross_entropy(logits, tge.from_numpy(labels))
        else:
            target = F.one_hot(tge.from_numpy(labels), logits.shape[1]).to(logits.dtype)
            loss = F.mse_loss(logits, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss
    return step


def batches(count: int, batch: int, seed: int = 1, inputs: int = 12, classes: int = 5,
            dtype: Any = np.float64) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    images = rng.standard_normal((count * batch, inputs)).astype(dtype)
    labels = rng.integers(0, classes, count * batch)
    return [(images[i * batch:(i + 1) * batch], labels[i * batch:(i + 1) * batch])
            for i in range(count)]


def run_both(build: Callable[[], tuple[tge.nn.Module, Step]],
             data: list[tuple[Any, ...]], seed: int = 7) -> tuple[list[Any], list[Any]]:
    """Train two identical setups on ``data``, one eager, one jitted; return both runs'
    (losses, parameters, gradients) for comparison, and check each loss."""
    runs = []
    for compile_it in (False, True):
        model, step = build()
        if compile_it:
            step = tge.jit(step)
        tge.manual_seed(seed)  # the dropout masks come from the default generator
        losses = [step(*batch)._data.copy() for batch in data]
        parameters = [parameter._data.copy() for parameter in model.parameters()]
        gradients = [None if parameter.grad is None else parameter.grad._data.copy()
                     for parameter in model.parameters()]
        runs.append([losses, parameters, gradients])
    return runs[0], runs[1]


def assert_bitwise_equal(eager: list[Any], jitted: list[Any]) -> None:
    for what, eager_values, jitted_values in zip(("loss", "parameter", "gradient"), eager,
                                                 jitted):
        assert len(eager_values) == len(jitted_values)
        for index, (one, two) in enumerate(zip(eager_values, jitted_values)):
            if one is None or two is None:
                assert one is None and two is None, f"{what} {index}: one is None"
                continue
            assert one.dtype == two.dtype and one.shape == two.shape, f"{what} {index}"
            assert np.array_equal(one, two, equal_nan=True), f"{what} {index} differs"


# ------------------------------------------------------------------ equal to eager, bitwise


@pytest.mark.parametrize("optimizer_name", ["sgd", "adam"])
@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_100_jitted_steps_equal_eager_bit_for_bit(optimizer_name: str, dropout: float) -> None:
    def build() -> tuple[tge.nn.Module, Step]:
        model = make_model(3, hidden=64, dropout=dropout, inputs=784, classes=10,
                           dtype=np.float32)
        return model, classification_step(model, make_optimizer(optimizer_name, model))

    data = batches(100, 32, inputs=784, classes=10, dtype=np.float32)
    eager, jitted = run_both(build, data)
    assert_bitwise_equal(eager, jitted)
    # The parameters moved (a skipped update would leave them equal in both runs too).
    initial = [parameter._data for parameter in build()[0].parameters()]
    assert not any(np.array_equal(one, two) for one, two in zip(initial, eager[1]))


def test_dropout_draws_a_fresh_mask_at_every_replay() -> None:
    model = make_model(0, dropout=0.5)
    model.train()

    @tge.jit
    def forward(images: np.ndarray) -> Tensor:
        return model(tge.from_numpy(images))

    images = batches(1, 8)[0][0]
    outputs = [forward(images)._data for _ in range(6)]  # 2 captures, then 4 replays
    assert forward.replays == 4
    for earlier in range(len(outputs)):
        for later in range(earlier + 1, len(outputs)):
            assert not np.array_equal(outputs[earlier], outputs[later])


def test_a_short_last_batch_gets_a_program_of_its_own() -> None:
    model = make_model(0)
    step = tge.jit(classification_step(model, make_optimizer("sgd", model)))
    data = batches(7, 16)
    epoch = data[:6] + [(data[6][0][:5], data[6][1][:5])]  # 6 full batches, one of 5
    for _ in range(3):
        for images, labels in epoch:
            step(images, labels)
    # Full batches: 2 captures then replays; the short one: captured in epochs 1 and 2.
    assert step.programs == 2
    assert step.captures == 4
    assert step.replays == 3 * 7 - 4


def test_minus_zero_and_zero_as_arguments_get_programs_of_their_own() -> None:
    """-0.0 == 0.0 (and they hash alike), but x * -0.0 and x * 0.0 differ in their zeros' signs."""
    x = tge.tensor([1.0, -2.0])
    scale = tge.jit(lambda values, factor: values * factor)
    scale_by_first = tge.jit(lambda values, factors: values * factors[0])
    for factor in (0.0, 0.0, 0.0, -0.0, -0.0, -0.0, 0.0):
        expected = np.signbit((x * factor).numpy()).tolist()
        assert np.signbit(scale(x, factor).numpy()).tolist() == expected
        assert np.signbit(scale_by_first(x, (factor, 1.0)).numpy()).tolist() == expected
    assert scale.programs == 2 and scale.replays == 3
    assert scale_by_first.programs == 2 and scale_by_first.replays == 3


def test_results_are_detached_copies_that_later_calls_do_not_overwrite() -> None:
    model = make_model(0)
    step = tge.jit(classification_step(model, make_optimizer("sgd", model)))
    data = batches(6, 8)
    losses = [step(*batch) for batch in data]
    values = [loss.item() for loss in losses]
    assert len(set(values)) == len(values)  # each call's own loss, not a shared buffer
    assert all(not loss.requires_grad and loss.grad_fn is None for loss in losses)


@pytest.mark.parametrize("loss_name", ["cross_entropy", "mse"])
@pytest.mark.parametrize("optimizer_name", ["sgd-momentum", "adamw", "rmsprop", "adagrad"])
def test_other_optimizers_and_losses_replay_exactly(optimizer_name: str, loss_name: str) -> None:
    def build() -> tuple[tge.nn.Module, Step]:
        model = make_model(1, activation="tanh")
        return model, classification_step(model, make_optimizer(optimizer_name, model),
                                          loss_name)

    eager, jitted = run_both(build, batches(8, 8))
    assert_bitwise_equal(eager, jitted)


def test_a_learning_rate_changed_between_calls_is_used_by_the_replay() -> None:
    runs = []
    for compile_it in (False, True):
        model = make_model(2)
        optimizer = make_optimizer("sgd", model)
        scheduler = tge.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
        step = classification_step(model, optimizer)
        if compile_it:
            step = tge.jit(step)
        losses = []
        for batch in batches(8, 8):
            losses.append(step(*batch)._data.copy())
            scheduler.step()  # outside the compiled step, as a training loop does
        runs.append(losses + [parameter._data.copy() for parameter in model.parameters()])
    assert all(np.array_equal(one, two) for one, two in zip(*runs))


def test_gradient_accumulation_over_two_backward_calls_and_zeroing_in_place() -> None:
    def build() -> tuple[tge.nn.Module, Step]:
        model = make_model(4)
        optimizer = make_optimizer("adam", model)

        def step(images: np.ndarray, labels: np.ndarray) -> Tensor:
            optimizer.zero_grad(set_to_none=False)
            half = len(labels) // 2
            total = None
            inputs, targets = tge.from_numpy(images), tge.from_numpy(labels)
            for part in (slice(0, half), slice(half, None)):
                loss = F.cross_entropy(model(inputs[part]), targets[part]) / 2
                loss.backward()
                total = loss if total is None else total + loss
            optimizer.step()
            assert total is not None
            return total
        return model, step

    eager, jitted = run_both(build, batches(6, 8))
    assert_bitwise_equal(eager, jitted)


def test_in_place_ops_and_views_inside_the_step_replay_exactly() -> None:
    def build() -> tuple[tge.nn.Module, Step]:
        model = make_model(5)
        optimizer = make_optimizer("sgd", model)

        def step(images: np.ndarray, labels: np.ndarray) -> Tensor:
            hidden = model[0](tge.from_numpy(images))
            hidden.add_(1.0)
            hidden[:, 0] = hidden[:, 1] * 2  # a write through a view
            logits = model[2](hidden.mul_(0.5))
            loss = F.cross_entropy(logits, tge.from_numpy(labels))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss
        return model, step

    eager, jitted = run_both(build, batches(6, 8))
    assert_bitwise_equal(eager, jitted)


def test_a_jitted_method_and_a_nested_jitted_function() -> None:
    class Trainer:
        def __init__(self) -> None:
            self.model = make_model(6)
            self.optimizer = make_optimizer("sgd", self.model)

        @tge.jit
        def step(self, images: np.ndarray, labels: np.ndarray) -> Tensor:
            loss = loss_of(self.model, images, labels)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            return loss

    @tge.jit
    def loss_of(model: tge.nn.Module, images: np.ndarray, labels: np.ndarray) -> Tensor:
        return F.cross_entropy(model(tge.from_numpy(images)), tge.from_numpy(labels))

    trainer, reference = Trainer(), Trainer()
    for images, labels in batches(5, 8):
        jitted_loss = trainer.step(images, labels)
        eager_loss = F.cross_entropy(reference.model(tge.from_numpy(images)),
                                     tge.from_numpy(labels))
        reference.optimizer.zero_grad()
        eager_loss.backward()
        reference.optimizer.step()
        assert np.array_equal(jitted_loss._data, eager_loss._data)
    assert loss_of.captures == 0  # ran inside the outer capture, recorded there


def test_a_replay_makes_no_tensors_for_its_ops(monkeypatch: pytest.MonkeyPatch) -> None:
    model = make_model(0)
    step = tge.jit(classification_step(model, make_optimizer("sgd", model)))
    data = batches(3, 8)
    step(*data[0])
    step(*data[1])
    made = []
    original = Tensor._wrap

    def counting_wrap(array: Any, requires_grad: bool) -> Tensor:
        made.append(array.shape)
        return original(array, requires_grad)

    monkeypatch.setattr(Tensor, "_wrap", staticmethod(counting_wrap))
    step(*data[2])
    assert step.replays == 1
    # Only the four parameters' gradients (each wrapped for the engine's accumulation, then as
    # the new .grad) and the returned loss: no op output, no graph node.
    assert len(made) == 2 * 4 + 1
    assert sorted(made[-1:]) == [()]


def test_switching_train_and_eval_mode_captures_again_and_keeps_both_programs() -> None:
    model = make_model(0, dropout=0.5)

    @tge.jit
    def forward(images: np.ndarray) -> Tensor:
        return model(tge.from_numpy(images))

    images = batches(1, 8)[0][0]
    for _ in range(3):
        forward(images)
    model.eval()
    with tge.no_grad():
        expected = model(tge.from_numpy(images))._data
    evaluated = [forward(images)._data for _ in range(3)]
    assert all(np.array_equal(output, expected) for output in evaluated)  # no dropout
    assert (forward.captures, forward.replays, forward.programs) == (4, 2, 2)
    model.train()
    forward(images)
    assert (forward.captures, forward.replays) == (4, 3)  # the training program again


def test_freezing_a_parameter_between_calls_captures_again() -> None:
    runs = []
    for compile_it in (False, True):
        model = make_model(8)
        step = classification_step(model, make_optimizer("sgd", model))
        if compile_it:
            step = tge.jit(step)
        data = batches(8, 8)
        for batch in data[:4]:
            step(*batch)
        model[0].weight.requires_grad_(False)  # freeze the first layer's weight
        model[0].weight.grad = None
        for batch in data[4:]:
            step(*batch)
        runs.append([parameter._data.copy() for parameter in model.parameters()])
    assert all(np.array_equal(one, two) for one, two in zip(*runs))


def test_reset_forgets_the_programs() -> None:
    model = make_model(0)
    step = tge.jit(classification_step(model, make_optimizer("sgd", model)))
    for batch in batches(3, 4):
        step(*batch)
    assert step.programs == 1
    step.reset()
    assert step.programs == 0
    step(*batches(1, 4)[0])
    assert step.captures == 3


# ------------------------------------------------- random programs: jit against eager


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 1000),
    hidden=st.integers(1, 12),
    activation=st.sampled_from(["relu", "tanh", "sigmoid"]),
    dropout=st.sampled_from([0.0, 0.25]),
    optimizer_name=st.sampled_from(["sgd", "sgd-momentum", "adam", "adamw", "rmsprop",
                                    "adagrad"]),
    loss_name=st.sampled_from(["cross_entropy", "mse"]),
    batch=st.integers(1, 9),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_random_training_setups_replay_bit_for_bit(
        seed: int, hidden: int, activation: str, dropout: float, optimizer_name: str,
        loss_name: str, batch: int, dtype: Any) -> None:
    def build() -> tuple[tge.nn.Module, Step]:
        model = make_model(seed, hidden, dropout, activation=activation, dtype=dtype)
        return model, classification_step(model, make_optimizer(optimizer_name, model),
                                          loss_name)

    data = batches(5, batch, seed=seed, dtype=dtype)
    data.append((data[0][0][:1], data[0][1][:1]))  # a different shape: a capture of its own
    eager, jitted = run_both(build, data + data)
    assert_bitwise_equal(eager, jitted)


# --------------------------------------------------------------- what cannot be captured


def test_item_or_a_branch_on_a_value_inside_the_step_is_refused() -> None:
    model = make_model(0)

    @tge.jit
    def reads_item(images: np.ndarray) -> Tensor:
        output = model(tge.from_numpy(images))
        print(output.sum().item())
        return output

    @tge.jit
    def branches(images: np.ndarray) -> Tensor:
        output = model(tge.from_numpy(images))
        if output.sum() > 0:
            return output * 2
        return output

    images = batches(1, 4)[0][0]
    with pytest.raises(tge.NotCapturableError, match=r"item\(\).*tinygrad_edu.jit"):
        reads_item(images)
    with pytest.raises(tge.NotCapturableError, match=r"bool\(tensor\)"):
        branches(images)


def test_random_numbers_drawn_outside_an_op_are_refused_at_the_second_capture() -> None:
    model = make_model(0)

    @tge.jit
    def noisy(images: np.ndarray) -> Tensor:
        inputs = tge.from_numpy(images)
        return model(inputs + tge.randn(*inputs.shape, dtype=inputs.dtype))

    images = batches(1, 4)[0][0]
    noisy(images)  # the first capture cannot know yet
    with pytest.raises(tge.NotCapturableError, match="changed between the two capture calls"):
        noisy(images)


def test_a_copy_of_the_inputs_made_outside_an_op_is_refused() -> None:
    model = make_model(0)

    @tge.jit
    def copies(images: np.ndarray) -> Tensor:
        return model(tge.tensor(images))  # tge.tensor copies: not the argument's array

    data = batches(2, 4)
    copies(data[0][0])
    with pytest.raises(tge.NotCapturableError, match="Pass such data as an argument"):
        copies(data[1][0])


def test_an_in_place_write_into_a_tensor_made_in_the_step_is_refused() -> None:
    @tge.jit
    def accumulate(images: np.ndarray) -> Tensor:
        total = tge.zeros(images.shape[1], dtype=tge.float64)
        total.add_(tge.from_numpy(images).sum(dim=0))
        return total

    images = batches(1, 4)[0][0]
    accumulate(images)
    # The same batch twice: the written tensor ends equal in both calls, yet is refused.
    with pytest.raises(tge.NotCapturableError, match="writes into a tensor made there"):
        accumulate(images)


def test_a_step_whose_ops_change_between_calls_is_refused() -> None:
    model = make_model(0)
    calls = {"count": 0}

    @tge.jit
    def alternating(images: np.ndarray) -> Tensor:
        calls["count"] += 1
        output = model(tge.from_numpy(images))
        return output.exp() if calls["count"] % 2 else output.tanh()

    images = batches(1, 4)[0][0]
    alternating(images)
    with pytest.raises(tge.NotCapturableError, match="recorded different programs"):
        alternating(images)


def test_create_graph_retain_grad_closures_and_data_assignment_are_refused() -> None:
    model = make_model(0)
    optimizer = make_optimizer("sgd", model)
    images, labels = batches(1, 4)[0]

    def loss_of() -> Tensor:
        return F.cross_entropy(model(tge.from_numpy(images)), tge.from_numpy(labels))

    @tge.jit
    def create_graph() -> None:
        loss_of().backward(create_graph=True)

    @tge.jit
    def retain() -> None:
        hidden = model[0](tge.from_numpy(images))
        hidden.retain_grad()
        hidden.sum().backward()

    @tge.jit
    def closure() -> None:
        optimizer.step(lambda: loss_of())

    @tge.jit
    def assign_data() -> None:
        model[0].weight.data = tge.zeros(16, 12, dtype=tge.float64)  # noqa: F841

    with pytest.raises(tge.NotCapturableError, match="create_graph"):
        create_graph()
    with pytest.raises(tge.NotCapturableError, match="retain_grad"):
        retain()
    with pytest.raises(tge.NotCapturableError, match="closure"):
        closure()
    with pytest.raises(tge.NotCapturableError, match=r"setting \.data"):
        assign_data()


def test_bad_arguments_and_results_get_clear_errors() -> None:
    model = make_model(0)
    parameter = model[0].weight

    @tge.jit
    def identity(value: Any) -> Any:
        return value

    with pytest.raises(tge.NotCapturableError, match="requires grad"):
        identity(parameter)
    with pytest.raises(TypeError, match="unhashable list"):
        identity([1, 2])
    with pytest.raises(TypeError, match="must return a Tensor"):
        identity(3)


def test_outside_a_capture_reading_values_works_as_before() -> None:
    value = tge.tensor([2.5])
    assert value.item() == 2.5 and bool(value) and value.tolist() == [2.5]
