"""PyTorch's official MNIST example (pytorch/examples, mnist/main.py): network and training.

Two 3x3 convolutions (32 and 64 channels), max-pooling, dropout, two linear layers,
log-softmax and the negative log-likelihood loss, trained with Adadelta (lr 1.0) and a StepLR
schedule (gamma 0.7 per epoch), batch 64. The model class and the train/test functions are the
example's, line for line where the example has them.

Differences from the example, so that torch and tinygrad_edu print the same numbers:
- no torchvision and no download: the "images" are 256 small NumPy-drawn 28x28 pictures with
  labels, normalised with the example's mean and standard deviation (0.1307, 0.3081);
- torch's random generator and tinygrad_edu's differ, so every weight and bias is drawn with
  NumPy (np.random.default_rng(seed)) from torch's default uniform ranges and copied in under
  torch.no_grad(), and dropout is given p = 0 during the printed steps (its masks cannot match);
  the first printed loss is the network's loss from the same weights;
- float64 throughout (the model through .double()), so the printed losses agree to 1e-10;
- two short epochs of four batches each instead of fourteen epochs of 938.
"""

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def train(log_interval, model, device, train_loader, optimizer, epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % log_interval == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.12f}'.format(
                epoch, batch_idx * len(data), len(train_loader.dataset),
                100. * batch_idx / len(train_loader), loss.item()))


def test(model, device, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction='sum').item()  # sum up batch loss
            pred = output.argmax(dim=1, keepdim=True)  # get the index of the max log-probability
            correct += pred.eq(target.view_as(pred)).sum().item()

    test_loss /= len(test_loader.dataset)

    print('\nTest set: Average loss: {:.10f}, Accuracy: {}/{} ({:.0f}%)\n'.format(
        test_loss, correct, len(test_loader.dataset),
        100. * correct / len(test_loader.dataset)))


def numpy_init(model, rng):
    """torch's default ranges for Conv2d and Linear: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the
    weights (kaiming_uniform with a = sqrt(5) gives that bound) and the biases."""
    with torch.no_grad():
        for layer in (model.conv1, model.conv2, model.fc1, model.fc2):
            fan_in = layer.weight[0].numel()
            bound = 1 / math.sqrt(fan_in)
            layer.weight.copy_(torch.tensor(rng.uniform(-bound, bound, tuple(layer.weight.shape))))
            layer.bias.copy_(torch.tensor(rng.uniform(-bound, bound, tuple(layer.bias.shape))))


rng = np.random.default_rng(1)
device = torch.device("cpu")

# Pictures with structure a network can learn: each class has its own mean picture.
class_means = rng.uniform(0.0, 1.0, (10, 28, 28))
labels = rng.integers(0, 10, 256)
pictures = np.clip(class_means[labels] + rng.normal(0.0, 0.3, (256, 28, 28)), 0.0, 1.0)
normalised = (pictures - 0.1307) / 0.3081
images = torch.tensor(normalised[:, None, :, :], dtype=torch.float64)
targets = torch.tensor(labels)
train_loader = DataLoader(TensorDataset(images[:192], targets[:192]), batch_size=64)
test_loader = DataLoader(TensorDataset(images[192:], targets[192:]), batch_size=1000)

model = Net().to(device).double()
numpy_init(model, rng)
model.dropout1.p = 0.0
model.dropout2.p = 0.0
print(model)

with torch.no_grad():
    first_loss = F.nll_loss(model(images[:64]), targets[:64])
print(f"first-batch loss from the NumPy weights: {first_loss.item():.12f}")

optimizer = optim.Adadelta(model.parameters(), lr=1.0)
scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
for epoch in range(1, 3):
    train(1, model, device, train_loader, optimizer, epoch)
    test(model, device, test_loader)
    scheduler.step()
    print(f"learning rate now {scheduler.get_last_lr()[0]:.4f}")
