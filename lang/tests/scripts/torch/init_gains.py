# nn.init: Kaiming and Xavier in both forms, gains, modes; seeded draws equal PyTorch's.
import torch
import torch.nn as nn

for nl in ["linear", "sigmoid", "tanh", "relu", "selu"]:
    print(nl, round(nn.init.calculate_gain(nl), 6))
print(round(nn.init.calculate_gain("leaky_relu"), 6), round(nn.init.calculate_gain("leaky_relu", 0.2), 6))
torch.manual_seed(0)
w = torch.empty(3, 4)
nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
print(w)
nn.init.kaiming_uniform_(w, a=0.1)
print(w)
nn.init.xavier_normal_(w, gain=nn.init.calculate_gain("tanh"))
print(w)
big = torch.empty(512, 256)
nn.init.kaiming_normal_(big, nonlinearity="relu")
print(round(big.std().item(), 2), round((2 / 256) ** 0.5, 2))
try:
    nn.init.kaiming_normal_(w, mode="fan_avg")
except ValueError as e:
    print(e)
nn.init.calculate_gain("softplus")

# expect: linear 1
# expect: sigmoid 1
# expect: tanh 1.666667
# expect: relu 1.414214
# expect: selu 0.75
# expect: 1.414143 1.38675
# expect: tensor([[ 1.2582, -0.2396, -1.7790,  0.4641],
# expect:         [-0.8855, -1.1419,  0.3293,  0.6842],
# expect:         [-0.5873, -0.3293, -0.4872,  0.1486]])
# expect: tensor([[-0.1964,  0.1290,  1.1035, -1.1305],
# expect:         [-0.7672, -0.3085, -0.4750,  1.0529],
# expect:         [-0.7899, -0.5610, -0.8514, -1.1414]])
# expect: tensor([[-0.7947, -1.3444,  0.3300,  1.2976],
# expect:         [ 0.8372,  0.6903,  0.1709,  1.1259],
# expect:         [-1.1496, -0.7048, -0.0186, -0.6401]])
# expect: 0.09 0.09
# expect: Mode fan_avg not supported, please use one of ['fan_in', 'fan_out']
# expect error: ValueError: Unsupported nonlinearity softplus
