"""Learn the basics: "Optimizing Model Parameters".

The network of "Build the Neural Network" trained with CrossEntropyLoss and SGD: a train_loop
(model.train(), forward, loss, backward, optimizer.step(), optimizer.zero_grad()) and a
test_loop (model.eval(), torch.no_grad(), average loss and accuracy counted with
``(pred.argmax(1) == y).type(torch.float).sum().item()``), epoch after epoch.

Differences from the tutorial, so that torch and tinygrad_edu print the same numbers:
- no torchvision: the FashionMNIST-shaped images (float32, 1x28x28, labels 0..9) are synthetic,
  drawn with NumPy (np.random.default_rng(seed)); fewer of them and fewer epochs, a loss printed
  every 5 batches instead of every 100, and a learning rate of 0.1 instead of 1e-3 so that the
  short run visibly learns;
- torch's random generator and tinygrad_edu's differ, so every nn.Linear's weight and bias is
  drawn with NumPy from torch's default uniform range and copied in under torch.no_grad().
"""

import math

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(0)


def make_images(count):
    """``count`` float32 images in [0, 1] of shape (1, 28, 28) with labels 0..9: each class
    brightens its own band of rows, on top of noise."""
    labels = rng.integers(0, 10, size=count)
    images = rng.random((count, 1, 28, 28)) * 0.5
    for index, label in enumerate(labels):
        images[index, 0, 2 * label:2 * label + 8, :] += 0.5
    return torch.tensor(images, dtype=torch.float32), torch.tensor(labels)


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


training_data = TensorDataset(*make_images(640))
test_data = TensorDataset(*make_images(320))

train_dataloader = DataLoader(training_data, batch_size=64)
test_dataloader = DataLoader(test_data, batch_size=64)


class NeuralNetwork(nn.Module):
    def __init__(self):
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
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


model = NeuralNetwork()
init_from_numpy(model)

# --- Hyperparameters

learning_rate = 1e-1
batch_size = 64
epochs = 3

# --- Optimization loop


def train_loop(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    # Training mode (matters for layers such as dropout and batch norm; good practice anyway).
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        # Prediction and loss.
        pred = model(X)
        loss = loss_fn(pred, y)

        # Backpropagation, a step, then clear the gradients for the next batch.
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

        if batch % 5 == 0:
            loss, current = loss.item(), batch * batch_size + len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")


def test_loop(dataloader, model, loss_fn):
    # Evaluation mode, and no gradient tracking while testing.
    model.eval()
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    test_loss, correct = 0, 0

    with torch.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()

    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")


loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)

for t in range(epochs):
    print(f"Epoch {t+1}\n-------------------------------")
    train_loop(train_dataloader, model, loss_fn, optimizer)
    test_loop(test_dataloader, model, loss_fn)
print("Done!")
