# Follows: PyTorch tutorials, "Learn the Basics", "Save and Load the Model"
#   (https://pytorch.org/tutorials/beginner/basics/saveandload.html)
# Edits: torchvision's pretrained vgg16 replaced by a small VGG-like
#   nn.Sequential with seeded weights; saving the whole model (pickle) left
#   out; the weights file removed at the end; outputs printed to show the
#   weights came back.
import os
import torch
from torch import nn

torch.manual_seed(0)

def vgg_small():
    return nn.Sequential(
        nn.Conv2d(3, 8, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(8 * 4 * 4, 16),
        nn.ReLU(),
        nn.Dropout(p=0.5),
        nn.Linear(16, 10),
    )

x = torch.rand(2, 3, 8, 8)

# Saving and Loading Model Weights
model = vgg_small()
model.eval()
expected = model(x)
torch.save(model.state_dict(), 'model_weights.pth')

model = vgg_small() # we do not specify ``weights``, i.e. create untrained model
print(torch.allclose(model(x), expected))
model.load_state_dict(torch.load('model_weights.pth', weights_only=True))
model.eval()
print(model)

for name, value in model.state_dict().items():
    print(name, tuple(value.shape))
print(model(x))
print(torch.equal(model(x), expected))

os.remove('model_weights.pth')
print(os.path.exists('model_weights.pth'))
