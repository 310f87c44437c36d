"""tinygrad_edu.optim against torch.optim, step for step, in float64.

Both frameworks start from the same parameters and compute the gradients of the same small
two-layer network loss on their own parameters, so any difference in an update compounds over
the 50 steps. Parameters must agree to 1e-12 (absolute and relative) after every step.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable

import numpy as np
import pytest

import tinygrad_edu as tge
from tinygrad_edu import optim
from tinygrad_edu.optim import lr_scheduler

torch = pytest.importorskip("torch")

TOLERANCE = {"atol": 1e-12, "rtol": 1e-12}
STEPS = 50


# --------------------------------------------------------------------------------- harness
# torch's CPU kernels round ``p + alpha * g`` and ``lerp`` with one fused multiply-add where NumPy
# rounds twice, so single elements may differ in the last bit. The test problem is therefore a
# well-conditioned one: a descent on a small tanh network's loss plus a fixed "minibatch noise"
# sequence, with the same NumPy gradient function evaluated on each framework's own parameters.
# A run with maximize=True is fed the negated gradient, so it too descends (and still checks the
# sign flip exactly) instead of racing off to where tanh saturates and rounding is amplified.
def initial_arrays(seed: int = 0) -> list[np.ndarray]:
    """W1 (4, 3), b1 (4,), W2 (2, 4) and a parameter the loss never uses (3,)."""
    generator = np.random.default_rng(seed)
    return [
        generator.normal(size=(4, 3)),
        generator.normal(size=4),
        generator.normal(size=(2, 4)),
        generator.normal(size=3),
    ]


DATA_GENERATOR = np.random.default_rng(1)
INPUTS = DATA_GENERATOR.normal(size=(5, 3))
TARGETS = DATA_GENERATOR.normal(size=(5, 2))
NOISE = [
    [0.1 * DATA_GENERATOR.normal(size=shape) for shape in ((4, 3), (4,), (2, 4))]
    for _ in range(100)
]


def gradients(arrays: list[np.ndarray], step: int) -> list[np.ndarray]:
    """The gradient of 0.5 * ||tanh(X W1^T + b1) W2^T - Y||^2, plus this step's noise."""
    weight1, bias1, weight2, _ = arrays
    hidden = np.tanh(INPUTS @ weight1.T + bias1)
    error = hidden @ weight2.T - TARGETS
    grad_pre_activation = (error @ weight2) * (1 - hidden * hidden)
    exact = [grad_pre_activation.T @ INPUTS, grad_pre_activation.sum(axis=0), error.T @ hidden]
    return [value + noise for value, noise in zip(exact, NOISE[step])]


def our_params(seed: int = 0) -> list[Any]:
    return [tge.tensor(array, requires_grad=True) for array in initial_arrays(seed)]


def torch_params(seed: int = 0) -> list[Any]:
    return [torch.tensor(array, requires_grad=True) for array in initial_arrays(seed)]


def snapshot(params: list[Any]) -> list[np.ndarray]:
    return [np.array(param.detach().numpy(), copy=True) for param in params]


def train(optimizer: Any, params: list[Any], steps: int, sign: float = 1.0,
          scheduler: Any = None, first_step: int = 0) -> list[list[np.ndarray]]:
    """Run ``steps`` steps fed ``sign * gradients``; return the parameters after each step."""
    make = tge.tensor if isinstance(params[0], tge.Tensor) else torch.tensor
    history = []
    for step in range(first_step, first_step + steps):
        optimizer.zero_grad()
        arrays = [param.detach().numpy() for param in params]
        for param, grad in zip(params, gradients(arrays, step)):
            param.grad = make(sign * grad)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        history.append(snapshot(params))
    return history


def assert_same_history(ours: list[list[np.ndarray]], theirs: list[list[np.ndarray]]) -> None:
    assert len(ours) == len(theirs)
    for step, (our_step, their_step) in enumerate(zip(ours, theirs)):
        for index, (our_value, their_value) in enumerate(zip(our_step, their_step)):
            np.testing.assert_allclose(
                our_value, their_value, **TOLERANCE,
                err_msg=f"parameter {index} differs after step {step + 1}",
            )


def compare(our_class: Any, torch_class: Any, kwargs: dict[str, Any],
            steps: int = STEPS) -> None:
    """Both optimisers built with ``kwargs`` give the same parameters after every step."""
    ours, theirs = our_params(), torch_params()
    our_optimizer = our_class(ours, **kwargs)
    torch_optimizer = torch_class(theirs, foreach=False, **kwargs)
    sign = -1.0 if kwargs.get("maximize") else 1.0
    assert_same_history(train(our_optimizer, ours, steps, sign),
                        train(torch_optimizer, theirs, steps, sign))
    # The unused parameter never had a gradient: skipped and unchanged, with state only where
    # torch gives it some (Adagrad makes every parameter's state in its constructor).
    np.testing.assert_array_equal(ours[3].detach().numpy(), initial_arrays()[3])
    assert (ours[3] in our_optimizer.state) == (theirs[3] in torch_optimizer.state)
    for key, value in torch_optimizer.state.get(theirs[3], {}).items():
        np.testing.assert_array_equal(our_optimizer.state[ours[3]][key], value.numpy())


def both_reject(our_class: Any, torch_class: Any, kwargs: dict[str, Any]) -> None:
    """torch rejects these options: so must we, with the same message."""
    with pytest.raises(ValueError) as their_error:
        torch_class(torch_params(), **kwargs)
    with pytest.raises(ValueError) as our_error:
        our_class(our_params(), **kwargs)
    assert str(our_error.value) == str(their_error.value)


