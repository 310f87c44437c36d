"""Learn the basics: "Datasets & DataLoaders".

A custom Dataset (``__init__``, ``__len__``, ``__getitem__``) over images and labels, indexing
it, and a DataLoader that batches it; then iterating over the loader.

Differences from the tutorial, so that torch and tinygrad_edu print the same numbers:
- no torchvision and no files: the "images" are a synthetic FashionMNIST-shaped set drawn with
  NumPy (np.random.default_rng(seed)): uint8 arrays of shape (1, 28, 28) and labels 0..9, held
  in memory where the tutorial reads image files and a CSV of labels;
- torch's random generator and tinygrad_edu's differ, so the sample indices come from NumPy
  and the training DataLoader does not shuffle (a shuffled order cannot match).
"""

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

rng = np.random.default_rng(0)

labels_map = {
    0: "T-Shirt", 1: "Trouser", 2: "Pullover", 3: "Dress", 4: "Coat",
    5: "Sandal", 6: "Shirt", 7: "Sneaker", 8: "Bag", 9: "Ankle Boot",
}


def make_images(count):
    """``count`` uint8 images of shape (1, 28, 28) and their labels: each class lights up its
    own band of rows, plus noise, so that a label can be read back from its image."""
    labels = rng.integers(0, 10, size=count)
    images = rng.integers(0, 64, size=(count, 1, 28, 28))
    for index, label in enumerate(labels):
        images[index, 0, 2 * label:2 * label + 8, :] += 160
    return images.astype(np.uint8), labels


class CustomImageDataset(Dataset):
    def __init__(self, images, labels, transform=None, target_transform=None):
        """Keeps the images and labels (the tutorial keeps a CSV of labels and a folder)."""
        self.img_labels = labels
        self.images = images
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        """The number of samples."""
        return len(self.img_labels)

    def __getitem__(self, idx):
        """Sample idx as (image tensor, label), each through its transform if one is set."""
        image = torch.from_numpy(self.images[idx])
        label = int(self.img_labels[idx])
        if self.transform:
            image = self.transform(image)
        if self.target_transform:
            label = self.target_transform(label)
        return image, label


def to_float(image):
    """uint8 pixels to floats in [0, 1], as torchvision's ToTensor does."""
    return image.float() / 255


training_data = CustomImageDataset(*make_images(600), transform=to_float)
test_data = CustomImageDataset(*make_images(100), transform=to_float)
print(len(training_data), len(test_data))

# --- Iterating and visualizing the dataset (a description in place of a plot)

for i in range(1, 10):
    sample_idx = int(rng.integers(len(training_data)))
    img, label = training_data[sample_idx]
    print(sample_idx, labels_map[label], img.shape, img.dtype, img.squeeze().mean().item())

# --- Preparing the data for training with DataLoaders

train_dataloader = DataLoader(training_data, batch_size=64, shuffle=False)
test_dataloader = DataLoader(test_data, batch_size=64, shuffle=False)
print(len(train_dataloader), len(test_dataloader))

# --- Iterate through the DataLoader

train_features, train_labels = next(iter(train_dataloader))
print(f"Feature batch shape: {train_features.size()}")
print(f"Labels batch shape: {train_labels.size()}")
img = train_features[0].squeeze()
label = train_labels[0]
print(f"Image: shape {img.shape}, mean {img.mean()}")
print(f"Label: {label}")
print(train_labels)

# One full pass: the last batch holds the remainder.
for batch, (X, y) in enumerate(test_dataloader):
    print(batch, X.shape, X.dtype, y.shape, y.dtype, y.sum().item(), X.sum().item())
