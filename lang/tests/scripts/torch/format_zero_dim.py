# f-strings and format() of tensors as PyTorch: a 0-dim tensor formats as
# its number, with or without a spec; others as their str.
import torch
t = torch.tensor(3.14159)
print(f"{t}", f"{t:.2f}", format(t, ".3f"), format(t), "{}".format(t))
loss = torch.tensor(0.123456789, requires_grad=True) * 2
print(f"loss {loss}", f"{loss:.4f}")
print(f"{torch.tensor(7)}", f"{torch.tensor(True)}")
print(f"{torch.tensor([1.5, 2.0])}")
class P:
    def __format__(self, spec):
        return "P<" + spec + ">"
print(f"{P()}", f"{P():x}", format(P()))

# expect: 3.141590118408203 3.14 3.142 3.141590118408203 3.141590118408203
# expect: loss 0.2469135820865631 0.2469
# expect: 7 True
# expect: tensor([1.5000, 2.0000])
# expect: P<> P<x> P<>