def product(**options: list[Any]) -> list[dict[str, Any]]:
    names = list(options)
    return [dict(zip(names, values)) for values in itertools.product(*options.values())]


def case_id(kwargs: dict[str, Any]) -> str:
    return ",".join(f"{name}={value}" for name, value in kwargs.items())


# ----------------------------------------------------------------- every option combination
SGD_CASES = product(
    lr=[0.02], momentum=[0.0, 0.9], dampening=[0.0, 0.5], nesterov=[False, True],
    weight_decay=[0.0, 0.1], maximize=[False, True],
)


@pytest.mark.parametrize("kwargs", SGD_CASES, ids=case_id)
def test_sgd_matches_torch(kwargs: dict[str, Any]) -> None:
    if kwargs["nesterov"] and (kwargs["momentum"] <= 0 or kwargs["dampening"] != 0):
        both_reject(optim.SGD, torch.optim.SGD, kwargs)
    else:
        compare(optim.SGD, torch.optim.SGD, kwargs)


ADAM_CASES = product(
    lr=[0.05], betas=[(0.9, 0.999), (0.3, 0.6)], eps=[1e-8], weight_decay=[0.0, 0.1],
    amsgrad=[False, True], maximize=[False, True],
)


@pytest.mark.parametrize("kwargs", ADAM_CASES, ids=case_id)
def test_adam_matches_torch(kwargs: dict[str, Any]) -> None:
    compare(optim.Adam, torch.optim.Adam, kwargs)


@pytest.mark.parametrize("kwargs", ADAM_CASES, ids=case_id)
def test_adamw_matches_torch(kwargs: dict[str, Any]) -> None:
    compare(optim.AdamW, torch.optim.AdamW, kwargs)


def test_adamw_default_weight_decay_matches_torch() -> None:
    compare(optim.AdamW, torch.optim.AdamW, {"lr": 0.05})


def test_adam_with_decoupled_weight_decay_is_adamw() -> None:
    compare(optim.Adam, torch.optim.Adam,
            {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True})
    ours = optim.Adam(our_params(), decoupled_weight_decay=True)
    assert ours.defaults["decoupled_weight_decay"] is True


RMSPROP_CASES = product(
    lr=[0.01], alpha=[0.99, 0.5], eps=[1e-8], weight_decay=[0.0, 0.1],
    momentum=[0.0, 0.9], centered=[False, True], maximize=[False, True],
)


@pytest.mark.parametrize("kwargs", RMSPROP_CASES, ids=case_id)
def test_rmsprop_matches_torch(kwargs: dict[str, Any]) -> None:
    compare(optim.RMSprop, torch.optim.RMSprop, kwargs)


ADAGRAD_CASES = product(
    lr=[0.05], lr_decay=[0.0, 0.02], weight_decay=[0.0, 0.1],
    initial_accumulator_value=[0.0, 0.5], eps=[1e-10], maximize=[False, True],
)


@pytest.mark.parametrize("kwargs", ADAGRAD_CASES, ids=case_id)
def test_adagrad_matches_torch(kwargs: dict[str, Any]) -> None:
    compare(optim.Adagrad, torch.optim.Adagrad, kwargs)


ADADELTA_CASES = product(
    lr=[1.0, 0.5], rho=[0.9, 0.5], eps=[1e-6, 1e-3], weight_decay=[0.0, 0.1],
    maximize=[False, True],
)


@pytest.mark.parametrize("kwargs", ADADELTA_CASES, ids=case_id)
def test_adadelta_matches_torch(kwargs: dict[str, Any]) -> None:
    compare(optim.Adadelta, torch.optim.Adadelta, kwargs)


def test_adagrad_and_adadelta_defaults_match_torch() -> None:
    compare(optim.Adagrad, torch.optim.Adagrad, {})
    compare(optim.Adadelta, torch.optim.Adadelta, {})
    for ours, theirs in ((optim.Adagrad, torch.optim.Adagrad),
                         (optim.Adadelta, torch.optim.Adadelta)):
        our_defaults = ours(our_params()).defaults
        their_defaults = theirs(torch_params()).defaults
        assert our_defaults == {key: their_defaults[key] for key in our_defaults}


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"])
def test_a_0d_parameter_is_updated_like_torch(name: str) -> None:
    """A parameter of shape () (a learnable scale): two steps as in torch. Adadelta raised a
    TypeError here (a 0-d sum is a NumPy scalar, with no out=); found by test_optim_vs_torch."""
    results = []
    for library in (tge, torch):
        parameter = library.tensor(0.5, dtype=library.float64, requires_grad=True)
        optimizer = getattr(library.optim, name)([parameter], lr=0.1)
        for gradient in (0.25, -1.5):
            parameter.grad = library.tensor(gradient, dtype=library.float64)
            optimizer.step()
        results.append(parameter.item())
    assert results[0] == pytest.approx(results[1], rel=1e-12, abs=1e-12)


