//! Docstrings of the tensor methods (shared by `help(torch.X)` and `help(x.X)`).

/// PyTorch's signature and a one-line summary for a tensor method.
pub fn tensor_doc(name: &str) -> String {
    let sig = match name {
        "sum" => "sum(input, dim=None, keepdim=False, *, dtype=None) -> Tensor\n\nSum of the elements, over all or the given dims.\n\n>>> torch.tensor([[1, 2], [3, 4]]).sum(dim=1)\ntensor([3, 7])",
        "mean" => "mean(input, dim=None, keepdim=False, *, dtype=None) -> Tensor\n\nMean of the elements (floating point input).",
        "max" => "max(input, dim=None, keepdim=False) -> Tensor or (values, indices)\n\nThe maximum; with dim, torch.return_types.max(values, indices).",
        "min" => "min(input, dim=None, keepdim=False) -> Tensor or (values, indices)\n\nThe minimum; with dim, torch.return_types.min(values, indices).",
        "var" => "var(input, dim=None, *, correction=1, keepdim=False) -> Tensor\n\nVariance (unbiased by default).",
        "std" => "std(input, dim=None, *, correction=1, keepdim=False) -> Tensor\n\nStandard deviation (unbiased by default).",
        "reshape" => "reshape(input, shape) -> Tensor\n\nThe same data in a new shape (a view when possible); one dim may be -1.",
        "view" => "view(*shape) -> Tensor\n\nA view with a new shape sharing storage.",
        "matmul" => "matmul(input, other) -> Tensor\n\nMatrix product with broadcasting (the @ operator).",
        "backward" => "backward(gradient=None, retain_graph=None) -> None\n\nComputes gradients of this tensor w.r.t. graph leaves into their .grad.",
        "add" => "add(input, other, *, alpha=1) -> Tensor\n\ninput + alpha * other.",
        "clamp" => "clamp(input, min=None, max=None) -> Tensor\n\nClamps values into [min, max].",
        "softmax" => "softmax(input, dim, dtype=None) -> Tensor\n\nexp(x) / sum(exp(x)) along dim.",
        _ => "",
    };
    if sig.is_empty() {
        format!("{name}(...) -> Tensor\n\nThe PyTorch operation of the same name, with PyTorch's arguments.")
    } else {
        sig.to_string()
    }
}
