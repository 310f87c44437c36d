"""Learning PyTorch with examples: "PyTorch: nn".

The polynomial fit of sin(x) as an nn model: the inputs are the powers (x, x^2, x^3), a
Linear(3, 1) layer holds the coefficients, MSELoss(reduction='sum') is the loss, and the
parameters are updated by hand under torch.no_grad().

Differences from the tutorial, so that torch and tinygrad_edu print the same numbers:
- torch's random generator and tinygrad_edu's differ, so the Linear layer's initial weight and
  bias are drawn with NumPy (np.random.default_rng(seed), from torch's default uniform range)
  and copied in under torch.no_grad();
- float64 instead of float32 (the data, and the layer through dtype=): 2000 steps of float32
  rounding in two libraries that sum in different orders would drift apart.
"""

import math

import numpy as np
import torch

dtype = torch.float64

x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
y = torch.sin(x)

# y is linear in (x, x^2, x^3): build that feature matrix of shape (2000, 3) by broadcasting
# x.unsqueeze(-1), of shape (2000, 1), against the exponents p, of shape (3,).
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)
print(xx.shape)

# Linear(3, 1) gives shape (2000, 1); Flatten(0, 1) turns it into (2000,) to match y.
model = torch.nn.Sequential(
    torch.nn.Linear(3, 1, dtype=dtype),
    torch.nn.Flatten(0, 1)
)
print(model)

# The initial weight and bias, drawn with NumPy from torch's default range +-1/sqrt(3).
rng = np.random.default_rng(0)
bound = 1 / math.sqrt(3)
with torch.no_grad():
    model[0].weight.copy_(torch.tensor(rng.uniform(-bound, bound, (1, 3))))
    model[0].bias.copy_(torch.tensor(rng.uniform(-bound, bound, (1,))))

loss_fn = torch.nn.MSELoss(reduction='sum')

learning_rate = 1e-6
for t in range(2000):
    # A module is called like a function.
    y_pred = model(xx)

    loss = loss_fn(y_pred, y)
    if t % 100 == 99:
        print(t, loss.item())

    # Clear the gradients, then compute new ones for every parameter.
    model.zero_grad()
    loss.backward()

    # Gradient descent on each parameter, in place and not recorded.
    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad

# The first layer holds the coefficients.
linear_layer = model[0]
print(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + '
      f'{linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3')