def test_centered_rmsprop_with_alpha_0_takes_the_step_of_a_zero_variance() -> None:
    """A difference README.md lists: with alpha=0 and centered=True the variance estimate is
    g² - g·g, exactly 0 here, so the step is lr·g/eps; torch computes it with a fused
    multiply-add that keeps the rounding error of g², whose sign gives a NaN (torch 2.13 here)
    or another huge step."""
    gradient = 0.7
    results = []
    for library in (tge, torch):
        parameter = library.tensor(0.0, dtype=library.float64, requires_grad=True)
        optimizer = library.optim.RMSprop([parameter], lr=1e-3, alpha=0.0, eps=1e-8,
                                          centered=True)
        parameter.grad = library.tensor(gradient, dtype=library.float64)
        optimizer.step()
        results.append(parameter.item())
    assert results[0] == pytest.approx(-1e-3 * gradient / 1e-8, rel=1e-12)
    assert results[1] != pytest.approx(results[0], rel=1e-3)  # NaN or another step


def test_first_steps_of_adagrad_and_adadelta_by_hand() -> None:
    """One step from zero state, g = 2θ for θ = (1, -2), so g = (2, -4):

    Adagrad (γ = 0.5, s₀ = 0, ε = 1e-10): s = g² = (4, 16),
        θ ← θ - γ g / (√s + ε) = θ - 0.5 g / (|g| + ε) ≈ θ - 0.5 sign(g) = (0.5, -1.5).
    Adadelta (ρ = 0, ε = 0.01): v = g², Δ = √(0 + ε) / √(g² + ε) · g = 0.1 g / √(g² + 0.01),
        θ ← θ - Δ; then u = Δ².
    """
    weight = tge.tensor([1.0, -2.0], dtype=tge.float64, requires_grad=True)
    adagrad = optim.Adagrad([weight], lr=0.5)
    (weight * weight).sum().backward()
    adagrad.step()
    np.testing.assert_allclose(weight.tolist(), [1.0 - 1.0 / (2.0 + 1e-10),
                                                 -2.0 + 2.0 / (4.0 + 1e-10)], rtol=1e-15)
    np.testing.assert_allclose(weight.tolist(), [0.5, -1.5], rtol=1e-9)
    assert adagrad.state[weight]["sum"].tolist() == [4.0, 16.0]
    assert adagrad.state[weight]["step"] == 1

    weight = tge.tensor([1.0, -2.0], dtype=tge.float64, requires_grad=True)
    adadelta = optim.Adadelta([weight], rho=0.0, eps=0.01)
    (weight * weight).sum().backward()
    adadelta.step()
    grad = np.array([2.0, -4.0])
    delta = 0.1 * grad / np.sqrt(grad**2 + 0.01)
    np.testing.assert_allclose(weight.tolist(), np.array([1.0, -2.0]) - delta, rtol=1e-15)
    np.testing.assert_allclose(adadelta.state[weight]["acc_delta"], delta**2, rtol=1e-15)
    np.testing.assert_array_equal(adadelta.state[weight]["square_avg"], grad**2)


def test_adagrad_makes_state_in_its_constructor_like_torch() -> None:
    """torch's Adagrad fills every parameter's state at construction (step 0, the sum at
    initial_accumulator_value); a parameter added later gets it at its first step, and both
    start from the optimiser's default initial_accumulator_value, whatever a group says."""
    ours, theirs = our_params(), torch_params()
    our_optimizer = optim.Adagrad(ours[:2], lr=0.05, initial_accumulator_value=0.5)
    torch_optimizer = torch.optim.Adagrad(theirs[:2], lr=0.05, initial_accumulator_value=0.5,
                                          foreach=False)
    assert our_optimizer.state[ours[0]]["step"] == 0
    np.testing.assert_array_equal(our_optimizer.state[ours[1]]["sum"], np.full(4, 0.5))
    our_optimizer.add_param_group({"params": ours[2:], "initial_accumulator_value": 3.0})
    torch_optimizer.add_param_group({"params": theirs[2:], "initial_accumulator_value": 3.0})
    assert ours[2] not in our_optimizer.state and theirs[2] not in torch_optimizer.state
    assert_same_history(train(our_optimizer, ours, STEPS), train(torch_optimizer, theirs, STEPS))
    np.testing.assert_allclose(our_optimizer.state[ours[2]]["sum"],
                               torch_optimizer.state[theirs[2]]["sum"].numpy(),
                               rtol=TOLERANCE["rtol"], atol=TOLERANCE["atol"])
    assert ours[3] not in our_optimizer.state and theirs[3] not in torch_optimizer.state


@pytest.mark.parametrize("our_class", [optim.Adagrad, optim.Adadelta],
                         ids=lambda value: value.__name__)
def test_adagrad_and_adadelta_update_in_place_and_bump_versions(our_class: Any) -> None:
    params = our_params()
    arrays = [param.detach().numpy() for param in params]
    optimizer = our_class(params, lr=0.1)
    for _ in range(3):
        optimizer.zero_grad()
        our_autograd_loss(params).backward()
        optimizer.step()
    for param, array in zip(params, arrays):
        assert param.detach().numpy() is array and param.is_leaf and param.grad_fn is None
    assert [param._version.value for param in params] == [3, 3, 3, 0]
    assert not np.array_equal(arrays[0], initial_arrays()[0])


