# Follows: Dive into Deep Learning (PyTorch), "Recurrent Neural Network
#   Implementation from Scratch"
#   (https://d2l.ai/chapter_recurrent-neural-networks/rnn-scratch.html)
# Edits: no d2l package: The Time Machine replaced by a short inline text with
#   a character vocabulary built inline, sequential minibatches inlined;
#   RNNModelScratch, grad_clipping, predict_ch8 and sgd as in the classic
#   edition; seeds fixed; 20 epochs on a tiny corpus, small hidden size.
import math
import random
import torch
from torch import nn
from torch.nn import functional as F

torch.manual_seed(0)
random.seed(0)

text = ('the time traveller for so it will be convenient to speak of him '
        'was expounding a recondite matter to us his grey eyes shone and '
        'twinkled and his usually pale face was flushed and animated')
idx_to_token = ['<unk>'] + sorted(set(text))
token_to_idx = {token: idx for idx, token in enumerate(idx_to_token)}
corpus = [token_to_idx[ch] for ch in text]
vocab_size = len(idx_to_token)
print(vocab_size, len(corpus))

print(F.one_hot(torch.tensor([0, 2]), vocab_size))

X = torch.arange(10).reshape((2, 5))
print(F.one_hot(X.T, 28).shape)


def seq_data_iter_sequential(corpus, batch_size, num_steps):
    """Generate a minibatch of subsequences using sequential partitioning."""
    # Start with a random offset to partition a sequence
    offset = random.randint(0, num_steps)
    num_tokens = ((len(corpus) - offset - 1) // batch_size) * batch_size
    Xs = torch.tensor(corpus[offset: offset + num_tokens])
    Ys = torch.tensor(corpus[offset + 1: offset + 1 + num_tokens])
    Xs, Ys = Xs.reshape(batch_size, -1), Ys.reshape(batch_size, -1)
    num_batches = Xs.shape[1] // num_steps
    for i in range(0, num_steps * num_batches, num_steps):
        X = Xs[:, i: i + num_steps]
        Y = Ys[:, i: i + num_steps]
        yield X, Y


def get_params(vocab_size, num_hiddens, device):
    num_inputs = num_outputs = vocab_size

    def normal(shape):
        return torch.randn(size=shape, device=device) * 0.01

    # Hidden layer parameters
    W_xh = normal((num_inputs, num_hiddens))
    W_hh = normal((num_hiddens, num_hiddens))
    b_h = torch.zeros(num_hiddens, device=device)
    # Output layer parameters
    W_hq = normal((num_hiddens, num_outputs))
    b_q = torch.zeros(num_outputs, device=device)
    # Attach gradients
    params = [W_xh, W_hh, b_h, W_hq, b_q]
    for param in params:
        param.requires_grad_(True)
    return params


def init_rnn_state(batch_size, num_hiddens, device):
    return (torch.zeros((batch_size, num_hiddens), device=device), )


def rnn(inputs, state, params):
    # Here `inputs` shape: (`num_steps`, `batch_size`, `vocab_size`)
    W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    outputs = []
    # Shape of `X`: (`batch_size`, `vocab_size`)
    for X in inputs:
        H = torch.tanh(torch.mm(X, W_xh) + torch.mm(H, W_hh) + b_h)
        Y = torch.mm(H, W_hq) + b_q
        outputs.append(Y)
    return torch.cat(outputs, dim=0), (H,)


class RNNModelScratch:
    """A RNN Model implemented from scratch."""
    def __init__(self, vocab_size, num_hiddens, device,
                 get_params, init_state, forward_fn):
        self.vocab_size, self.num_hiddens = vocab_size, num_hiddens
        self.params = get_params(vocab_size, num_hiddens, device)
        self.init_state, self.forward_fn = init_state, forward_fn

    def __call__(self, X, state):
        X = F.one_hot(X.T, self.vocab_size).type(torch.float32)
        return self.forward_fn(X, state, self.params)

    def begin_state(self, batch_size, device):
        return self.init_state(batch_size, self.num_hiddens, device)


num_hiddens = 64
device = torch.device('cpu')
net = RNNModelScratch(vocab_size, num_hiddens, device, get_params,
                      init_rnn_state, rnn)
state = net.begin_state(X.shape[0], device)
Y, new_state = net(X, state)
print(Y.shape, len(new_state), new_state[0].shape)


def predict_ch8(prefix, num_preds, net, device):
    """Generate new characters following the `prefix`."""
    state = net.begin_state(batch_size=1, device=device)
    outputs = [token_to_idx[prefix[0]]]
    get_input = lambda: torch.tensor([outputs[-1]], device=device).reshape((1, 1))
    for y in prefix[1:]:  # Warm-up period
        _, state = net(get_input(), state)
        outputs.append(token_to_idx[y])
    for _ in range(num_preds):  # Predict `num_preds` steps
        y, state = net(get_input(), state)
        outputs.append(int(y.argmax(dim=1).reshape(1)))
    return ''.join([idx_to_token[i] for i in outputs])


print(repr(predict_ch8('time traveller ', 10, net, device)))


def grad_clipping(net, theta):
    """Clip the gradient."""
    if isinstance(net, nn.Module):
        params = [p for p in net.parameters() if p.requires_grad]
    else:
        params = net.params
    norm = torch.sqrt(sum(torch.sum((p.grad ** 2)) for p in params))
    if norm > theta:
        for param in params:
            param.grad[:] *= theta / norm


def sgd(params, lr, batch_size):
    """Minibatch stochastic gradient descent."""
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def train_epoch_ch8(net, corpus, batch_size, num_steps, loss, updater, device):
    """Train a net within one epoch."""
    state = None
    total_l, total_n = 0.0, 0
    for X, Y in seq_data_iter_sequential(corpus, batch_size, num_steps):
        if state is None:
            # Initialize `state` when it is the first iteration
            state = net.begin_state(batch_size=X.shape[0], device=device)
        else:
            for s in state:
                s.detach_()
        y = Y.T.reshape(-1)
        X, y = X.to(device), y.to(device)
        y_hat, state = net(X, state)
        l = loss(y_hat, y.long()).mean()
        l.backward()
        grad_clipping(net, 1)
        updater(batch_size=1)
        total_l += float(l) * y.numel()
        total_n += y.numel()
    return math.exp(total_l / total_n)


loss = nn.CrossEntropyLoss()
lr, num_epochs, batch_size, num_steps = 1, 20, 4, 8
updater = lambda batch_size: sgd(net.params, lr, batch_size)
for epoch in range(num_epochs):
    ppl = train_epoch_ch8(net, corpus, batch_size, num_steps, loss,
                          updater, device)
    if (epoch + 1) % 5 == 0:
        print(f'epoch {epoch + 1}, perplexity {ppl:.1f}')
        print(predict_ch8('time traveller ', 20, net, device))
print(predict_ch8('traveller', 20, net, device))
