//! Files the training stack reads and writes: `torch.save` / `torch.load`
//! round trips (tensors, nested dicts, numbers), and
//! `tinytorch.datasets.MNIST` over small IDX files written here (format:
//! magic `0x0000080N` with N the number of dims, big-endian u32 dims, bytes).

use std::path::{Path, PathBuf};
use tinytorch_lang::{BufferSink, Session};

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "tinytorch-lang-{tag}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(src: &str) -> String {
    let mut s = Session::new();
    let sink = BufferSink::default();
    s.set_output(Box::new(sink.clone()));
    if let Err(e) = s.run(src, "<test>", false) {
        panic!("{}\n{}", sink.take_stdout(), e.render());
    }
    sink.take_stdout()
}

fn py_str(p: &Path) -> String {
    format!("{:?}", p.to_string_lossy())
}

#[test]
fn save_and_load_round_trip_tensors_dicts_and_numbers() {
    let dir = temp_dir("ckpt");
    let t = py_str(&dir.join("t.safetensors"));
    let c = py_str(&dir.join("c.safetensors"));
    let out = run(&format!(
        r#"
import torch
import torch.nn as nn
torch.save(torch.tensor([[1, 2], [3, 4]]), {t})
print(torch.load({t}))
torch.manual_seed(0)
m = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
opt = torch.optim.Adam(m.parameters(), lr=0.1)
m(torch.ones(1, 2)).sum().backward()
opt.step()
torch.save({{"model": m.state_dict(), "epoch": 7, "lr": 0.5, "best": True, "opt": opt.state_dict()["state"]}}, {c})
ck = torch.load({c})
print(sorted(ck.keys()))
print(ck["epoch"], ck["lr"], ck["best"])
print(sorted(ck["model"].keys()))
m2 = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
m2.load_state_dict(ck["model"])
print(torch.equal(m2[0].weight, m[0].weight), torch.equal(m2[2].bias, m[2].bias))
print(sorted(ck["opt"][0].keys()))
print(list(ck.keys()))
r = m2.load_state_dict({{"0.weight": m[0].weight, "x": torch.ones(1)}}, strict=False)
print(r)
print(r.missing_keys == r[0], len(r))
torch.save({{"seed": 2**62 + 1, "names": ["a", "b"], "pair": (1, None), 1: "x", "1": "y", "a/b": 2, "w#int": 3}}, {t})
print(torch.load({t}))
try:
    torch.save({{"f": print}}, {t})
except TypeError as e:
    print(e)
"#
    ));
    assert_eq!(
        out,
        "tensor([[1, 2],\n        [3, 4]])\n\
         ['best', 'epoch', 'lr', 'model', 'opt']\n\
         7 0.5 True\n\
         ['0.bias', '0.weight', '2.bias', '2.weight']\n\
         True True\n\
         ['exp_avg', 'exp_avg_sq', 'step']\n\
         ['model', 'epoch', 'lr', 'best', 'opt']\n\
         _IncompatibleKeys(missing_keys=['0.bias', '2.weight', '2.bias'], unexpected_keys=['x'])\n\
         True 2\n\
         {'seed': 4611686018427387905, 'names': ['a', 'b'], 'pair': (1, None), 1: 'x', '1': 'y', 'a/b': 2, 'w#int': 3}\n\
         save(): tinytorch saves tensors, numbers, strings, None and lists, tuples and dicts of them, not builtin_function_or_method\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn idx(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 0, 8, dims.len() as u8];
    for d in dims {
        v.extend_from_slice(&d.to_be_bytes());
    }
    v.extend_from_slice(data);
    v
}

#[test]
fn mnist_reads_idx_files_applies_transform_and_batches() {
    let dir = temp_dir("mnist");
    // Three 2x2 images: pixel values 0, 51, 102, 255 (51/255 = 0.2).
    let px = [0u8, 51, 102, 255, 255, 0, 0, 0, 51, 51, 51, 51];
    std::fs::write(dir.join("train-images-idx3-ubyte"), idx(&[3, 2, 2], &px)).unwrap();
    std::fs::write(dir.join("train-labels-idx1-ubyte"), idx(&[3], &[7, 0, 3])).unwrap();
    let root = py_str(&dir);
    let out = run(&format!(
        r#"
import torch
from tinytorch.datasets import MNIST
from torch.utils.data import DataLoader
ds = MNIST({root}, train=True)
print(len(ds))
x, y = ds[0]
print(x, y)
norm = MNIST({root}, transform=lambda t: (t - 0.5) / 0.5)
print(norm[2][0].flatten(), norm[-1][1])
for xb, yb in DataLoader(ds, batch_size=2):
    print(xb.shape, yb)
try:
    MNIST({root}, train=False)
except RuntimeError as e:
    print(str(e).split(" (")[0])
"#
    ));
    let missing = format!("MNIST files not found in {}", dir.display());
    assert_eq!(
        out,
        format!(
            "3\n\
             tensor([[[0.0000, 0.2000],\n         [0.4000, 1.0000]]]) 7\n\
             tensor([-0.6000, -0.6000, -0.6000, -0.6000]) 3\n\
             torch.Size([2, 1, 2, 2]) tensor([7, 0])\n\
             torch.Size([1, 1, 2, 2]) tensor([3])\n\
             {missing}\n"
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}
