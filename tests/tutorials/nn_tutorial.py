"""What is torch.nn really? (everything but the convolutional sections).

Logistic regression on MNIST-shaped data written from scratch with tensors (manual log-softmax,
negative log-likelihood through indexing, accuracy with argmax, SGD by hand under no_grad),
then refactored one step at a time: F.cross_entropy, nn.Module with nn.Parameter, nn.Linear,
optim.SGD, TensorDataset, DataLoader, a validation set with model.train()/model.eval(), the
fit()/get_data()/loss_batch() helpers, nn.Sequential with a custom Lambda module, a wrapped
DataLoader, and the device switch. The convolutional sections are in nn_tutorial_cnn.py.

Differences from the tutorial, so that torch and tinygrad_edu print the same numbers:
- no download: the MNIST-shaped data (784 float32 pixels in [0, 1], labels 0..9) is synthetic,
  drawn with NumPy (np.random.default_rng(seed)), and smaller (4,000 training and 1,000
  validation images);
- torch's random generator and tinygrad_edu's differ, so the from-scratch weights come from
  NumPy, every nn.Linear's weight and bias is drawn with NumPy from torch's default uniform
  range and copied in under torch.no_grad(), and the training DataLoader does not shuffle (a
  shuffled order cannot match).
"""

import math

import numpy as np
import torch

rng = np.random.default_rng(0)

# --- MNIST data setup (synthetic)


def make_mnist_like(count):
    """``count`` images of 784 pixels in [0, 1] with labels 0..9, mostly dark as in MNIST: a
    pixel lights up (with a random brightness) more often where its class's stroke mask is set."""
    labels = rng.integers(0, 10, size=count)
    lit_probability = np.where(STROKES[labels], 0.25, 0.15)
    lit = rng.random((count, 784)) < lit_probability
    images = lit * rng.random((count, 784))
    return images.astype(np.float32), labels


STROKES = rng.random((10, 784)) < 0.2
x_train, y_train = make_mnist_like(4000)
x_valid, y_valid = make_mnist_like(1000)

# The data arrives as NumPy arrays: convert them to tensors.
x_train, y_train, x_valid, y_valid = map(
    torch.tensor, (x_train, y_train, x_valid, y_valid)
)
n, c = x_train.shape
print(x_train, y_train)
print(x_train.shape)
print(y_train.min(), y_train.max())

# --- Neural net from scratch (without torch.nn)

# Xavier-style initial weights (drawn with NumPy), then marked as requiring gradients; doing it
# after the division keeps the division out of the recorded graph.
weights = torch.tensor(rng.standard_normal((784, 10)), dtype=torch.float32) / math.sqrt(784)
weights.requires_grad_()
bias = torch.zeros(10, requires_grad=True)


def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)


def model(xb):
    return log_softmax(xb @ weights + bias)


bs = 64  # batch size

xb = x_train[0:bs]  # a mini-batch from x
preds = model(xb)  # predictions
print(preds[0], preds.shape)


def nll(input, target):
    """Negative log-likelihood: minus the mean of the log-probabilities of the targets."""
    return -input[range(target.shape[0]), target].mean()


loss_func = nll

yb = y_train[0:bs]
print(loss_func(preds, yb))


def accuracy(out, yb):
    """The fraction of predictions (largest output) equal to the target."""
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()


print(accuracy(preds, yb))

lr = 0.5  # learning rate
epochs = 2  # how many epochs to train for

for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        start_i = i * bs
        end_i = start_i + bs
        xb = x_train[start_i:end_i]
        yb = y_train[start_i:end_i]
        pred = model(xb)
        loss = loss_func(pred, yb)

        loss.backward()
        with torch.no_grad():
            weights -= weights.grad * lr
            bias -= bias.grad * lr
            weights.grad.zero_()
            bias.grad.zero_()

print(loss_func(model(xb), yb), accuracy(model(xb), yb))

# --- Using torch.nn.functional

import torch.nn.functional as F  # noqa: E402  (imported where the tutorial introduces it)

# cross_entropy combines log_softmax and the negative log-likelihood.
loss_func = F.cross_entropy


def model(xb):
    return xb @ weights + bias


print(loss_func(model(xb), yb), accuracy(model(xb), yb))

# --- Refactor using nn.Module

from torch import nn  # noqa: E402


class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.weights = nn.Parameter(
            torch.tensor(rng.standard_normal((784, 10)), dtype=torch.float32) / math.sqrt(784))
        self.bias = nn.Parameter(torch.zeros(10))

    def forward(self, xb):
        return xb @ self.weights + self.bias


