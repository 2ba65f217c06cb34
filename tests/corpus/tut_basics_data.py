# Follows: PyTorch tutorials, "Learn the Basics", "Datasets & DataLoaders"
#   (https://pytorch.org/tutorials/beginner/basics/data_tutorial.html), with
#   the target_transform of "Transforms"
#   (https://pytorch.org/tutorials/beginner/basics/transforms_tutorial.html)
# Edits: the annotations CSV and image files replaced by an inline list of
#   (file name, label) rows and a dict of seeded random 1x8x8 "images";
#   ToTensor replaced by a scaling lambda; plots replaced by prints; shuffling
#   from a seeded generator; batch size 4.
import torch
from torch.utils.data import Dataset
from torch.utils.data import DataLoader

torch.manual_seed(0)

labels_map = {
    0: "T-Shirt",
    1: "Trouser",
    2: "Pullover",
    3: "Dress",
    4: "Coat",
    5: "Sandal",
    6: "Shirt",
    7: "Sneaker",
    8: "Bag",
    9: "Ankle Boot",
}

# Stand-in for annotations_file (a CSV of file name, label) and img_dir.
annotations = [("tshirt1.jpg", 0), ("tshirt2.jpg", 0), ("ankleboot999.jpg", 9),
               ("dress7.jpg", 3), ("bag3.jpg", 8), ("coat12.jpg", 4),
               ("sneaker5.jpg", 7), ("trouser2.jpg", 1), ("shirt9.jpg", 6),
               ("sandal4.jpg", 5)]
img_files = {name: (torch.rand(1, 8, 8) * 255).round() for name, _ in annotations}


def decode_image(img_path):
    return img_files[img_path]


class CustomImageDataset(Dataset):
    def __init__(self, annotations_file, img_dir, transform=None, target_transform=None):
        self.img_labels = annotations_file
        self.img_dir = img_dir
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.img_labels)

    def __getitem__(self, idx):
        img_path = self.img_labels[idx][0]
        image = decode_image(img_path)
        label = self.img_labels[idx][1]
        if self.transform:
            image = self.transform(image)
        if self.target_transform:
            label = self.target_transform(label)
        return image, label


training_data = CustomImageDataset(annotations, "img_dir", transform=lambda x: x / 255)
print(len(training_data))

# Iterating and Visualizing the Dataset
cols, rows = 3, 1
for i in range(1, cols * rows + 1):
    sample_idx = torch.randint(len(training_data), size=(1,)).item()
    img, label = training_data[sample_idx]
    print(sample_idx, labels_map[label], img.squeeze().shape, f"{img.mean():.4f}")

# Preparing your data for training with DataLoaders
g = torch.Generator().manual_seed(0)
train_dataloader = DataLoader(training_data, batch_size=4, shuffle=True, generator=g)

# Iterate through the DataLoader
train_features, train_labels = next(iter(train_dataloader))
print(f"Feature batch shape: {train_features.size()}")
print(f"Labels batch shape: {train_labels.size()}")
img = train_features[0].squeeze()
label = train_labels[0]
print(img[:2])
print(f"Label: {label}")

for batch, (X, y) in enumerate(train_dataloader):
    print(batch, X.shape, y)
print(len(train_dataloader))

# Transforms: one-hot encoded labels through target_transform
ds = CustomImageDataset(
    annotations, "img_dir",
    transform=lambda x: x / 255,
    target_transform=lambda y: torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1)
)
img, label = ds[2]
print(label)
for X, y in DataLoader(ds, batch_size=5):
    print(X.shape, y.shape, y.dtype)
    print(y)
