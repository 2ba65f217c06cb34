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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "viz-gallery".into()),
    );
    std::fs::create_dir_all(&dir)?;
    let mut pictures: Vec<(&str, MimeBundle)> = vec![
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
