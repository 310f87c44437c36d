"""Learning PyTorch with examples: "PyTorch: Custom nn Modules".

The polynomial fit of sin(x) as a subclass of nn.Module holding four scalar nn.Parameters,
trained with torch.optim.SGD and MSELoss(reduction='sum').

Differences from the tutorial, so that torch and tinygrad_edu print the same numbers:
- torch's random generator and tinygrad_edu's differ, so the four initial parameters come from
  NumPy (np.random.default_rng(seed)) and enter through torch.tensor;
- float64 instead of float32: 2000 steps of float32 rounding in two libraries that sum in
  different orders would drift apart in the last printed digits.
"""

import math

import numpy as np
import torch

rng = np.random.default_rng(0)


class Polynomial3(torch.nn.Module):
    def __init__(self):
        """Four scalar parameters; assigning an nn.Parameter to an attribute registers it."""
        super().__init__()
        self.a = torch.nn.Parameter(torch.tensor(rng.standard_normal(), dtype=torch.float64))
        self.b = torch.nn.Parameter(torch.tensor(rng.standard_normal(), dtype=torch.float64))
        self.c = torch.nn.Parameter(torch.tensor(rng.standard_normal(), dtype=torch.float64))
        self.d = torch.nn.Parameter(torch.tensor(rng.standard_normal(), dtype=torch.float64))

    def forward(self, x):
        """The prediction for input x."""
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    def string(self):
        """The fitted polynomial, as text."""
        return (f'y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + '
                f'{self.d.item()} x^3')


x = torch.linspace(-math.pi, math.pi, 2000, dtype=torch.float64)
y = torch.sin(x)

model = Polynomial3()
print(model)
print([name for name, _ in model.named_parameters()])

# model.parameters() yields the four nn.Parameters registered in __init__.
criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
for t in range(2000):
    y_pred = model(x)

    loss = criterion(y_pred, y)
    if t % 100 == 99:
        print(t, loss.item())

    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

print(f'Result: {model.string()}')