# ------------------------------------------------------------------------------ param groups
GROUP_CASES = [
    (optim.SGD, torch.optim.SGD, {"lr": 0.02},
     [{"momentum": 0.9, "nesterov": True},
      {"lr": 0.05, "momentum": 0.5, "dampening": 0.5, "weight_decay": 0.1}]),
    (optim.Adam, torch.optim.Adam, {"lr": 0.05},
     [{"amsgrad": True}, {"lr": 0.01, "betas": (0.5, 0.9), "weight_decay": 0.1}]),
    (optim.AdamW, torch.optim.AdamW, {"lr": 0.05},
     [{"weight_decay": 0.3, "maximize": True}, {"lr": 0.01, "eps": 1e-3}]),
    (optim.RMSprop, torch.optim.RMSprop, {"lr": 0.01},
     [{"centered": True, "momentum": 0.9}, {"lr": 0.02, "alpha": 0.5, "weight_decay": 0.1}]),
    (optim.Adagrad, torch.optim.Adagrad, {"lr": 0.05, "initial_accumulator_value": 0.2},
     [{"lr_decay": 0.05, "initial_accumulator_value": 3.0},
      {"lr": 0.02, "weight_decay": 0.1, "eps": 1e-3, "maximize": True}]),
    (optim.Adadelta, torch.optim.Adadelta, {"lr": 0.5},
     [{"rho": 0.5, "weight_decay": 0.1}, {"lr": 1.0, "eps": 1e-4, "maximize": True}]),
]


@pytest.mark.parametrize("our_class, torch_class, defaults, groups", GROUP_CASES,
                         ids=lambda value: getattr(value, "__name__", None))
def test_param_groups_with_their_own_options(our_class: Any, torch_class: Any,
                                             defaults: dict[str, Any],
                                             groups: list[dict[str, Any]]) -> None:
    ours, theirs = our_params(), torch_params()

    def grouped(params: list[Any]) -> list[dict[str, Any]]:
        return [{"params": params[:2], **groups[0]}, {"params": params[2:], **groups[1]}]

    our_optimizer = our_class(grouped(ours), **defaults)
    torch_optimizer = torch_class(grouped(theirs), foreach=False, **defaults)
    assert_same_history(train(our_optimizer, ours, STEPS), train(torch_optimizer, theirs, STEPS))
    for our_group, their_group in zip(our_optimizer.param_groups, torch_optimizer.param_groups):
        for key, value in our_group.items():
            if key != "params":
                assert value == their_group[key], key


def test_add_param_group_fills_in_defaults_like_torch() -> None:
    ours, theirs = our_params(), torch_params()
    our_optimizer = optim.SGD(ours[:2], lr=0.02, momentum=0.9)
    torch_optimizer = torch.optim.SGD(theirs[:2], lr=0.02, momentum=0.9, foreach=False)
    our_optimizer.add_param_group({"params": ours[2:], "lr": 0.05})
    torch_optimizer.add_param_group({"params": theirs[2:], "lr": 0.05})
    assert our_optimizer.param_groups[1]["momentum"] == 0.9
    assert_same_history(train(our_optimizer, ours, STEPS), train(torch_optimizer, theirs, STEPS))


# ----------------------------------------------------------------------------------- zero_grad
def our_autograd_loss(params: list[Any]) -> Any:
    weight1, bias1, weight2, _ = params
    hidden = (tge.tensor(INPUTS) @ weight1.T + bias1).tanh()
    error = hidden @ weight2.T - tge.tensor(TARGETS)
    return (error * error).sum() * 0.5


def torch_autograd_loss(params: list[Any]) -> Any:
    weight1, bias1, weight2, _ = params
    hidden = torch.tanh(torch.tensor(INPUTS) @ weight1.T + bias1)
    error = hidden @ weight2.T - torch.tensor(TARGETS)
    return (error * error).sum() * 0.5


@pytest.mark.parametrize("set_to_none", [True, False])
def test_training_loop_with_backward_and_both_zero_grad_modes(set_to_none: bool) -> None:
    """The usual loop (zero_grad, backward, step) with each framework's own autograd.

    The unused parameter starts with a zero gradient: zero_grad(set_to_none=False) keeps it
    zero, so weight decay moves it every step; set_to_none=True drops it and it stays put.
    """
    ours, theirs = our_params(), torch_params()
    ours[3].grad = tge.zeros(3, dtype=tge.float64)
    theirs[3].grad = torch.zeros(3, dtype=torch.float64)
    our_optimizer = optim.SGD(ours, lr=0.02, momentum=0.9, weight_decay=0.1)
    torch_optimizer = torch.optim.SGD(theirs, lr=0.02, momentum=0.9, weight_decay=0.1,
                                      foreach=False)
    our_grads = [param.grad for param in ours]
    for _ in range(STEPS):
        for optimizer, params, loss in ((our_optimizer, ours, our_autograd_loss),
                                        (torch_optimizer, theirs, torch_autograd_loss)):
            optimizer.zero_grad(set_to_none=set_to_none)
            loss(params).backward()
            optimizer.step()
        for our_param, their_param in zip(ours, theirs):
            np.testing.assert_allclose(our_param.detach().numpy(),
                                       their_param.detach().numpy(), **TOLERANCE)
    moved = not np.array_equal(ours[3].detach().numpy(), initial_arrays()[3])
    assert moved is (not set_to_none)
    if not set_to_none:
        # zeroed in place: the same gradient tensors, accumulated into by backward
        assert ours[3].grad is our_grads[3]
        np.testing.assert_array_equal(ours[3].grad.numpy(), np.zeros(3))
        our_optimizer.zero_grad(set_to_none=False)
        for param in ours[:3]:
            np.testing.assert_array_equal(param.grad.numpy(), np.zeros(param.shape))
    our_optimizer.zero_grad()
    assert all(param.grad is None for param in ours)


def test_zero_grad_in_place_detaches_a_recorded_gradient() -> None:
    weight = tge.tensor([1.0, 2.0], dtype=tge.float64, requires_grad=True)
    (weight * weight).sum().backward(create_graph=True)
    assert weight.grad is not None and weight.grad.requires_grad
    optim.SGD([weight], lr=0.1).zero_grad(set_to_none=False)
    assert not weight.grad.requires_grad and weight.grad.grad_fn is None
    np.testing.assert_array_equal(weight.grad.numpy(), [0.0, 0.0])


