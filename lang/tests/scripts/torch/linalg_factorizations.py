# torch.linalg factorizations: cholesky, qr, eigh, svd and what is built on
# them; values, named results, gradients and errors. Eigen- and singular
# vectors are compared up to sign (PyTorch leaves the sign to LAPACK).
import torch
torch.manual_seed(0)
X = torch.randn(4, 4, dtype=torch.float64)
A = (X @ X.T + torch.eye(4, dtype=torch.float64)).requires_grad_()
L = torch.linalg.cholesky(A)
print(L)
print(torch.linalg.cholesky(A, upper=True).allclose(L.T))
L.sum().backward()
print(A.grad)
try:
    torch.linalg.cholesky(torch.tensor([[1., 2.], [2., 1.]]))
except RuntimeError as e:
    print("RuntimeError:", e)

M = torch.tensor([[1., 2.], [3., 4.]])
print(torch.linalg.qr(M))
Q, R = torch.linalg.qr(torch.randn(5, 3))
print(Q.shape, R.shape, torch.allclose(Q.T @ Q, torch.eye(3), atol=1e-6))
q = torch.linalg.qr(torch.randn(5, 3), mode='complete')
print(q.Q.shape, q.R.shape)
print(torch.linalg.qr(M, mode="r").R)
W = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
Q, R = torch.linalg.qr(W)
(Q.sum() + (R * R).sum()).backward()
print(W.grad)

S = torch.tensor([[2., 1.], [1., 2.]])
e = torch.linalg.eigh(S)
print(e.eigenvalues, e.eigenvectors.abs())
print(torch.linalg.eigvalsh(torch.tensor([[4., 1., 0.], [1., 3., 1.], [0., 1., 2.]])))
Y = torch.randn(3, 3, dtype=torch.float64, requires_grad=True)
vals, vecs = torch.linalg.eigh(Y + Y.T)
(vals.sum() + vals[0] ** 2 + (vecs ** 2)[0].sum()).backward()
print(vals, Y.grad)

B = torch.tensor([[3., 0.], [4., 5.]])
print(torch.linalg.svdvals(B))
U, s, Vh = torch.linalg.svd(B)
print(s, torch.allclose(U @ torch.diag(s) @ Vh, B, atol=1e-6))
U, s, Vh = torch.linalg.svd(torch.randn(5, 3))
print(U.shape, s.shape, Vh.shape)
U, s, Vh = torch.linalg.svd(torch.randn(5, 3), full_matrices=False)
print(U.shape, s.shape, Vh.shape)
r = torch.svd(B)
print(r.S, torch.allclose(r.U @ torch.diag(r.S) @ r.V.T, B, atol=1e-6))
Z = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
torch.linalg.svdvals(Z).sum().backward()
print(Z.grad.abs().sum() > 0, torch.linalg.matrix_norm(Z.detach(), 'nuc'))
print(torch.linalg.matrix_norm(B, 2), torch.linalg.matrix_norm(B, -2), torch.linalg.norm(B, 'nuc'))

T = torch.tensor([[2., 0., 0.], [1., 3., 0.], [4., 5., 6.]])
b = torch.tensor([[1.], [2.], [3.]])
print(torch.linalg.solve_triangular(T, b, upper=False))
print(torch.linalg.solve_triangular(T.T, b, upper=True))
print(torch.linalg.matrix_rank(torch.tensor([[1., 2.], [2., 4.]])), torch.linalg.matrix_rank(T))
print(torch.linalg.pinv(torch.tensor([[1., 2.], [3., 4.], [5., 6.]])))
print(torch.pinverse(torch.tensor([[1., 2.], [3., 4.], [5., 6.]]).T), torch.linalg.pinv(torch.tensor([[1., 2.], [2., 4.]])))
sol = torch.linalg.lstsq(torch.tensor([[1., 1.], [1., 2.], [1., 3.]]), torch.tensor([[1.], [2.], [2.]]))
print(sol.solution, sol.rank)
print(torch.linalg.matrix_power(M, 3), torch.matrix_power(M, 0), M.matrix_power(-1))
print(torch.linalg.slogdet(M))

