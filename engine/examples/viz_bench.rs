//! Times the renderers on the sizes the issue names: a 50-node graph and a
//! 10,000-point chart, SVG and PNG each (median of several runs, after a
//! warm-up), against a baseline from the same run (encoding a blank PNG of
//! the same size), so numbers from different machines compare as ratios.
//!
//! ```text
//! cargo run --release -p tinytorch --example viz_bench
//! ```

use std::time::Instant;
use tinytorch::viz::graph::draw;
use tinytorch::viz::samples::{deep_mlp_graph, loss_curves};
use tinytorch::viz::scene::{encode_png, Scene};
use tinytorch::viz::{chart, figure, graph, plot, PlotOptions};

fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut t: Vec<f64> = (0..runs)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[runs / 2]
}

fn main() {
    let g = deep_mlp_graph();
    let scene: Scene = draw::draw(&g);
    let curves = loss_curves(10_000);
    let series = &curves[..1];
    let opts = PlotOptions::default()
        .title("loss")
        .xlabel("step")
        .ylabel("loss");
    let (w, h) = opts.clamped_size();
    let fig = chart::figure_of(series, &opts);

    let base = median_ms(9, || {
        encode_png(w, h, &vec![255; (w * h * 3) as usize]).unwrap();
    });
    let rows = [
        (
            "graph 50 nodes: layout + scene",
            median_ms(9, || drop(draw::draw(&g))),
        ),
        ("graph 50 nodes: SVG", median_ms(9, || drop(scene.to_svg()))),
        (
            "graph 50 nodes: PNG",
            median_ms(9, || drop(scene.to_png(1.0).unwrap())),
        ),
        (
            "graph 50 nodes: full bundle",
            median_ms(9, || drop(graph(&g).unwrap())),
        ),
        (
            "chart 10k points: SVG",
            median_ms(9, || drop(figure::draw::svg(&fig).unwrap())),
        ),
        (
            "chart 10k points: PNG",
            median_ms(9, || drop(figure::draw::png(&fig).unwrap())),
        ),
        (
            "chart 10k points: full bundle",
            median_ms(9, || drop(plot(series, &opts).unwrap())),
        ),
    ];
    println!("baseline: blank {w}x{h} PNG encode {base:.2} ms");
    for (name, ms) in rows {
        println!(
            "{name:<32} {ms:>8.2} ms  ({:.1}x baseline)",
            ms / base.max(1e-6)
        );
    }
}
