"""Learning PyTorch with examples: "PyTorch: Defining new autograd functions".

The model is y = a + b * P3(c + d * x), with P3 the Legendre polynomial of degree three,
written as a torch.autograd.Function with its own forward and backward.

Differences from the tutorial, so that torch and tinygrad_edu print the same numbers:
- the tutorial's initial values are already fixed numbers (no random draw), kept as they are;
- float64 instead of float32: 2000 steps of float32 rounding in two libraries that sum in
  different orders would drift apart in the last printed digits.
"""

import math

import torch


class LegendrePolynomial3(torch.autograd.Function):
    """P3(x) = (5 x^3 - 3 x) / 2, whose derivative is P3'(x) = 1.5 (5 x^2 - 1)."""

    @staticmethod
    def forward(ctx, input):
        # Keep the input: backward needs it to evaluate P3'.
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        # Chain rule: d(loss)/d(input) = d(loss)/d(output) * P3'(input).
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


dtype = torch.float64
device = torch.device("cpu")

x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)

# Initial weights close enough to the answer for the fit to converge.
a = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
b = torch.full((), -1.0, device=device, dtype=dtype, requires_grad=True)
c = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
d = torch.full((), 0.3, device=device, dtype=dtype, requires_grad=True)

learning_rate = 5e-6
for t in range(2000):
    # A Function is called through its apply method.
    P3 = LegendrePolynomial3.apply

    y_pred = a + b * P3(c + d * x)

    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, loss.item())

    loss.backward()

    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad

        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None

print(f'Result: y = {a.item()} + {b.item()} * P3({c.item()} + {d.item()} x)')