model = Mnist_Logistic()
print(loss_func(model(xb), yb))


def fit():
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]
            yb = y_train[start_i:end_i]
            pred = model(xb)
            loss = loss_func(pred, yb)

            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= p.grad * lr
                model.zero_grad()


fit()
print(loss_func(model(xb), yb))

# --- Refactor using nn.Linear


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


class Mnist_Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(784, 10)
        init_from_numpy(self.lin)

    def forward(self, xb):
        return self.lin(xb)


model = Mnist_Logistic()
print(loss_func(model(xb), yb))

fit()
print(loss_func(model(xb), yb))

# --- Refactor using torch.optim

from torch import optim  # noqa: E402


def get_model():
    model = Mnist_Logistic()
    return model, optim.SGD(model.parameters(), lr=lr)


model, opt = get_model()
print(loss_func(model(xb), yb))

for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        start_i = i * bs
        end_i = start_i + bs
        xb = x_train[start_i:end_i]
        yb = y_train[start_i:end_i]
        pred = model(xb)
        loss = loss_func(pred, yb)

        loss.backward()
        opt.step()
        opt.zero_grad()

print(loss_func(model(xb), yb))

# --- Refactor using Dataset

from torch.utils.data import TensorDataset  # noqa: E402

train_ds = TensorDataset(x_train, y_train)

model, opt = get_model()

for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        xb, yb = train_ds[i * bs: i * bs + bs]
        pred = model(xb)
        loss = loss_func(pred, yb)

        loss.backward()
        opt.step()
        opt.zero_grad()

print(loss_func(model(xb), yb))

# --- Refactor using DataLoader

from torch.utils.data import DataLoader  # noqa: E402

train_ds = TensorDataset(x_train, y_train)
train_dl = DataLoader(train_ds, batch_size=bs)

model, opt = get_model()

for epoch in range(epochs):
    for xb, yb in train_dl:
        pred = model(xb)
        loss = loss_func(pred, yb)

        loss.backward()
        opt.step()
        opt.zero_grad()

print(loss_func(model(xb), yb))

# --- Add validation

# The tutorial shuffles the training data here; a shuffled order cannot match between torch
# and tinygrad_edu, so this loader keeps the order.
train_ds = TensorDataset(x_train, y_train)
train_dl = DataLoader(train_ds, batch_size=bs, shuffle=False)

valid_ds = TensorDataset(x_valid, y_valid)
valid_dl = DataLoader(valid_ds, batch_size=bs * 2)

model, opt = get_model()

for epoch in range(epochs):
    model.train()
    for xb, yb in train_dl:
        pred = model(xb)
        loss = loss_func(pred, yb)

        loss.backward()
        opt.step()
        opt.zero_grad()

    model.eval()
    with torch.no_grad():
        valid_loss = sum(loss_func(model(xb), yb) for xb, yb in valid_dl)

    print(epoch, valid_loss / len(valid_dl))

# --- Create fit() and get_data()


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
    # No shuffling of the training set, for the reason given above.
    return (
        DataLoader(train_ds, batch_size=bs, shuffle=False),
        DataLoader(valid_ds, batch_size=bs * 2),
    )


train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
model, opt = get_model()
fit(epochs, model, loss_func, opt, train_dl, valid_dl)

# --- nn.Sequential, with a custom Lambda layer


class Lambda(nn.Module):
    """A layer that applies a function: a view, for instance, inside nn.Sequential."""

    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


def flatten(x):
    return x.view(x.size(0), -1)


model = nn.Sequential(
    Lambda(flatten),
    nn.Linear(784, 10),
)
init_from_numpy(model)
print(model)
opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)

# --- Wrapping the DataLoader: batches arrive as images of shape (N, 1, 28, 28)


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
first_images, first_labels = next(iter(train_dl))
print(first_images.shape, first_labels.shape)

fit(epochs, model, loss_func, opt, train_dl, valid_dl)

# --- Using your GPU (when there is one; the CPU otherwise)

print(torch.cuda.is_available())
dev = torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")
print(dev)


def preprocess(x, y):
    return x.view(-1, 1, 28, 28).to(dev), y.to(dev)


train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
train_dl = WrappedDataLoader(train_dl, preprocess)
valid_dl = WrappedDataLoader(valid_dl, preprocess)

model = nn.Sequential(
    Lambda(flatten),
    nn.Linear(784, 10),
)
init_from_numpy(model)
model.to(dev)
opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)

fit(epochs, model, loss_func, opt, train_dl, valid_dl)