# expect: tensor([[ 2.9329,  0.0000,  0.0000,  0.0000],
# expect:         [ 0.7889,  1.9812,  0.0000,  0.0000],
# expect:         [ 1.3973, -1.9434,  1.8565,  0.0000],
# expect:         [-0.6492,  0.3713, -0.5424,  1.7496]], dtype=torch.float64,
# expect:        grad_fn=<LinalgCholeskyExBackward0>)
# expect: True
# expect: tensor([[ 0.2317, -0.1576, -0.0772, -0.0809],
# expect:         [-0.1576,  0.6912,  0.5515,  0.5449],
# expect:         [-0.0772,  0.5515,  0.3724,  0.3528],
# expect:         [-0.0809,  0.5449,  0.3528,  0.2858]], dtype=torch.float64)
# expect: RuntimeError: linalg.cholesky: The factorization could not be completed because the input is not positive-definite (the leading minor of order 2 is not positive-definite).
# expect: torch.return_types.linalg_qr(
# expect: Q=tensor([[-0.3162, -0.9487],
# expect:         [-0.9487,  0.3162]]),
# expect: R=tensor([[-3.1623, -4.4272],
# expect:         [ 0.0000, -0.6325]]))
# expect: torch.Size([5, 3]) torch.Size([3, 3]) True
# expect: torch.Size([5, 5]) torch.Size([5, 3])
# expect: tensor([[-3.1623, -4.4272],
# expect:         [ 0.0000, -0.6325]])
# expect: tensor([[ 4.2099, -2.4786,  3.6454],
# expect:         [ 7.0111, -3.3205, -2.6587],
# expect:         [ 3.2243,  4.8414,  0.2367],
# expect:         [-0.1428, -4.0875, -1.5091]], dtype=torch.float64)
# expect: tensor([1., 3.]) tensor([[0.7071, 0.7071],
# expect:         [0.7071, 0.7071]])
# expect: tensor([1.2679, 3.0000, 4.7321])
# expect: tensor([-4.1805,  2.6585,  4.8143], dtype=torch.float64,
# expect:        grad_fn=<LinalgEighBackward0>) tensor([[  1.8402,   0.5335,  -1.5370],
# expect:         [  0.5335,   0.2192,   5.1305],
# expect:         [ -1.5370,   5.1305, -12.7813]], dtype=torch.float64)
# expect: tensor([6.7082, 2.2361])
# expect: tensor([6.7082, 2.2361]) True
# expect: torch.Size([5, 5]) torch.Size([3]) torch.Size([3, 3])
# expect: torch.Size([5, 3]) torch.Size([3]) torch.Size([3, 3])
# expect: tensor([6.7082, 2.2361]) True
# expect: tensor(True) tensor(7.8613, dtype=torch.float64)
# expect: tensor(6.7082) tensor(2.2361) tensor(8.9443)
# expect: tensor([[ 0.5000],
# expect:         [ 0.5000],
# expect:         [-0.2500]])
# expect: tensor([[-0.4167],
# expect:         [-0.1667],
# expect:         [ 0.5000]])
# expect: tensor(1) tensor(3)
# expect: tensor([[-1.3333, -0.3333,  0.6667],
# expect:         [ 1.0833,  0.3333, -0.4167]])
# expect: tensor([[-1.3333,  1.0833],
# expect:         [-0.3333,  0.3333],
# expect:         [ 0.6667, -0.4167]]) tensor([[0.0400, 0.0800],
# expect:         [0.0800, 0.1600]])
# expect: tensor([[0.6667],
# expect:         [0.5000]]) tensor(2)
# expect: tensor([[ 37.,  54.],
# expect:         [ 81., 118.]]) tensor([[1., 0.],
# expect:         [0., 1.]]) tensor([[-2.0000,  1.0000],
# expect:         [ 1.5000, -0.5000]])
# expect: torch.return_types.linalg_slogdet(
# expect: sign=tensor(-1.),
# expect: logabsdet=tensor(0.6931))