# ----------------------------------------------------------------------------------- state_dict
STATE_CASES = [
    (optim.SGD, torch.optim.SGD, {"lr": 0.02, "momentum": 0.9, "dampening": 0.5}),
    (optim.SGD, torch.optim.SGD, {"lr": 0.02, "momentum": 0.9, "nesterov": True}),
    (optim.Adam, torch.optim.Adam, {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}),
    (optim.AdamW, torch.optim.AdamW, {"lr": 0.05, "betas": (0.5, 0.9)}),
    (optim.RMSprop, torch.optim.RMSprop, {"lr": 0.01, "momentum": 0.9, "centered": True}),
    (optim.Adagrad, torch.optim.Adagrad, {"lr": 0.05, "lr_decay": 0.01, "weight_decay": 0.1,
                                          "initial_accumulator_value": 0.1}),
    (optim.Adadelta, torch.optim.Adadelta, {"lr": 0.5, "rho": 0.8, "weight_decay": 0.1}),
]


def grouped(params: list[Any], kwargs: dict[str, Any]) -> list[dict[str, Any]]:
    """Two groups; the second at half the learning rate."""
    return [{"params": params[:2]}, {"params": params[2:], "lr": kwargs["lr"] / 2}]


@pytest.mark.parametrize("our_class, torch_class, kwargs", STATE_CASES,
                         ids=lambda value: getattr(value, "__name__", None))
def test_state_dict_round_trip_continues_like_an_uninterrupted_run(
        our_class: Any, torch_class: Any, kwargs: dict[str, Any]) -> None:
    uninterrupted = our_params()
    reference = train(our_class(grouped(uninterrupted, kwargs), **kwargs), uninterrupted, 50)
    theirs = torch_params()
    torch_optimizer = torch_class(grouped(theirs, kwargs), foreach=False, **kwargs)
    torch_history = train(torch_optimizer, theirs, 50)

    ours = our_params()
    first = our_class(grouped(ours, kwargs), **kwargs)
    history = train(first, ours, 20)
    saved = first.state_dict()
    # torch's layout: state keyed by index, groups list their parameters' indices; the
    # unused parameter (index 3) has state only where torch gives it some (Adagrad)
    assert [group["params"] for group in saved["param_groups"]] == [[0, 1], [2, 3]]
    assert sorted(saved["state"]) == sorted(torch_optimizer.state_dict()["state"])
    assert {0, 1, 2} <= set(saved["state"])
    for index, param in enumerate(ours[:3]):
        for key, value in first.state[param].items():
            assert value is not saved["state"][index][key] or not isinstance(value, np.ndarray)
    # a fresh optimiser with other hyperparameters takes everything from the state dict
    second = our_class([{"params": ours[:2]}, {"params": ours[2:]}], lr=123.0)
    second.load_state_dict(saved)
    for array in saved["state"][0].values():
        if isinstance(array, np.ndarray):
            array += 1000.0  # the loaded state is a copy: this must not leak into second
    assert second.param_groups[1]["lr"] == kwargs["lr"] / 2
    assert second.param_groups[0]["params"][0] is ours[0]
    history += train(second, ours, 30, first_step=20)
    assert_same_history(history, reference)
    assert_same_history(history, torch_history)


@pytest.mark.parametrize("our_class, torch_class, kwargs", STATE_CASES,
                         ids=lambda value: getattr(value, "__name__", None))
def test_state_dict_equals_torchs_and_loads_torchs(our_class: Any, torch_class: Any,
                                                   kwargs: dict[str, Any]) -> None:
    ours, theirs = our_params(), torch_params()
    our_optimizer = our_class(grouped(ours, kwargs), **kwargs)
    torch_optimizer = torch_class(grouped(theirs, kwargs), foreach=False, **kwargs)
    train(our_optimizer, ours, 20)
    train(torch_optimizer, theirs, 20)
    our_saved, their_saved = our_optimizer.state_dict(), torch_optimizer.state_dict()
    assert our_saved["state"].keys() == their_saved["state"].keys()
    for index, their_state in their_saved["state"].items():
        assert our_saved["state"][index].keys() == their_state.keys()
        for key, value in their_state.items():
            np.testing.assert_allclose(our_saved["state"][index][key], value.numpy(),
                                       **TOLERANCE)
    for our_group, their_group in zip(our_saved["param_groups"], their_saved["param_groups"]):
        for key, value in our_group.items():
            assert their_group[key] == value, key
    # torch's state dict, its tensors turned into arrays, loads and continues like torch
    converted = {
        "state": {
            index: {key: value.numpy() for key, value in state.items()}
            for index, state in their_saved["state"].items()
        },
        "param_groups": their_saved["param_groups"],
    }
    restarted = our_params()
    for param, value in zip(restarted, theirs):
        param._data[...] = value.detach().numpy()
    loaded = our_class([{"params": restarted[:2]}, {"params": restarted[2:]}])
    loaded.load_state_dict(converted)
    assert_same_history(train(loaded, restarted, 30, first_step=20),
                        train(torch_optimizer, theirs, 30, first_step=20))


