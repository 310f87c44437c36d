"""Learning PyTorch with examples: "PyTorch: optim".

The nn polynomial fit of sin(x) again, with torch.optim.RMSprop taking the steps.

Differences from the tutorial, so that torch and tinygrad_edu print the same numbers:
- torch's random generator and tinygrad_edu's differ, so the Linear layer's initial weight and
  bias are drawn with NumPy (np.random.default_rng(seed), from torch's default uniform range)
  and copied in under torch.no_grad();
- float64 instead of float32 (the data, and the layer through dtype=): 2000 steps of float32
  rounding in two libraries that sum in different orders would drift apart;
- 1300 steps instead of 2000: near the minimum, the bias's gradient is a sum of terms that
  cancel, i.e. rounding noise, and RMSprop divides it by its own tiny running RMS; from about
  step 1380 on, that amplifies the last bit of any sum into visible changes (two torch runs with
  different thread counts already differ by 1e-7 there), so no two libraries can agree.
"""

import math

import numpy as np
import torch

dtype = torch.float64

x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
y = torch.sin(x)

p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)

model = torch.nn.Sequential(
    torch.nn.Linear(3, 1, dtype=dtype),
    torch.nn.Flatten(0, 1)
)

rng = np.random.default_rng(0)
bound = 1 / math.sqrt(3)
with torch.no_grad():
    model[0].weight.copy_(torch.tensor(rng.uniform(-bound, bound, (1, 3))))
    model[0].bias.copy_(torch.tensor(rng.uniform(-bound, bound, (1,))))

loss_fn = torch.nn.MSELoss(reduction='sum')

# The optimizer updates the parameters it is given; RMSprop scales each step by a running
# average of the squared gradients.
learning_rate = 1e-3
optimizer = torch.optim.RMSprop(model.parameters(), lr=learning_rate)
for t in range(1300):
    y_pred = model(xx)

    loss = loss_fn(y_pred, y)
    if t % 100 == 99:
        print(t, loss.item())

    # Zero the gradients (they accumulate), backpropagate, then let the optimizer step.
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

linear_layer = model[0]
print(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + '
      f'{linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3')
