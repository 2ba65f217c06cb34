# Random streams as PyTorch's: torch.Generator beside the global stream,
# generator= on every random function, multinomial (with and without
# replacement, PyTorch's algorithms), normal, bernoulli, exponential_.
import torch
torch.manual_seed(0)
print(torch.multinomial(torch.tensor([0.1, 0.2, 0.3, 0.4]), 3))
print(torch.multinomial(torch.tensor([0.1, 0.2, 0.3, 0.4]), 8, replacement=True))
print(torch.multinomial(torch.tensor([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]]), 2))
print(torch.multinomial(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64), 10, True))
print(torch.multinomial(torch.tensor([0.3, 0.7]), 1))
p = torch.rand(27)
print(torch.multinomial(p, 20, replacement=True))
print(torch.multinomial(p, 5))
g = torch.Generator().manual_seed(2147483647)
print(torch.multinomial(p, 6, replacement=True, generator=g))
print(torch.rand(3, generator=g))
print(torch.randn(2, 3, generator=g))
print(torch.randint(0, 10, (5,), generator=g))
print(torch.randperm(6, generator=g))
print(torch.rand(2))
print(torch.normal(0.0, 1.0, size=(3,)))
print(torch.normal(torch.zeros(3), torch.ones(3) * 2))
print(torch.normal(torch.arange(4.), 1.0))
print(torch.bernoulli(torch.tensor([0.1, 0.5, 0.9, 0.3])))
print(torch.bernoulli(torch.full((5,), 0.5), generator=g))
print(torch.empty(4).exponential_())
print(torch.empty(4).exponential_(2.0, generator=g))
print(torch.empty(6).bernoulli_(0.3))
print(torch.empty(3, dtype=torch.float64).normal_(generator=g))
print(torch.empty(3).uniform_(-1, 1, generator=g))
print(g.initial_seed(), g.device)
xenc = torch.randn(4, 27, generator=g)
probs = xenc.exp() / xenc.exp().sum(1, keepdim=True)
print(torch.multinomial(probs, num_samples=1, replacement=True, generator=g))

try:
    torch.multinomial(torch.tensor([0.5, 0.5]), 3)
except Exception as e:
    print(type(e).__name__, str(e)[:60])
try:
    torch.multinomial(torch.tensor([-0.5, 0.5]), 1)
except Exception as e:
    print(type(e).__name__, str(e)[:60])
try:
    torch.multinomial(torch.tensor([0.0, 0.0]), 1)
except Exception as e:
    print(type(e).__name__, str(e)[:60])
try:
    torch.multinomial(torch.tensor([1, 2]), 1)
except Exception as e:
    print(type(e).__name__, str(e)[:60])

# expect: tensor([2, 1, 3])
# expect: tensor([3, 3, 1, 2, 2, 1, 2, 1])
# expect: tensor([[0, 1],
# expect:         [2, 1]])
# expect: tensor([2, 2, 1, 2, 0, 2, 1, 2, 2, 2])
# expect: tensor([1])
# expect: tensor([ 4, 15,  0, 12,  9, 21, 16, 16, 26, 24, 24, 14,  9, 15, 15,  4, 25,  6,
# expect:         22, 15])
# expect: tensor([ 0,  9, 14, 13, 19])
# expect: tensor([15, 21, 16,  1,  1, 24])
# expect: tensor([0.8640, 0.7391, 0.3845])
# expect: tensor([[-0.1218, -2.1689, -1.0795],
# expect:         [-0.0690, -1.5420,  0.5275]])
# expect: tensor([0, 2, 2, 7, 1])
# expect: tensor([2, 0, 3, 5, 4, 1])
# expect: tensor([0.3953, 0.8571])
# expect: tensor([0.7670, 0.6899, 0.3282])
# expect: tensor([ 1.0171, -0.1031, -1.2496])
# expect: tensor([0.2844, 0.0870, 3.1218, 2.3148])
# expect: tensor([0., 1., 1., 0.])
# expect: tensor([0., 0., 0., 0., 0.])
# expect: tensor([0.4683, 0.7062, 0.2348, 0.0906])
# expect: tensor([0.3676, 0.8206, 0.2753, 0.4201])
# expect: tensor([0., 0., 0., 0., 1., 0.])
# expect: tensor([-0.0045, -0.5745, -1.4643], dtype=torch.float64)
# expect: tensor([ 0.5402,  0.7540, -0.9221])
# expect: 2147483647 cpu
# expect: tensor([[15],
# expect:         [ 6],
# expect:         [13],
# expect:         [25]])
# expect: RuntimeError cannot sample n_sample > prob_dist.size(-1) samples without 
# expect: RuntimeError probability tensor contains either `inf`, `nan` or element <
# expect: RuntimeError invalid multinomial distribution (sum of probabilities <= 0)
# expect: RuntimeError multinomial only supports floating-point dtypes for input, g