def test_load_state_dict_rejects_a_different_layout() -> None:
    params = our_params()
    optimizer = optim.Adam(params)
    train(optimizer, params, 2)
    saved = optimizer.state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups: it has 1, "
                                         "this optimizer has 2"):
        optim.Adam([{"params": params[:2]}, {"params": params[2:]}]).load_state_dict(saved)
    with pytest.raises(ValueError, match="group 0 has 4 parameters in the state dict and 3"):
        optim.Adam(params[:3]).load_state_dict(saved)
    with pytest.raises(ValueError, match=r"'exp_avg' of shape \(4, 3\) for a parameter of "
                                         r"shape \(4,\)"):
        optim.Adam([params[1], params[0], params[2], params[3]]).load_state_dict(saved)


# ---------------------------------------------------------------------------------- schedulers
def lr_histories(make_ours: Callable, make_theirs: Callable, optimizer_class: Any = optim.SGD,
                 torch_class: Any = None, kwargs: dict[str, Any] | None = None,
                 steps: int = 59) -> None:
    """Step both schedulers ``steps`` times over two groups; compare lrs (and momenta)."""
    kwargs = kwargs if kwargs is not None else {"lr": 0.1, "momentum": 0.9}
    torch_class = torch_class or getattr(torch.optim, optimizer_class.__name__)
    ours = optimizer_class([{"params": [tge.tensor([1.0], requires_grad=True)]},
                            {"params": [tge.tensor([1.0], requires_grad=True)], "lr": 0.03}],
                           **kwargs)
    theirs = torch_class([{"params": [torch.ones(1, requires_grad=True)]},
                          {"params": [torch.ones(1, requires_grad=True)], "lr": 0.03}],
                         **kwargs)
    our_schedulers, their_schedulers = make_ours(ours), make_theirs(theirs)
    for step in range(steps + 1):
        if step > 0:
            ours.step()
            theirs.step()
            for scheduler in our_schedulers:
                scheduler.step()
            for scheduler in their_schedulers:
                scheduler.step()
        for our_scheduler, their_scheduler in zip(our_schedulers, their_schedulers):
            np.testing.assert_allclose(our_scheduler.get_last_lr(),
                                       their_scheduler.get_last_lr(), **TOLERANCE)
            assert our_scheduler.last_epoch == their_scheduler.last_epoch == step
        for our_group, their_group in zip(ours.param_groups, theirs.param_groups):
            for key in ("lr", "momentum", "betas", "initial_lr"):
                if key in their_group:
                    np.testing.assert_allclose(our_group[key], their_group[key], **TOLERANCE,
                                               err_msg=f"{key} after {step} steps")


SCHEDULER_CASES = {
    "StepLR": ("StepLR", {"step_size": 7, "gamma": 0.5}),
    "MultiStepLR": ("MultiStepLR", {"milestones": [5, 12, 12, 30], "gamma": 0.3}),
    "ExponentialLR": ("ExponentialLR", {"gamma": 0.95}),
    "CosineAnnealingLR-restarts": ("CosineAnnealingLR", {"T_max": 10, "eta_min": 0.001}),
    "CosineAnnealingLR-long": ("CosineAnnealingLR", {"T_max": 50}),
    "OneCycleLR-cos": ("OneCycleLR", {"max_lr": 1.0, "total_steps": 60}),
    "OneCycleLR-linear-three-phase": (
        "OneCycleLR", {"max_lr": [1.0, 0.5], "total_steps": 60, "anneal_strategy": "linear",
                       "three_phase": True, "pct_start": 0.25}),
    "OneCycleLR-cos-three-phase-epochs": (
        "OneCycleLR", {"max_lr": 0.8, "epochs": 6, "steps_per_epoch": 10, "three_phase": True,
                       "div_factor": 10.0, "final_div_factor": 100.0, "base_momentum": 0.8,
                       "max_momentum": [0.9, 0.99]}),
    "OneCycleLR-linear-no-momentum": (
        "OneCycleLR", {"max_lr": 1.0, "total_steps": 60, "anneal_strategy": "linear",
                       "cycle_momentum": False, "pct_start": 0.5}),
}


@pytest.mark.parametrize("name", list(SCHEDULER_CASES))
def test_scheduler_lrs_match_torch(name: str) -> None:
    class_name, kwargs = SCHEDULER_CASES[name]
    lr_histories(lambda optimizer: [getattr(lr_scheduler, class_name)(optimizer, **kwargs)],
                 lambda optimizer: [getattr(torch.optim.lr_scheduler, class_name)(optimizer,
                                                                                  **kwargs)])


def test_one_cycle_cycles_adam_beta1_like_torch() -> None:
    kwargs = {"max_lr": 0.01, "total_steps": 60, "three_phase": True}
    lr_histories(lambda optimizer: [lr_scheduler.OneCycleLR(optimizer, **kwargs)],
                 lambda optimizer: [torch.optim.lr_scheduler.OneCycleLR(optimizer, **kwargs)],
                 optim.Adam, kwargs={"lr": 0.1})


def test_chained_schedulers_match_torch() -> None:
    def make(module: Any) -> Callable:
        return lambda optimizer: [
            module.CosineAnnealingLR(optimizer, T_max=8, eta_min=0.002),
            module.MultiStepLR(optimizer, milestones=[10, 25], gamma=0.5),
            module.ExponentialLR(optimizer, gamma=0.97),
        ]
    lr_histories(make(lr_scheduler), make(torch.optim.lr_scheduler), steps=60)


