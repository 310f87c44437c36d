"""Learn the basics: "Build the Neural Network".

A network as a subclass of nn.Module (Flatten, then Linear/ReLU layers in an nn.Sequential),
called on a batch, its logits turned into probabilities by nn.Softmax(dim=1) and a prediction
by argmax; then each layer on its own (Flatten, Linear, ReLU, Sequential, Softmax), and the
model's parameters by name.

Differences from the tutorial, so that torch and tinygrad_edu print the same numbers:
- torch's random generator and tinygrad_edu's differ, so the inputs come from NumPy
  (np.random.default_rng(seed)) and every nn.Linear's weight and bias is drawn with NumPy from
  torch's default uniform range and copied in under torch.no_grad().
"""

import math

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


def rand(*shape):
    """Uniform [0, 1) float32 values drawn with NumPy, in place of torch.rand(*shape)."""
    return torch.tensor(rng.random(shape), dtype=torch.float32)


# --- Get a device for training

device = (torch.accelerator.current_accelerator().type if torch.accelerator.is_available()
          else "cpu")
print(f"Using {device} device")

# --- Define the class


class NeuralNetwork(nn.Module):
    def __init__(self):
        """The layers: flatten each 28x28 image, then 784 -> 512 -> 512 -> 10."""
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28 * 28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
        )

    def forward(self, x):
        """The logits of a batch of images."""
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


model = NeuralNetwork().to(device)
init_from_numpy(model)
print(model)

# Calling the model runs forward; Softmax turns the logits into probabilities.
X = rand(1, 28, 28).to(device)
logits = model(X)
pred_probab = nn.Softmax(dim=1)(logits)
y_pred = pred_probab.argmax(1)
print(f"Predicted class: {y_pred}")
print(logits)
print(pred_probab)

# --- Model layers, one at a time, on a minibatch of three images

input_image = rand(3, 28, 28)
print(input_image.size())

flatten = nn.Flatten()
flat_image = flatten(input_image)
print(flat_image.size())

layer1 = nn.Linear(in_features=28 * 28, out_features=20)
init_from_numpy(layer1)
hidden1 = layer1(flat_image)
print(hidden1.size())

print(f"Before ReLU: {hidden1}\n\n")
hidden1 = nn.ReLU()(hidden1)
print(f"After ReLU: {hidden1}")

seq_modules = nn.Sequential(
    flatten,
    layer1,
    nn.ReLU(),
    nn.Linear(20, 10)
)
init_from_numpy(seq_modules[3])
input_image = rand(3, 28, 28)
logits = seq_modules(input_image)
print(logits)

softmax = nn.Softmax(dim=1)
pred_probab = softmax(logits)
print(pred_probab)
print(pred_probab.sum(dim=1))

# --- Model parameters

print(f"Model structure: {model}\n\n")

for name, param in model.named_parameters():
    print(f"Layer: {name} | Size: {param.size()} | Values : {param[:2]} \n")
