"""Learn the basics: "Save and Load the Model".

A model's learned parameters live in its state_dict: saved with
``torch.save(model.state_dict(), path)``, loaded into a fresh instance of the same class with
``model.load_state_dict(torch.load(path, weights_only=True))``, followed by ``model.eval()``
before inference.

Differences from the tutorial, so that torch and tinygrad_edu print the same numbers:
- no torchvision: a small network defined here takes the place of VGG16, and the file goes to a
  temporary directory;
- torch's random generator and tinygrad_edu's differ, so every nn.Linear's weight and bias, and
  the input batch, are drawn with NumPy (np.random.default_rng(seed)); the weights are copied
  in under torch.no_grad(); outputs are printed only in eval mode, where dropout does nothing
  (its random mask cannot match).
"""

import math
import os
import tempfile

import numpy as np
import torch
from torch import nn

rng = np.random.default_rng(0)


def init_from_numpy(module):
    """Give every nn.Linear in ``module`` NumPy-drawn values from torch's default uniform
    range, +-1/sqrt(in_features), copied in without being recorded by autograd."""
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, nn.Linear):
                bound = 1 / math.sqrt(layer.in_features)
                weight = rng.uniform(-bound, bound, (layer.out_features, layer.in_features))
                bias = rng.uniform(-bound, bound, layer.out_features)
                layer.weight.copy_(torch.tensor(weight))
                layer.bias.copy_(torch.tensor(bias))


class SmallNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.classifier = nn.Sequential(
            nn.Linear(8 * 8, 32),
            nn.ReLU(),
            nn.Dropout(0.5),
            nn.Linear(32, 10),
        )

    def forward(self, x):
        return self.classifier(self.flatten(x))


X = torch.tensor(rng.random((4, 8, 8)), dtype=torch.float32)

# --- Saving and loading model weights

model = SmallNet()
init_from_numpy(model)
model.eval()
with torch.no_grad():
    before = model(X)
print(before)

for name, tensor in model.state_dict().items():
    print(name, tensor.shape, tensor.dtype, tensor.sum().item())

with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "model_weights.pth")
    torch.save(model.state_dict(), path)

    # A fresh model with other weights, then the saved ones loaded into it. (Its output is
    # printed in eval mode: in training mode, dropout zeroes random elements.)
    model = SmallNet()
    init_from_numpy(model)
    model.eval()
    with torch.no_grad():
        print(model(X))
    print(model.load_state_dict(torch.load(path, weights_only=True)))

# Dropout must be off for inference: eval() before predicting.
print(model.eval())
with torch.no_grad():
    after = model(X)
print(after)
print((after == before).all().item())
