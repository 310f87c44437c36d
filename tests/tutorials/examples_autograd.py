"""Learning PyTorch with examples: "PyTorch: Tensors and autograd".

The same polynomial fit of sin(x), now with autograd computing the gradients; the update runs
under torch.no_grad() and the gradients are reset with ``a.grad = None``.

Differences from the tutorial, so that torch and tinygrad_edu print the same numbers:
- torch's random generator and tinygrad_edu's differ, so the four random initial coefficients
  come from NumPy (np.random.default_rng(seed)) and enter through torch.tensor;
- float64 instead of float32: 2000 steps of float32 rounding in two libraries that sum in
  different orders would drift apart in the last printed digits.
"""

import math

import numpy as np
import torch

dtype = torch.float64
device = torch.device("cpu")

# Input and output tensors do not need gradients.
x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)

# The weights do: requires_grad=True makes autograd record what is computed from them.
rng = np.random.default_rng(0)
a = torch.tensor(rng.standard_normal(), device=device, dtype=dtype, requires_grad=True)
b = torch.tensor(rng.standard_normal(), device=device, dtype=dtype, requires_grad=True)
c = torch.tensor(rng.standard_normal(), device=device, dtype=dtype, requires_grad=True)
d = torch.tensor(rng.standard_normal(), device=device, dtype=dtype, requires_grad=True)

learning_rate = 1e-6
for t in range(2000):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3

    # The loss is now a tensor of shape (): backward() starts from it.
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, loss.item())

    # Fills a.grad, b.grad, c.grad and d.grad.
    loss.backward()

    # The update must not be recorded by autograd.
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad

        # Gradients accumulate: drop them before the next backward.
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None

print(f'Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3')
