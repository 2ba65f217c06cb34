//! Writes one of each picture the viz layer draws (SVG, PNG, text, HTML
//! where there is one) into a folder, so a person can look at them all:
//!
//! ```text
//! cargo run --release -p tinytorch --example gallery -- OUTDIR
//! ```

use std::path::PathBuf;
use tinytorch::viz::{
    self, samples, LiveChart, MimeBundle, PlotOptions, Progress, Series, TensorView,
};

/// Trains a 2-16-1 MLP on a toy problem with the real engine (autograd,
/// in-place SGD under no_grad), then pictures its graph after the last
/// backward (names, shapes, gradient norms) and its loss curve.
fn train_tiny_mlp() -> Result<(MimeBundle, MimeBundle), Box<dyn std::error::Error>> {
    use tinytorch::{autograd::no_grad, random::manual_seed, DType, Device, Tensor};
    manual_seed(0);
    let dev = Device::Cpu;
    let x = Tensor::uniform(&[64, 2], -1.0, 1.0, DType::F32, dev)?;
    // target: the sign agreement of the two coordinates (an XOR-like task)
    let y = x
        .select(1, 0)?
        .mul(&x.select(1, 1)?)?
        .gt_scalar(0.0)?
        .to_dtype(DType::F32)?
        .unsqueeze(1)?;
    x.set_name("x");
    let param = |name: &str, shape: &[usize], scale: f64| -> tinytorch::Result<Tensor> {
        let p = Tensor::uniform(shape, -scale, scale, DType::F32, dev)?.requires_grad_(true)?;
        p.set_name(name);
        Ok(p)
    };
    let w1 = param("fc1.weight", &[2, 16], 1.0)?;
    let b1 = param("fc1.bias", &[16], 0.5)?;
    let w2 = param("fc2.weight", &[16, 1], 0.25)?;
    let b2 = param("fc2.bias", &[1], 0.25)?;
    let steps = 400;
    let mut losses = Vec::with_capacity(steps);
    let mut loss = Tensor::zeros_on(&[], DType::F32, dev)?;
    for step in 0..steps {
        let h = x.matmul(&w1)?.add(&b1)?.tanh()?;
        let pred = h.matmul(&w2)?.add(&b2)?.sigmoid()?;
        loss = pred.sub(&y)?.square()?.mean()?;
        loss.set_name("loss");
        loss.backward()?;
        losses.push(loss.item()?);
        let _g = no_grad();
        for p in [&w1, &b1, &w2, &b2] {
            let g = p.grad().ok_or("no grad")?;
            p.sub_(&g.mul_scalar(2.0)?)?;
            // keep the last step's gradients: the graph shows their norms
            if step + 1 < steps {
                p.set_grad(None)?;
            }
        }
    }
    let curve = viz::plot(
        &[Series::from_ys("train", &losses)],
        &PlotOptions::default()
            .title("tiny MLP, real training (tinytorch engine)")
            .xlabel("step")
            .ylabel("mse"),
    )?;
    Ok((loss.graph()?, curve))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "viz-gallery".into()),
    );
    std::fs::create_dir_all(&dir)?;
    let (graph, curve) = train_tiny_mlp()?;
    let mut pictures: Vec<(&str, MimeBundle)> = vec![
        ("engine_mlp_graph", graph),
        ("engine_training_loss", curve),
        ("graph_mlp", viz::graph(&samples::mlp_graph(false))?),
        ("graph_mlp_grads", viz::graph(&samples::mlp_graph(true))?),
        ("graph_deep50", viz::graph(&samples::deep_mlp_graph())?),
    ];
    let curves = samples::loss_curves(1000);
    let opts = PlotOptions::default()
        .title("training loss")
        .xlabel("step")
        .ylabel("loss");
    pictures.push(("plot_loss", viz::plot(&curves, &opts)?));
    let long = samples::loss_curves(10_000);
    let log_opts = opts
        .clone()
        .title("training loss (log y, 10,000 steps)")
        .logy(true);
    pictures.push(("plot_logy_10k", viz::plot(&long[..1], &log_opts)?));
    let gaps = Series::from_ys(
        "with nan",
        &[1.0, 2.0, f64::NAN, 1.5, 1.0, f64::INFINITY, 0.5, 0.7],
    );
    pictures.push((
        "plot_gaps",
        viz::plot(&[gaps], &PlotOptions::default().title("gaps"))?,
    ));
    pictures.push((
        "plot_empty",
        viz::plot(&[], &PlotOptions::default().title("nothing yet"))?,
    ));

    let mut live = LiveChart::new(PlotOptions::default().title("live"));
    for (i, y) in curves[0].ys.iter().enumerate().take(300) {
        live.push("train", i as f64, *y);
    }
    pictures.push(("plot_live", live.render()?));

    pictures.push(("show_small", viz::show(&samples::small_matrix())?));
    pictures.push(("show_large", viz::show(&samples::large_matrix())?));
    pictures.push(("show_images", viz::show(&samples::image_batch(16))?));
    pictures.push(("show_rgb", viz::show(&samples::rgb_batch(8))?));
    let bars =
        TensorView::new(&[10], (0..10).map(|i| (i as f32 - 3.5) * 0.4).collect()).with_title("b");
    pictures.push(("show_bars", viz::show(&bars)?));
    let long1d = TensorView::new(
        &[5000],
        (0..5000).map(|i| (i as f32 / 300.0).sin()).collect(),
    );
    pictures.push(("show_long1d", viz::show(&long1d)?));
    let cube = TensorView::new(
        &[2, 4, 5, 5],
        (0..200).map(|i| ((i * 37) % 23) as f32 - 11.0).collect(),
    );
    pictures.push(("show_slices", viz::show(&cube)?));
    pictures.push((
        "show_scalar",
        viz::show(&TensorView::new(&[], vec![0.125]).with_title("loss"))?,
    ));
    pictures.push(("show_empty", viz::show(&TensorView::new(&[0, 3], vec![]))?));

    let mut p = Progress::new(Some("epoch 1"), Some(100));
    p.count = 45;
    p.elapsed = 1.12;
    p.set_postfix(vec![(
        "loss".into(),
        viz::progress::postfix_number(0.12345),
    )]);
    pictures.push(("progress", p.bundle()));

    for (stem, bundle) in &pictures {
        let files = bundle.write_files(&dir, stem)?;
        println!("{stem}: {} files", files.len());
    }
    println!("wrote {} pictures to {}", pictures.len(), dir.display());
    Ok(())
}