def test_one_cycle_refuses_to_step_past_total_steps() -> None:
    optimizer = optim.SGD([tge.tensor([1.0], requires_grad=True)], lr=0.1, momentum=0.9)
    scheduler = lr_scheduler.OneCycleLR(optimizer, max_lr=1.0, total_steps=3)
    for _ in range(3):
        scheduler.step()
    with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of "
                                         "total steps is 3"):
        scheduler.step()


def test_scheduler_state_dict_round_trip() -> None:
    def fresh() -> tuple[Any, Any]:
        optimizer = optim.SGD([tge.tensor([1.0], requires_grad=True)], lr=0.1)
        return optimizer, lr_scheduler.CosineAnnealingLR(optimizer, T_max=10, eta_min=0.01)
    optimizer, scheduler = fresh()
    for _ in range(20):
        scheduler.step()
    saved_optimizer, saved_scheduler = optimizer.state_dict(), scheduler.state_dict()
    assert "optimizer" not in saved_scheduler and saved_scheduler["last_epoch"] == 20
    lrs = []
    for _ in range(30):
        scheduler.step()
        lrs.append(scheduler.get_last_lr()[0])
    restored_optimizer, restored = fresh()
    restored.load_state_dict(saved_scheduler)
    restored_optimizer.load_state_dict(saved_optimizer)
    resumed = []
    for _ in range(30):
        restored.step()
        resumed.append(restored.get_last_lr()[0])
    assert resumed == lrs


def test_resuming_a_scheduler_needs_initial_lr() -> None:
    optimizer = optim.SGD([tge.tensor([1.0], requires_grad=True)], lr=0.1)
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(optimizer, step_size=2, last_epoch=3)


CHAIN_CASES = [
    (optim.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True},
     "OneCycleLR", {"max_lr": 0.03, "total_steps": 60}),
    (optim.SGD, {"lr": 0.05, "momentum": 0.9, "dampening": 0.5, "weight_decay": 0.1},
     "StepLR", {"step_size": 10, "gamma": 0.5}),
    (optim.Adam, {"lr": 0.05, "amsgrad": True},
     "CosineAnnealingLR", {"T_max": 20, "eta_min": 0.001}),
    (optim.AdamW, {"lr": 0.05, "weight_decay": 0.1},
     "OneCycleLR", {"max_lr": 0.05, "epochs": 5, "steps_per_epoch": 12, "three_phase": True,
                    "anneal_strategy": "linear"}),
    (optim.RMSprop, {"lr": 0.01, "momentum": 0.5, "centered": True},
     "OneCycleLR", {"max_lr": 0.02, "total_steps": 60, "base_momentum": 0.4,
                    "max_momentum": 0.6}),
    (optim.RMSprop, {"lr": 0.01}, "MultiStepLR", {"milestones": [10, 20, 40]}),
    (optim.Adam, {"lr": 0.05, "weight_decay": 0.1}, "ExponentialLR", {"gamma": 0.95}),
    (optim.Adagrad, {"lr": 0.05, "lr_decay": 0.01}, "StepLR", {"step_size": 10, "gamma": 0.5}),
    (optim.Adadelta, {"lr": 1.0, "weight_decay": 0.1},
     "CosineAnnealingLR", {"T_max": 20, "eta_min": 0.1}),
]


@pytest.mark.parametrize("our_class, kwargs, scheduler_name, scheduler_kwargs", CHAIN_CASES,
                         ids=lambda value: getattr(value, "__name__", None))
def test_optimizer_with_scheduler_matches_torch(our_class: Any, kwargs: dict[str, Any],
                                                scheduler_name: str,
                                                scheduler_kwargs: dict[str, Any]) -> None:
    ours, theirs = our_params(), torch_params()
    our_optimizer = our_class(ours, **kwargs)
    torch_optimizer = getattr(torch.optim, our_class.__name__)(theirs, foreach=False, **kwargs)
    our_scheduler = getattr(lr_scheduler, scheduler_name)(our_optimizer, **scheduler_kwargs)
    their_scheduler = getattr(torch.optim.lr_scheduler, scheduler_name)(torch_optimizer,
                                                                        **scheduler_kwargs)
    assert_same_history(train(our_optimizer, ours, 59, scheduler=our_scheduler),
                        train(torch_optimizer, theirs, 59, scheduler=their_scheduler))


# -------------------------------------------------------------------- invalid hyperparameters
INVALID_CASES = [
    ("SGD", {"lr": -0.1}),
    ("SGD", {"lr": 0.1, "momentum": -0.5}),
    ("SGD", {"lr": 0.1, "weight_decay": -1.0}),
    ("SGD", {"lr": 0.1, "nesterov": True}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True}),
    ("Adam", {"lr": -0.1}),
    ("Adam", {"eps": -1e-8}),
    ("Adam", {"betas": (1.0, 0.999)}),
    ("Adam", {"betas": (-0.1, 0.999)}),
    ("Adam", {"betas": (0.9, 1.0)}),
    ("Adam", {"weight_decay": -0.1}),
    ("AdamW", {"lr": -1e-3}),
    ("AdamW", {"betas": (0.9, 1.5)}),
    ("AdamW", {"weight_decay": -0.01}),
    ("RMSprop", {"lr": -0.01}),
    ("RMSprop", {"eps": -1.0}),
    ("RMSprop", {"momentum": -0.9}),
    ("RMSprop", {"weight_decay": -0.1}),
    ("RMSprop", {"alpha": -0.5}),
    ("Adagrad", {"lr": -0.01}),
    ("Adagrad", {"lr_decay": -0.1}),
    ("Adagrad", {"weight_decay": -0.1}),
    ("Adagrad", {"initial_accumulator_value": -0.5}),
    ("Adagrad", {"eps": -1e-10}),
    ("Adadelta", {"lr": -1.0}),
    ("Adadelta", {"rho": 1.5}),
    ("Adadelta", {"rho": -0.1}),
    ("Adadelta", {"eps": -1e-6}),
    ("Adadelta", {"weight_decay": -0.1}),
]


