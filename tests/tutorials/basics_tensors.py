"""Learn the basics: "Tensors".

Creating tensors (from lists, from NumPy, from other tensors), their attributes (shape, dtype,
device), indexing and slicing, joining, arithmetic, single-element tensors, in-place operations
and the bridge to NumPy (which shares memory both ways).

Differences from the tutorial, so that torch and tinygrad_edu print the same numbers:
- torch's random generator and tinygrad_edu's differ: torch.rand and torch.rand_like are still
  called, but only the shape and dtype of what they return are printed; the random tensor whose
  values are printed comes from NumPy (np.random.default_rng(seed)) through torch.tensor.
"""

import numpy as np
import torch

rng = np.random.default_rng(0)

# --- Initializing a tensor

# Directly from data: the dtype is inferred (int64 here).
data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
print(x_data)

# From a NumPy array.
np_array = np.array(data)
x_np = torch.from_numpy(np_array)
print(x_np)

# From another tensor: the new one keeps its shape and dtype unless told otherwise.
x_ones = torch.ones_like(x_data)
print(f"Ones Tensor: \n {x_ones} \n")

x_rand = torch.rand_like(x_data, dtype=torch.float)
print(f"Random Tensor: shape {x_rand.shape}, dtype {x_rand.dtype}, "
      f"in [0, 1): {bool((x_rand >= 0).all()) and bool((x_rand < 1).all())} \n")

# With random or constant values, from a shape tuple.
shape = (2, 3,)
rand_tensor = torch.rand(shape)
ones_tensor = torch.ones(shape)
zeros_tensor = torch.zeros(shape)

print(f"Random Tensor: shape {rand_tensor.shape} \n")
print(f"Ones Tensor: \n {ones_tensor} \n")
print(f"Zeros Tensor: \n {zeros_tensor}")

# --- Attributes of a tensor

tensor = torch.tensor(rng.random((3, 4)), dtype=torch.float32)
print(tensor)
print(f"Shape of tensor: {tensor.shape}")
print(f"Datatype of tensor: {tensor.dtype}")
print(f"Device tensor is stored on: {tensor.device}")

# --- Operations on tensors

# Tensors are created on the CPU; move them to an accelerator when there is one.
if torch.accelerator.is_available():
    tensor = tensor.to(torch.accelerator.current_accelerator())
print(f"Device tensor is stored on: {tensor.device}")

# NumPy-like indexing and slicing.
tensor = torch.ones(4, 4)
print(f"First row: {tensor[0]}")
print(f"First column: {tensor[:, 0]}")
print(f"Last column: {tensor[..., -1]}")
tensor[:, 1] = 0
print(tensor)

# Joining tensors along a dimension.
t1 = torch.cat([tensor, tensor, tensor], dim=1)
print(t1)

# Matrix multiplication, three ways (the third writes into an existing tensor with out=).
y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)

y3 = torch.rand_like(y1)
torch.matmul(tensor, tensor.T, out=y3)
print(y1)
print(y2)
print(y3)

# Element-wise product, three ways.
z1 = tensor * tensor
z2 = tensor.mul(tensor)

z3 = torch.rand_like(tensor)
torch.mul(tensor, tensor, out=z3)
print(z1)
print(z2)
print(z3)

# Single-element tensors: item() gives a Python number.
agg = tensor.sum()
agg_item = agg.item()
print(agg_item, type(agg_item))

# In-place operations end in an underscore.
print(f"{tensor} \n")
tensor.add_(5)
print(tensor)

# --- Bridge with NumPy

# Tensor to NumPy array: they share memory, so changing one changes the other.
t = torch.ones(5)
print(f"t: {t}")
n = t.numpy()
print(f"n: {n}")

t.add_(1)
print(f"t: {t}")
print(f"n: {n}")

# NumPy array to tensor: shared memory again.
n = np.ones(5)
t = torch.from_numpy(n)

np.add(n, 1, out=n)
print(f"t: {t}")
print(f"n: {n}")
