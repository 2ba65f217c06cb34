# torch.linalg basics: inv, det, slogdet, solve, norms; values and gradients.
import torch
torch.manual_seed(0)
A = torch.randn(3, 3, dtype=torch.float64, requires_grad=True)
print(torch.linalg.inv(A))
print(torch.linalg.det(A), torch.det(A), A.det())
s, l = torch.linalg.slogdet(A)
print(s.item(), l)
b = torch.randn(3, dtype=torch.float64)
x = torch.linalg.solve(A, b)
print(x, torch.allclose(A @ x, b))
B = torch.randn(3, 2, dtype=torch.float64)
print(torch.linalg.solve(A, B))
torch.linalg.det(A).backward()
print(A.grad)
A.grad = None
torch.linalg.inv(A).sum().backward()
print(A.grad)
A.grad = None
torch.linalg.solve(A, B).sum().backward()
print(A.grad)
Ab = torch.randn(2, 2, 2)
print(torch.linalg.inv(Ab), torch.linalg.det(Ab))
v = torch.tensor([3., -4., 0.])
print(torch.linalg.norm(v), torch.linalg.vector_norm(v, 1), torch.linalg.vector_norm(v, float('inf')), torch.linalg.vector_norm(v, 0))
M = torch.tensor([[1., -2.], [3., 4.]])
print(torch.linalg.norm(M), torch.linalg.matrix_norm(M), torch.linalg.matrix_norm(M, 1), torch.linalg.matrix_norm(M, float('inf')), torch.linalg.norm(M, dim=1))
print(torch.inverse(M))
try:
    torch.linalg.inv(torch.zeros(2, 2))
except RuntimeError as e:
    print("RuntimeError", e)

# expect: tensor([[ 1.8368, -1.9166, -1.8372],
# expect:         [-0.1461, -0.2160,  0.8626],
# expect:         [ 0.8598, -1.3265, -1.4156]], dtype=torch.float64,
# expect:        grad_fn=<LinalgInvExBackward0>)
# expect: tensor(1.0628, dtype=torch.float64, grad_fn=<LinalgDetBackward0>) tensor(1.0628, dtype=torch.float64, grad_fn=<LinalgDetBackward0>) tensor(1.0628, dtype=torch.float64, grad_fn=<LinalgDetBackward0>)
# expect: 1.0 tensor(0.0609, dtype=torch.float64, grad_fn=<LinalgSlogdetBackward0>)
# expect: tensor([0.0682, 0.3448, 0.1869], dtype=torch.float64,
# expect:        grad_fn=<LinalgSolveExBackward0>) True
# expect: tensor([[ 1.5200,  1.1009],
# expect:         [-0.1320,  0.1345],
# expect:         [ 1.4860,  0.2554]], dtype=torch.float64,
# expect:        grad_fn=<LinalgSolveExBackward0>)
# expect: tensor([[ 1.9521, -0.1553,  0.9138],
# expect:         [-2.0369, -0.2296, -1.4097],
# expect:         [-1.9526,  0.9167, -1.5045]], dtype=torch.float64)
# expect: tensor([[ 4.8894, -1.2765,  4.8007],
# expect:         [-6.6312,  1.7312, -6.5108],
# expect:         [-4.5821,  1.1963, -4.4989]], dtype=torch.float64)
# expect: tensor([[-6.6846e+00, -6.5949e-03, -4.4414e+00],
# expect:         [ 9.0659e+00,  8.9442e-03,  6.0236e+00],
# expect:         [ 6.2645e+00,  6.1804e-03,  4.1622e+00]], dtype=torch.float64)
# expect: tensor([[[-1.9676, -2.0387],
# expect:          [ 0.5004,  1.2050]],
# expect:
# expect:         [[ 1.2163, -0.7457],
# expect:          [-0.1847,  0.9045]]]) tensor([-0.7402,  1.0391])
# expect: tensor(5.) tensor(7.) tensor(4.) tensor(2.)
# expect: tensor(5.4772) tensor(5.4772) tensor(6.) tensor(7.) tensor([2.2361, 5.0000])
# expect: tensor([[ 0.4000,  0.2000],
# expect:         [-0.3000,  0.1000]])
# expect: RuntimeError linalg.inv: The diagonal element 1 is zero, the inversion could not be completed because the input matrix is singular.
