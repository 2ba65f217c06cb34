//! `Tensor.retains_grad` (PyTorch's semantics) and `dir()` (CPython's:
//! sorted attribute names; for tensors the binding table's methods and
//! attributes).

use tinytorch_lang::Session;

fn eval(s: &mut Session, code: &str) -> String {
    match s.run(code, "<cell>", true) {
        Ok(Some(d)) => d.text,
        Ok(None) => String::new(),
        Err(e) => panic!("{code}: {}: {}", e.exc, e.message),
    }
}

#[test]
fn retains_grad_follows_pytorch() {
    let mut s = Session::new();
    s.run(
        "import torch\nx = torch.ones(3, requires_grad=True)\ny = x * 2\nloss = y.sum()",
        "<cell>",
        false,
    )
    .unwrap();
    // Leaves and non-leaves alike start without it.
    assert_eq!(eval(&mut s, "x.retains_grad"), "False");
    assert_eq!(eval(&mut s, "loss.retains_grad"), "False");
    assert_eq!(eval(&mut s, "y.retains_grad"), "False");
    s.run("y.retain_grad()\nx.retain_grad()", "<cell>", false)
        .unwrap();
    assert_eq!(eval(&mut s, "y.retains_grad"), "True");
    // On a leaf retain_grad() is a no-op: a leaf keeps .grad anyway.
    assert_eq!(eval(&mut s, "x.retains_grad"), "False");
    s.run("loss.backward()", "<cell>", false).unwrap();
    assert_eq!(eval(&mut s, "y.retains_grad"), "True");
    assert_eq!(eval(&mut s, "y.grad"), "tensor([1., 1., 1.])");
    assert_eq!(eval(&mut s, "x.grad"), "tensor([2., 2., 2.])");
    // Without requires_grad, PyTorch's error.
    let e = s
        .run("torch.ones(2).retain_grad()", "<cell>", false)
        .unwrap_err();
    assert_eq!(e.exc, "RuntimeError");
    assert!(e.message.contains("requires_grad=False"), "{}", e.message);
    // It is listed among the tensor's attributes.
    assert_eq!(eval(&mut s, "'retains_grad' in dir(loss)"), "True");
}

#[test]
fn dir_lists_sorted_attribute_names() {
    let mut s = Session::new();
    s.run(
        "import torch\nx = torch.zeros(2)\nclass A:\n    k = 1\n    def f(self):\n        return 2\na = A()\na.z = 3",
        "<cell>",
        false,
    )
    .unwrap();
    assert_eq!(eval(&mut s, "dir(x) == sorted(dir(x))"), "True");
    for name in [
        "sum",
        "reshape",
        "grad",
        "requires_grad",
        "retains_grad",
        "shape",
        "T",
    ] {
        assert_eq!(
            eval(&mut s, &format!("'{name}' in dir(x)")),
            "True",
            "{name}"
        );
    }
    assert_eq!(
        eval(&mut s, "[n for n in dir(a) if not n.startswith('_')]"),
        "['f', 'k', 'z']"
    );
    // Without an argument: the names defined in the session, sorted.
    assert_eq!(eval(&mut s, "dir()"), "['A', 'a', 'torch', 'x']");
    assert_eq!(eval(&mut s, "'Linear' in dir(torch.nn)"), "True");
    assert_eq!(eval(&mut s, "'upper' in dir('s')"), "True");
}
