# torch.accelerator and the default device, as a CPU-only PyTorch answers.
import torch
print(torch.accelerator.is_available(), torch.accelerator.device_count())
print(torch.accelerator.current_accelerator(check_available=True))
device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
print(device)
torch.set_default_device("cpu")
print(torch.get_default_device())
torch.cuda.manual_seed_all(0)
x = torch.ones(2, device=device)
print(x.device)

# expect: False 0
# expect: None
# expect: cpu
# expect: cpu
# expect: cpu
