"""The hint of each exercise (``python -m tinygrad_edu.exercises hint N``)."""

__all__ = [
    "ARTICLE_MLP", "BATCH_NORM", "BROADCASTING", "BUG_HUNT", "CHAIN_RULE", "CONV2D_IM2COL",
    "CUSTOM_FUNCTION", "ELEMENTWISE", "LINEAR", "MATMUL", "REDUCTIONS", "SOFTMAX_CROSS_ENTROPY",
]

CHAIN_RULE = """\
Walk the four steps backwards, keeping one running gradient per step:
  df/dc = 1 / c                      (f = log c)
  df/db = df/dc * 1                  (c = b + x)
  df/da = df/db * b                  (b = exp(a), and exp' = exp)
Then each input: df/dy = df/da * x. x is used twice, in a = x * y and in c = b + x:
its gradient is the SUM of both paths, df/dx = df/da * y + df/dc * 1.
If only df_dx is wrong (gradcheck's input 0), you probably kept only one of its paths."""

ELEMENTWISE = """\
backward gets grad_output = dL/dout and returns dL/dinput = grad_output * dout/dinput.
  Mul: dout/da = b, dout/db = a; return one gradient per input, in the inputs' order.
  Exp: dout/da = exp(a), which forward already saved (the output): reuse it.
  Log: dout/da = 1 / a.
ctx.saved_tensors gives back, as Tensors, what forward passed to ctx.save_for_backward."""

BROADCASTING = """\
Compare the shapes right-aligned. grad has grad.ndim - len(shape) extra axes in front:
sum them away (grad.sum(axis=...)). Then every axis where shape has size 1 but grad does not
was stretched: sum it with keepdims=True, so that it keeps its size 1.
Example: shape (3, 1), grad (2, 3, 4): sum axis 0 -> (3, 4); sum axis 1 with keepdims -> (3, 1)."""

REDUCTIONS = """\
Each summed element contributed with derivative 1, so its gradient is the upstream gradient.
SumDim: put the summed axis back with size 1 (grad_output.reshape(kept_shape)), then
.expand(ctx.input_shape) copies it along that axis.
Mean: the same as a sum, times 1/n (ctx.count).
Max: only the maximum moved the output. Save a mask of where a == max in forward; with a tie
the k maxima share the gradient: mask / k. gradcheck's 'factor' messages point here."""

MATMUL = """\
Let the shapes guide you: a (n, k), b (k, m), grad_output (n, m).
dL/da must be (n, k): the only product of grad_output and b with that shape is grad_output @ bᵀ.
dL/db must be (k, m): aᵀ @ grad_output. Tensor has .T (and .transpose(0, 1)).
If gradcheck says 'transposed', you multiplied in the right order but transposed the result."""

SOFTMAX_CROSS_ENTROPY = """\
Work on one column first. log A_k = Z_k - log Σ_j exp(Z_j), so d log A_k / d Z_i = 1[i = k] - A_i.
The loss of the column is -Σ_k Y_k log A_k; differentiate and use Σ_k Y_k = 1: you get A_i - Y_i.
The mean over m columns divides by m. forward saved A (softmax) and Y; return
grad_output * (A - Y) / m for Z, and None for Y (labels get no gradient).
A gradient 'off by a factor m' means the 1/m is missing (or doubled)."""

LINEAR = """\
out = x @ Wᵀ + b. Treat it as a matmul (exercise 5) of x and Wᵀ, plus a broadcast (exercise 3):
  dL/dx = grad_output @ W          (m, out) @ (out, in)
  dL/dW = grad_output.T @ x        (out, m) @ (m, in)  — the gradient of Wᵀ, transposed
  dL/db = grad_output.sum(dim=0)   b was added to each of the m rows
Linear.forward just calls LinearFunction.apply(x, self.weight, self.bias)."""

ARTICLE_MLP = """\
Go backwards through the forward pass, one line per step (the article's formulas):
  dZ2 = A2 - Y                             (exercise 6; the 1/m comes next)
  dW2 = dZ2 @ A1.T / m,  db2 = dZ2.sum(axis=1, keepdims=True) / m
  dZ1 = (W2.T @ dZ2) * (Z1 > 0)            (ReLU's derivative is 1 where Z1 > 0)
  dW1 = dZ1 @ X.T / m,   db1 = dZ1.sum(axis=1, keepdims=True) / m
Keep keepdims=True: b1 has shape (hidden, 1), not (hidden,)."""

CUSTOM_FUNCTION = """\
Write both methods. forward(ctx, x): save x with ctx.save_for_backward(x) and return
x / (1 + np.exp(-x)) (that is x * sigmoid(x)).
backward(ctx, grad_output): (x,) = ctx.saved_tensors; s = x.sigmoid();
return grad_output * (s + x * s * (1 - s)) — the product rule, with sigmoid' = s (1 - s).
Use Tensor operations in backward (not .data or .numpy()) so that gradgradcheck can
differentiate your backward again."""

BUG_HUNT = """\
Run the check: gradcheck names each broken op and the input whose gradient is wrong, and says
what kind of mistake it looks like (a factor, a sign, a transpose, a missing sum, the wrong input).
Compare each backward line with the local derivatives in the docstring's first line. There is
exactly one bug per op, five in all; fixing one line per op is enough."""

CONV2D_IM2COL = """\
im2col copies input elements into columns, so col2im, its adjoint, ADDS them back. Start from
zeros of the padded shape (N, C, H + 2p, W + 2p); view cols as (N, C, kh, kw, OH, OW); for each
kernel offset (i, j), add windows[:, :, i, j] into padded[:, :, i : i + stride·OH : stride,
j : j + stride·OW : stride]; finally cut the padding off. Then, with Wm = weight.reshape(F, -1):
  dX = col2im(Wmᵀ @ dZ)    dW = (dZ @ colsᵀ).sum(axis=0), reshaped to weight's shape
  db = dZ.sum(axis=(0, 2))                        (colsᵀ: cols.transpose(0, 2, 1))
If the check passes for stride = kernel but fails when stride < kernel, your col2im assigns
(x[...] = cols) where it must add (x[...] += cols): overlapping windows accumulate. A writeable
sliding_window_view does not help: view += cols reads every window before writing any, so the
last window still overwrites the others."""

BATCH_NORM = """\
Per channel (a column of x), with m examples: dβ = Σ dy and dγ = Σ dy·x̂ (sum over dim 0).
For dx, x reaches y directly AND through μ and σ², which every x of the channel moves.
With dx̂ = γ·dy, follow the three paths:
  dσ² = Σ dx̂·(x - μ)·(-1/2)·σ⁻³      dμ = -Σ dx̂ / σ      (Σ (x - μ) = 0 kills dμ's σ² term)
  dx = dx̂ / σ + dσ²·2(x - μ)/m + dμ/m
Replace x - μ by σ·x̂ and collect: dx = (1/m)·(γ/σ)·(m·dy - Σ dy - x̂·Σ(dy·x̂)).
A self-test: the true dx sums to zero over the batch in every channel. If yours equals γ/σ·dy,
you held μ and σ constant."""
