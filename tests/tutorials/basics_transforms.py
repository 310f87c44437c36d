"""Learn the basics: "Transforms".

A dataset's samples pass through a transform (images to float tensors in [0, 1], what
torchvision's ToTensor does) and a target transform (labels to one-hot vectors made with
``zeros(...).scatter_(0, tensor(y), value=1)``, what the tutorial wraps in a Lambda).

Differences from the tutorial, so that torch and tinygrad_edu print the same numbers:
- no torchvision: the images are synthetic, drawn with NumPy (np.random.default_rng(seed)) as
  uint8 arrays of shape (28, 28, 1), and the two transforms are plain functions written with
  tensor operations;
- torch's random generator and tinygrad_edu's differ, hence NumPy for every random value.
"""

import numpy as np
import torch
from torch.utils.data import Dataset

rng = np.random.default_rng(0)


def to_tensor(pic):
    """A (H, W, C) uint8 array to a (C, H, W) float tensor in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(pic.transpose(2, 0, 1))).float().div(255)


def one_hot(y):
    """Label y to a float vector of ten zeros with a one at index y."""
    return torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1)


class SyntheticFashion(Dataset):
    def __init__(self, count, transform=None, target_transform=None):
        """``count`` random uint8 images of shape (28, 28, 1) and labels 0..9."""
        self.images = rng.integers(0, 256, size=(count, 28, 28, 1)).astype(np.uint8)
        self.labels = rng.integers(0, 10, size=count)
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        image, label = self.images[idx], int(self.labels[idx])
        if self.transform:
            image = self.transform(image)
        if self.target_transform:
            label = self.target_transform(label)
        return image, label


ds = SyntheticFashion(8, transform=to_tensor, target_transform=one_hot)

for index in range(len(ds)):
    image, target = ds[index]
    print(image.shape, image.dtype, image.min().item(), image.max().item(), image.sum().item())
    print(target)
