//! Safetensors checkpoints: bit-exact state_dict round trips, atomic
//! writes, and clear errors for corrupt, truncated or mis-shaped files.

use tinytorch::nn::{Conv2d, Linear, ModuleExt, ReLU, Sequential, StateDict};
use tinytorch::{DType, Tensor};

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("tt_io_{}_{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn state_dict_round_trips_bit_exactly() {
    tinytorch::random::manual_seed(3);
    let m = Sequential::new()
        .append(Conv2d::new(1, 4, 3).unwrap())
        .append(ReLU::new())
        .append(Linear::new(6, 2, true).unwrap());
    let dir = tmp("rt");
    let path = dir.join("model.safetensors");
    tinytorch::io::save(&m.state_dict(), &path).unwrap();
    let sd = tinytorch::io::load(&path).unwrap();
    let keys: Vec<&str> = sd.keys().collect();
    assert_eq!(keys, vec!["0.bias", "0.weight", "2.bias", "2.weight"]);
    tinytorch::random::manual_seed(4);
    let m2 = Sequential::new()
        .append(Conv2d::new(1, 4, 3).unwrap())
        .append(ReLU::new())
        .append(Linear::new(6, 2, true).unwrap());
    m2.load_state_dict(&sd, true).unwrap();
    for ((k, a), (_, b)) in m.named_parameters().iter().zip(m2.named_parameters()) {
        let (x, y) = (a.to_vec_f32().unwrap(), b.to_vec_f32().unwrap());
        assert!(
            x.iter().zip(&y).all(|(p, q)| p.to_bits() == q.to_bits()),
            "{k}"
        );
    }
    // every dtype survives
    let mut sd = StateDict::new();
    sd.insert(
        "f64",
        Tensor::from_vec(vec![1.5f64, -0.0, f64::MIN_POSITIVE], &[3]).unwrap(),
    );
    sd.insert("i64", Tensor::from_vec(vec![i64::MIN, 7], &[2, 1]).unwrap());
    sd.insert("bool", Tensor::from_vec(vec![true, false], &[2]).unwrap());
    sd.insert(
        "bf16",
        Tensor::from_vec_f64(&[0.1, 3.0], &[2], DType::BF16).unwrap(),
    );
    let p = dir.join("all.safetensors");
    tinytorch::io::save(&sd, &p).unwrap();
    let back = tinytorch::io::load(&p).unwrap();
    for (k, t) in sd.iter() {
        let b = back.get(k).unwrap();
        assert_eq!((b.dtype(), b.shape()), (t.dtype(), t.shape()), "{k}");
        assert_eq!(
            format!("{:?}", b.to_cpu_storage().unwrap()),
            format!("{:?}", t.to_cpu_storage().unwrap())
        );
    }
    // no temporary files are left behind
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn corrupt_truncated_and_mismatched_checkpoints_fail_clearly() {
    let dir = tmp("bad");
    let m = Linear::new(4, 3, true).unwrap();
    let path = dir.join("lin.safetensors");
    tinytorch::io::save(&m.state_dict(), &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let trunc = dir.join("trunc.safetensors");
    std::fs::write(&trunc, &bytes[..bytes.len() - 5]).unwrap();
    let e = tinytorch::io::load(&trunc).err().unwrap().to_string();
    assert!(
        e.contains("trunc.safetensors") && e.contains("not a valid safetensors file"),
        "{e}"
    );
    let junk = dir.join("junk.safetensors");
    std::fs::write(&junk, b"this is not a checkpoint").unwrap();
    assert!(tinytorch::io::load(&junk)
        .err()
        .unwrap()
        .to_string()
        .contains("junk.safetensors"));
    assert!(tinytorch::io::load(dir.join("missing.safetensors"))
        .err()
        .unwrap()
        .to_string()
        .contains("missing.safetensors"));

    // PyTorch's wording for missing, unexpected and mis-shaped keys
    let other = Linear::new(5, 3, false).unwrap();
    let mut sd = other.state_dict();
    sd.insert(
        "extra",
        Tensor::zeros_on(&[1], DType::F32, tinytorch::Device::Cpu).unwrap(),
    );
    let before = m.weight.to_vec_f32().unwrap();
    let e = m.load_state_dict(&sd, true).err().unwrap().to_string();
    assert_eq!(
        e,
        "Error(s) in loading state_dict for Linear:\n\tMissing key(s) in state_dict: \"bias\". \n\tUnexpected key(s) in state_dict: \"extra\". \n\tsize mismatch for weight: copying a param with shape torch.Size([3, 5]) from checkpoint, the shape in current model is torch.Size([3, 4])."
    );
    assert_eq!(
        m.weight.to_vec_f32().unwrap(),
        before,
        "nothing is written on error"
    );
    // non-strict still rejects shape mismatches
    assert!(m.load_state_dict(&sd, false).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}
