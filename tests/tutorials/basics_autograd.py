"""Learn the basics: "Automatic Differentiation with torch.autograd".

A one-layer network z = x w + b with a binary cross-entropy loss: which tensors require
gradients, the grad_fn that autograd records, backward() and .grad, turning tracking off
(torch.no_grad(), detach()), and vector-Jacobian products of a non-scalar output: backward with
an explicit gradient, retain_graph=True, accumulation across calls and zeroing .grad.

Differences from the tutorial, so that torch and tinygrad_edu print the same numbers:
- torch's random generator and tinygrad_edu's differ, so the random w and b come from NumPy
  (np.random.default_rng(seed)) through torch.tensor(..., requires_grad=True).
"""

import numpy as np
import torch

rng = np.random.default_rng(0)

# --- Tensors, functions and the computational graph

x = torch.ones(5)  # input tensor
y = torch.zeros(3)  # expected output
w = torch.tensor(rng.standard_normal((5, 3)), dtype=torch.float32, requires_grad=True)
b = torch.tensor(rng.standard_normal(3), dtype=torch.float32, requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
print(z)
print(loss)

# Each tensor built by an operation remembers the function that made it.
print(f"Gradient function for z = {z.grad_fn}")
print(f"Gradient function for loss = {loss.grad_fn}")

# --- Computing gradients

loss.backward()
print(w.grad)
print(b.grad)

# --- Disabling gradient tracking

z = torch.matmul(x, w) + b
print(z.requires_grad)

with torch.no_grad():
    z = torch.matmul(x, w) + b
print(z.requires_grad)

z = torch.matmul(x, w) + b
z_det = z.detach()
print(z_det.requires_grad)

# --- Tensor gradients and Jacobian products

inp = torch.eye(4, 5, requires_grad=True)
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"First call\n{inp.grad}")
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nSecond call\n{inp.grad}")
inp.grad.zero_()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nCall after zeroing gradients\n{inp.grad}")
