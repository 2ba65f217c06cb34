# Average pooling as PyTorch's: windows, strides, padding counted or not,
# adaptive bins (equal and unequal), values and gradients.
import torch
import torch.nn as nn
import torch.nn.functional as F
x = torch.arange(2 * 2 * 5 * 6, dtype=torch.float32).reshape(2, 2, 5, 6)
print(nn.AvgPool2d(2))
print(nn.AvgPool2d(2)(x)[0, 0])
print(F.avg_pool2d(x, 3, stride=2)[1, 1])
print(F.avg_pool2d(x, 3, stride=1, padding=1)[0, 0])
print(F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)[0, 1])
print(F.avg_pool2d(x, (2, 3), divisor_override=2)[0, 0])
print(F.avg_pool2d(x[0], 2).shape)
print(nn.AdaptiveAvgPool2d(1)(x).flatten())
print(nn.AdaptiveAvgPool2d((2, 3))(x)[0, 0])
print(F.adaptive_avg_pool2d(x, (3, 4))[1, 0])
print(nn.AdaptiveAvgPool2d((2, 3)))
g = torch.randn(1, 1, 5, 5, requires_grad=True)
F.avg_pool2d(g, 3, stride=2, padding=1, count_include_pad=False).sum().backward()
print(g.grad)
g.grad = None
F.adaptive_avg_pool2d(g, 3).pow(2).sum().backward()
print(g.grad.abs().sum() > 0, g.grad.shape)

# ceil_mode: partial last windows (divided by the cells they cover).
xc = torch.arange(2 * 5 * 7.).reshape(1, 2, 5, 7)
for k, s, p, inc in [(2, None, 0, True), (3, 2, 1, True), (3, 2, 1, False), (2, 3, 0, True), ((2, 3), (2, 2), (1, 0), True)]:
    yc = F.avg_pool2d(xc, k, s, p, ceil_mode=True, count_include_pad=inc)
    print(yc.shape, yc[0, 1, -1])
mc = nn.AvgPool2d(3, 2, 1, ceil_mode=True)
print(mc, mc.ceil_mode, mc(xc).shape)

# expect: AvgPool2d(kernel_size=2, stride=2, padding=0)
# expect: tensor([[ 3.5000,  5.5000,  7.5000],
# expect:         [15.5000, 17.5000, 19.5000]])
# expect: tensor([[ 97.,  99.],
# expect:         [109., 111.]])
# expect: tensor([[ 1.5556,  2.6667,  3.3333,  4.0000,  4.6667,  3.3333],
# expect:         [ 4.3333,  7.0000,  8.0000,  9.0000, 10.0000,  7.0000],
# expect:         [ 8.3333, 13.0000, 14.0000, 15.0000, 16.0000, 11.0000],
# expect:         [12.3333, 19.0000, 20.0000, 21.0000, 22.0000, 15.0000],
# expect:         [ 9.5556, 14.6667, 15.3333, 16.0000, 16.6667, 11.3333]])
# expect: tensor([[33.5000, 35.0000, 37.0000],
# expect:         [42.5000, 44.0000, 46.0000],
# expect:         [51.5000, 53.0000, 55.0000]])
# expect: tensor([[12., 21.],
# expect:         [48., 57.]])
# expect: torch.Size([2, 2, 3])
# expect: tensor([ 14.5000,  44.5000,  74.5000, 104.5000])
# expect: tensor([[ 6.5000,  8.5000, 10.5000],
# expect:         [18.5000, 20.5000, 22.5000]])
# expect: tensor([[63.5000, 64.5000, 66.5000, 67.5000],
# expect:         [72.5000, 73.5000, 75.5000, 76.5000],
# expect:         [81.5000, 82.5000, 84.5000, 85.5000]])
# expect: AdaptiveAvgPool2d(output_size=(2, 3))
# expect: tensor([[[[0.2500, 0.4167, 0.1667, 0.4167, 0.2500],
# expect:           [0.4167, 0.6944, 0.2778, 0.6944, 0.4167],
# expect:           [0.1667, 0.2778, 0.1111, 0.2778, 0.1667],
# expect:           [0.4167, 0.6944, 0.2778, 0.6944, 0.4167],
# expect:           [0.2500, 0.4167, 0.1667, 0.4167, 0.2500]]]])
# expect: tensor(True) torch.Size([1, 1, 5, 5])
# expect: torch.Size([1, 2, 3, 4]) tensor([63.5000, 65.5000, 67.5000, 69.0000])
# expect: torch.Size([1, 2, 3, 4]) tensor([26.6667, 41.0000, 42.3333, 28.8889])
# expect: torch.Size([1, 2, 3, 4]) tensor([60.0000, 61.5000, 63.5000, 65.0000])
# expect: torch.Size([1, 2, 2, 3]) tensor([60.0000, 63.0000, 65.5000])
# expect: torch.Size([1, 2, 3, 3]) tensor([60.5000, 62.5000, 64.5000])
# expect: AvgPool2d(kernel_size=3, stride=2, padding=1) True torch.Size([1, 2, 3, 4])
