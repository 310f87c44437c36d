"""Learning PyTorch with examples: "PyTorch: Tensors".

A third-order polynomial is fitted to sin(x) on [-pi, pi] by gradient descent, with the forward
pass, the loss and the gradients all written by hand on tensors (no autograd).

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

# Input and output data: 2000 points of sin on [-pi, pi].
x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)

# Random initial weights (the tutorial draws them with torch.randn(())).
rng = np.random.default_rng(0)
a = torch.tensor(rng.standard_normal(), device=device, dtype=dtype)
b = torch.tensor(rng.standard_normal(), device=device, dtype=dtype)
c = torch.tensor(rng.standard_normal(), device=device, dtype=dtype)
d = torch.tensor(rng.standard_normal(), device=device, dtype=dtype)

learning_rate = 1e-6
for t in range(2000):
    # Forward pass: the predicted y.
    y_pred = a + b * x + c * x ** 2 + d * x ** 3

    # The loss: a sum of squares, read out as a Python number.
    loss = (y_pred - y).pow(2).sum().item()
    if t % 100 == 99:
        print(t, loss)

    # Backward pass by hand: d(loss)/d(y_pred) = 2 (y_pred - y), then the chain rule.
    grad_y_pred = 2.0 * (y_pred - y)
    grad_a = grad_y_pred.sum()
    grad_b = (grad_y_pred * x).sum()
    grad_c = (grad_y_pred * x ** 2).sum()
    grad_d = (grad_y_pred * x ** 3).sum()

    # Gradient-descent step, in place.
    a -= learning_rate * grad_a
    b -= learning_rate * grad_b
    c -= learning_rate * grad_c
    d -= learning_rate * grad_d

print(f'Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3')
