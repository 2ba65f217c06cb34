//! DataLoader order (PyTorch-equal shuffles), batching, drop_last, the
//! background thread, transforms and MNIST IDX reading (gzipped or not).

use std::io::Write;
use std::sync::Arc;

use serde_json::Value;
use tinytorch::data::{read_idx, DataLoader, Dataset, Mnist, Normalize, TensorDataset, Transform};
use tinytorch::{DType, Tensor};

/// Tests touching the default generator run one at a time.
static DEFAULT_GEN: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn range_ds(n: usize) -> Arc<dyn Dataset> {
    let v: Vec<i64> = (0..n as i64).collect();
    Arc::new(TensorDataset::new(vec![Tensor::from_vec(v, &[n]).unwrap()]).unwrap())
}

#[test]
fn shuffles_equal_pytorch() {
    let _g = DEFAULT_GEN.lock().unwrap_or_else(|p| p.into_inner());
    let p = format!("{}/tests/fixtures/nn_data.json", env!("CARGO_MANIFEST_DIR"));
    let fx: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    for c in fx["cases"].as_array().unwrap() {
        let seed = c["seed"].as_u64().unwrap();
        let n = c["n"].as_u64().unwrap() as usize;
        let mut dl = DataLoader::new(range_ds(n), c["batch_size"].as_u64().unwrap() as usize)
            .unwrap()
            .shuffle(true)
            .drop_last(c["drop_last"].as_bool().unwrap());
        if c["generator"].as_bool().unwrap() {
            dl = dl.generator(seed);
        } else {
            tinytorch::random::manual_seed(seed);
        }
        for want in c["epochs"].as_array().unwrap() {
            let got: Vec<Vec<i64>> = dl
                .iter()
                .map(|b| b.unwrap()[0].to_vec_i64().unwrap())
                .collect();
            let want: Vec<Vec<i64>> = serde_json::from_value(want.clone()).unwrap();
            assert_eq!(got, want, "seed {seed}");
        }
    }
}

#[test]
fn sequential_batches_and_len() {
    let _g = DEFAULT_GEN.lock().unwrap_or_else(|p| p.into_inner());
    let x = Tensor::arange(0.0, 10.0, 1.0, DType::F32, tinytorch::Device::Cpu)
        .unwrap()
        .reshape(&[5, 2])
        .unwrap();
    let y = Tensor::from_vec(vec![0i64, 1, 2, 3, 4], &[5]).unwrap();
    let ds: Arc<dyn Dataset> = Arc::new(TensorDataset::new(vec![x, y]).unwrap());
    assert_eq!(ds.get(3).unwrap()[0].to_vec_f64().unwrap(), vec![6.0, 7.0]);
    let dl = DataLoader::new(ds.clone(), 2).unwrap();
    assert_eq!(dl.len(), 3);
    let b: Vec<_> = dl.iter().map(|b| b.unwrap()).collect();
    assert_eq!(b.len(), 3);
    assert_eq!(b[2][0].shape(), &[1, 2]);
    assert_eq!(b[1][1].to_vec_i64().unwrap(), vec![2, 3]);
    let dl = DataLoader::new(ds, 2).unwrap().drop_last(true).prefetch(0);
    assert_eq!(dl.len(), 2);
    assert_eq!(dl.iter().count(), 2);
    assert!(TensorDataset::new(vec![
        Tensor::zeros_on(&[3], DType::F32, tinytorch::Device::Cpu).unwrap(),
        Tensor::zeros_on(&[4], DType::F32, tinytorch::Device::Cpu).unwrap()
    ])
    .is_err());
}

fn idx_bytes(dims: &[u32], payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 0, 8, dims.len() as u8];
    for d in dims {
        v.extend(d.to_be_bytes());
    }
    v.extend(payload);
    v
}

#[test]
fn mnist_reads_plain_and_gzipped_idx() {
    let dir = std::env::temp_dir().join(format!("tt_mnist_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // 3 images of 2x2: pixel values 0, 51, 102, 255 ...; labels 7, 0, 3
    let px: Vec<u8> = vec![0, 51, 102, 255, 255, 0, 0, 0, 10, 20, 30, 40];
    std::fs::write(
        dir.join("train-images-idx3-ubyte"),
        idx_bytes(&[3, 2, 2], &px),
    )
    .unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&idx_bytes(&[3], &[7, 0, 3])).unwrap();
    std::fs::write(dir.join("train-labels-idx1-ubyte.gz"), gz.finish().unwrap()).unwrap();
    let (dims, data) = read_idx(&dir.join("train-labels-idx1-ubyte.gz")).unwrap();
    assert_eq!((dims, data), (vec![3], vec![7, 0, 3]));
    // Normalize(0.5, 0.5): (51/255 - 0.5) / 0.5 = -0.6
    let t: Box<dyn Transform> = Box::new(Normalize::new(&[0.5], &[0.5]).unwrap());
    let ds = Mnist::new(&dir, true, Some(t)).unwrap();
    assert_eq!(ds.len(), 3);
    let s = ds.get(0).unwrap();
    assert_eq!(s[0].shape(), &[1, 2, 2]);
    let v = s[0].to_vec_f64().unwrap();
    assert!(
        (v[1] + 0.6).abs() < 1e-6 && (v[3] - 1.0).abs() < 1e-6,
        "{v:?}"
    );
    assert_eq!(s[1].to_vec_i64().unwrap(), vec![7]);
    let b = ds.get_batch(&[2, 0]).unwrap();
    assert_eq!(b[0].shape(), &[2, 1, 2, 2]);
    assert_eq!(b[1].to_vec_i64().unwrap(), vec![3, 7]);
    // missing test split: the error names the fetch command
    let e = Mnist::new(&dir, false, None).err().unwrap().to_string();
    assert!(e.contains("fetch_mnist.py"), "{e}");
    // a truncated file is a clear error naming it
    std::fs::write(
        dir.join("t10k-images-idx3-ubyte"),
        &idx_bytes(&[3, 2, 2], &px)[..20],
    )
    .unwrap();
    std::fs::write(
        dir.join("t10k-labels-idx1-ubyte"),
        idx_bytes(&[3], &[1, 2, 3]),
    )
    .unwrap();
    let e = Mnist::new(&dir, false, None).err().unwrap().to_string();
    assert!(
        e.contains("t10k-images-idx3-ubyte") && e.contains("expected 12 data bytes"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
