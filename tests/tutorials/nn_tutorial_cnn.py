"""What is torch.nn really? (the convolutional sections).

The same MNIST-shaped task as nn_tutorial.py, now with a three-layer convolutional network:
first as an nn.Module subclass (nn.Conv2d, F.relu, F.avg_pool2d, view), then as nn.Sequential
with Lambda layers and nn.AvgPool2d, then with the reshaping moved into a wrapped DataLoader
and nn.AdaptiveAvgPool2d, trained with SGD with momentum through the fit()/get_data()/
loss_batch() helpers.

Differences from the tutorial, so that torch and tinygrad_edu print the same numbers:
- no download: the MNIST-shaped data (784 float32 pixels in [0, 1], labels 0..9) is synthetic,
  drawn with NumPy (np.random.default_rng(seed)), and smaller (2,000 training and 500
  validation images), to keep the script short;
- torch's random generator and tinygrad_edu's differ, so every nn.Conv2d's weight and bias is
  drawn with NumPy from torch's default uniform range and copied in under torch.no_grad(), and
  the training DataLoader does not shuffle (a shuffled order cannot match).
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(0)


def make_mnist_like(count):
    """``count`` images of 784 pixels in [0, 1] with labels 0..9, mostly dark as in MNIST: a
    pixel lights up (with a random brightness) more often where its class's stroke mask is set."""
    labels = rng.integers(0, 10, size=count)
    lit_probability = np.where(STROKES[labels], 0.25, 0.15)
    lit = rng.random((count, 784)) < lit_probability
    images = lit * rng.random((count, 784))
    return images.astype(np.float32), labels


STROKES = rng.random((10, 784)) < 0.2
x_train, y_train = make_mnist_like(2000)
x_valid, y_valid = make_mnist_like(500)
x_train, y_train, x_valid, y_valid = map(
    torch.tensor, (x_train, y_train, x_valid, y_valid)
)

train_ds = TensorDataset(x_train, y_train)
valid_ds = TensorDataset(x_valid, y_valid)

loss_func = F.cross_entropy
bs = 64
epochs = 2


def init_from_numpy(module):
    """Give every nn.Conv2d in ``module`` NumPy-drawn values from torch's default uniform
    range, +-1/sqrt(fan_in), copied in without being recorded by autograd."""
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, nn.Conv2d):
                fan_in = layer.weight[0].numel()
                bound = 1 / math.sqrt(fan_in)
                weight = rng.uniform(-bound, bound, tuple(layer.weight.shape))
                bias = rng.uniform(-bound, bound, layer.out_channels)
                layer.weight.copy_(torch.tensor(weight))
                layer.bias.copy_(torch.tensor(bias))


def loss_batch(model, loss_func, xb, yb, opt=None):
    """The loss of one batch, and its size; with an optimizer, also a training step."""
    loss = loss_func(model(xb), yb)

    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()

    return loss.item(), len(xb)


def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss_batch(model, loss_func, xb, yb, opt)

        model.eval()
        with torch.no_grad():
            losses, nums = zip(
                *[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl]
            )
        val_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)

        print(epoch, val_loss)


def get_data(train_ds, valid_ds, bs):
    # The tutorial shuffles the training set; a shuffled order cannot match between torch and
    # tinygrad_edu, so this loader keeps the order.
    return (
        DataLoader(train_ds, batch_size=bs, shuffle=False),
        DataLoader(valid_ds, batch_size=bs * 2),
    )


train_dl, valid_dl = get_data(train_ds, valid_ds, bs)

# --- Switch to CNN


class Mnist_CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1)
        self.conv3 = nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1)

    def forward(self, xb):
        xb = xb.view(-1, 1, 28, 28)
        xb = F.relu(self.conv1(xb))
        xb = F.relu(self.conv2(xb))
        xb = F.relu(self.conv3(xb))
        xb = F.avg_pool2d(xb, 4)
        return xb.view(-1, xb.size(1))


lr = 0.1

model = Mnist_CNN()
init_from_numpy(model)
print(model)
opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)

fit(epochs, model, loss_func, opt, train_dl, valid_dl)

# --- Using nn.Sequential


class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


def preprocess(x):
    return x.view(-1, 1, 28, 28)


model = nn.Sequential(
    Lambda(preprocess),
    nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.AvgPool2d(4),
    Lambda(lambda x: x.view(x.size(0), -1)),
)
init_from_numpy(model)
print(model)

opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)

fit(epochs, model, loss_func, opt, train_dl, valid_dl)

# --- Wrapping DataLoader


def preprocess(x, y):
    return x.view(-1, 1, 28, 28), y


class WrappedDataLoader:
    def __init__(self, dl, func):
        self.dl = dl
        self.func = func

    def __len__(self):
        return len(self.dl)

    def __iter__(self):
        for b in self.dl:
            yield (self.func(*b))


train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
train_dl = WrappedDataLoader(train_dl, preprocess)
valid_dl = WrappedDataLoader(valid_dl, preprocess)

# AdaptiveAvgPool2d(1) averages whatever spatial size it gets down to 1x1.
model = nn.Sequential(
    nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.AdaptiveAvgPool2d(1),
    Lambda(lambda x: x.view(x.size(0), -1)),
)
init_from_numpy(model)

opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)

fit(epochs, model, loss_func, opt, train_dl, valid_dl)
