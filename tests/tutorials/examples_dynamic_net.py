"""Learning PyTorch with examples: "PyTorch: Control Flow + Weight Sharing".

A model whose forward pass draws, at each call, how many higher-order terms (x^4, x^5) to add,
and uses one parameter e for all of them: Python control flow and weight sharing in autograd.
Trained with SGD with momentum.

Differences from the tutorial, so that torch and tinygrad_edu print the same numbers:
- torch's random generator and tinygrad_edu's differ, so the five initial parameters come from
  NumPy (np.random.default_rng(seed)) and enter through torch.tensor; the number of terms is
  drawn with Python's random module, seeded, as in the tutorial;
- float64 instead of float32, so that the long run does not drift apart in float32 rounding;
- 3000 steps instead of 30000, to keep the script short.
"""

import math
import random

import numpy as np
import torch

rng = np.random.default_rng(0)
random.seed(0)


class DynamicNet(torch.nn.Module):
    def __init__(self):
        """Five scalar parameters: a, b, c, d, and e, shared by the x^4 and x^5 terms."""
        super().__init__()
        self.a = torch.nn.Parameter(torch.tensor(rng.standard_normal(), dtype=torch.float64))
        self.b = torch.nn.Parameter(torch.tensor(rng.standard_normal(), dtype=torch.float64))
        self.c = torch.nn.Parameter(torch.tensor(rng.standard_normal(), dtype=torch.float64))
        self.d = torch.nn.Parameter(torch.tensor(rng.standard_normal(), dtype=torch.float64))
        self.e = torch.nn.Parameter(torch.tensor(rng.standard_normal(), dtype=torch.float64))

    def forward(self, x):
        """A third-order polynomial plus 0, 1 or 2 more terms, chosen at random on each call.

        The same parameter e is reused for every extra term: its gradient is the sum of the
        contributions of all its uses.
        """
        y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
        for exp in range(4, random.randint(4, 6)):
            y = y + self.e * x ** exp
        return y

    def string(self):
        """The fitted polynomial, as text."""
        return (f'y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + '
                f'{self.d.item()} x^3 + {self.e.item()} x^4 ? + {self.e.item()} x^5 ?')


x = torch.linspace(-math.pi, math.pi, 2000, dtype=torch.float64)
y = torch.sin(x)

model = DynamicNet()

# A very small step with momentum: plain SGD would be too slow at this learning rate.
criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
for t in range(3000):
    y_pred = model(x)

    loss = criterion(y_pred, y)
    if t % 200 == 199:
        print(t, loss.item())

    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

print(f'Result: {model.string()}')