@pytest.mark.parametrize("class_name, kwargs", INVALID_CASES, ids=str)
def test_invalid_hyperparameters_raise_torchs_value_error(class_name: str,
                                                          kwargs: dict[str, Any]) -> None:
    both_reject(getattr(optim, class_name), getattr(torch.optim, class_name), kwargs)


def test_invalid_learning_rate_message() -> None:
    with pytest.raises(ValueError, match="^Invalid learning rate: -0.1$"):
        optim.SGD(our_params(), lr=-0.1)
    with pytest.raises(ValueError, match="^Invalid beta parameter at index 0: 1.0$"):
        optim.Adam(our_params(), betas=(1.0, 0.999))


INVALID_ONE_CYCLE = [
    {"max_lr": 1.0},
    {"max_lr": 1.0, "total_steps": 0},
    {"max_lr": 1.0, "epochs": 0, "steps_per_epoch": 3},
    {"max_lr": 1.0, "epochs": 2, "steps_per_epoch": -3},
    {"max_lr": 1.0, "total_steps": 10, "pct_start": 1.5},
    {"max_lr": 1.0, "total_steps": 10, "anneal_strategy": "exp"},
    {"max_lr": [1.0, 2.0, 3.0], "total_steps": 10},
]


@pytest.mark.parametrize("kwargs", INVALID_ONE_CYCLE, ids=case_id)
def test_invalid_one_cycle_arguments_raise_torchs_value_error(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError) as their_error:
        torch.optim.lr_scheduler.OneCycleLR(torch.optim.SGD(torch_params()), **kwargs)
    with pytest.raises(ValueError) as our_error:
        lr_scheduler.OneCycleLR(optim.SGD(our_params()), **kwargs)
    assert str(our_error.value) == str(their_error.value)


def test_one_cycle_momentum_needs_an_optimizer_with_momentum() -> None:
    class Plain(optim.Optimizer):
        def step(self, closure: Any = None) -> None:
            return None

    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        lr_scheduler.OneCycleLR(Plain(our_params(), {"lr": 0.1}), max_lr=1.0, total_steps=5)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lr_scheduler.StepLR("not an optimizer", step_size=1)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- the Optimizer base class
def test_params_must_be_a_non_empty_iterable_of_leaf_tensors() -> None:
    weight = tge.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.SGD(weight, lr=0.1)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors"):
        optim.SGD([np.ones(2)], lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([weight * 2], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {weight}}], lr=0.1)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter"):
        optim.SGD([{"params": [weight]}, {"params": weight}], lr=0.1)
    with pytest.raises(NotImplementedError):
        optim.Optimizer([weight], {"lr": 0.1}).step()


def test_step_updates_in_place_without_a_graph_and_bumps_versions_once() -> None:
    params = our_params()
    arrays = [param._data for param in params]
    optimizer = optim.Adam(params, lr=0.1)
    for _ in range(3):
        optimizer.zero_grad()
        our_autograd_loss(params).backward()
        optimizer.step()
    for param, array in zip(params, arrays):
        assert param._data is array and param.is_leaf and param.grad_fn is None
    assert [param._version.value for param in params] == [3, 3, 3, 0]


def test_a_saved_parameter_changed_by_step_is_detected_by_backward() -> None:
    weight = tge.tensor([1.0, 2.0], dtype=tge.float64, requires_grad=True)
    loss = (weight * weight).sum()
    weight.grad = tge.ones(2, dtype=tge.float64)
    optim.SGD([weight], lr=0.1).step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation|version"):
        loss.backward()


def test_closure_is_called_with_grad_enabled_and_its_loss_returned() -> None:
    params = our_params()
    optimizer = optim.SGD(params, lr=0.1)

    def closure() -> Any:
        optimizer.zero_grad()
        loss = our_autograd_loss(params)
        loss.backward()
        return loss

    with tge.no_grad():
        loss = optimizer.step(closure)
    expected = float(torch_autograd_loss(torch_params()).detach())
    assert float(loss) == pytest.approx(expected, rel=1e-12)
    assert optimizer.step() is None


@pytest.mark.parametrize("our_class", [optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop,
                                       optim.Adagrad, optim.Adadelta],
                         ids=lambda value: value.__name__)
def test_float32_parameters_stay_float32(our_class: Any) -> None:
    weight = tge.tensor([1.0, -2.0, 3.0], requires_grad=True)
    optimizer = our_class([weight], lr=0.1, weight_decay=0.1)
    for _ in range(3):
        optimizer.zero_grad()
        (weight * weight).sum().backward()
        optimizer.step()
    assert weight.dtype == np.float32
    for value in optimizer.state[weight].values():
        assert not isinstance(value, np.ndarray) or value.dtype == np.float32


def test_repr_lists_each_group_like_torch() -> None:
    optimizer = optim.SGD([tge.tensor([1.0], requires_grad=True)], lr=0.1)
    assert repr(optimizer) == (
        "SGD (\nParameter Group 0\n    dampening: 0\n    lr: 0.1\n    maximize: False\n"
        "    momentum: 0\n    nesterov: False\n    weight_decay: 0\n)"
    )
