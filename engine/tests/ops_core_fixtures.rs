//! The core op families against PyTorch 2.15's own outputs and gradients
//! (`fixtures/ops.json`, made by `fixtures/make_op_fixtures.py`): unary,
//! binary with promotion and Python scalars, comparisons, reductions,
//! matmul, views and index ops.

mod common;

use common::fixtures::{run_op, run_op_filtered, Case};
use serde_json::Value;
use tinytorch::ops::binary::Arg;
use tinytorch::{Result, Scalar, Tensor};

/// A Python number argument, keeping its Python type.
fn scalar(v: &Value) -> Scalar {
    match v {
        Value::Bool(b) => Scalar::Bool(*b),
        Value::Number(n) if n.is_i64() => Scalar::Int(n.as_i64().unwrap_or_default()),
        other => Scalar::Float(common::fixtures::float(other)),
    }
}

/// The second operand: a tensor input or an `other` scalar argument.
fn other(c: &Case) -> Arg<'_> {
    match c.arg("other") {
        Some(v) => Arg::S(scalar(v)),
        None => Arg::T(c.input(1)),
    }
}

fn one(t: Result<Tensor>) -> Result<Vec<Tensor>> {
    Ok(vec![t?])
}

#[test]
fn unary_ops() {
    type F = fn(&Tensor) -> Result<Tensor>;
    let ops: [(&str, F); 15] = [
        ("relu", |x| x.relu()),
        ("silu", |x| x.silu()),
        ("neg", |x| x.neg()),
        ("exp", |x| x.exp()),
        ("sin", |x| x.sin()),
        ("cos", |x| x.cos()),
        ("abs", |x| x.abs()),
        ("square", |x| x.square()),
        ("tanh", |x| x.tanh()),
        ("sigmoid", |x| x.sigmoid()),
        ("sign", |x| x.sign()),
        ("log", |x| x.log()),
        ("log1p", |x| x.log1p()),
        ("sqrt", |x| x.sqrt()),
        ("rsqrt", |x| x.rsqrt()),
    ];
    for (name, f) in ops {
        run_op(name, |c| one(f(c.input(0))));
    }
    run_op("gelu", |c| {
        one(c.input(0).gelu(c.str("approximate").unwrap_or("none")))
    });
    run_op("leaky_relu", |c| {
        one(c
            .input(0)
            .leaky_relu(c.f64("negative_slope").unwrap_or(0.01)))
    });
}

#[test]
fn arithmetic_with_promotion_and_scalars() {
    let alpha = |c: &Case| c.f64("alpha").unwrap_or(1.0);
    run_op("add", |c| one(c.input(0).add_arg(other(c), alpha(c))));
    run_op("sub", |c| one(c.input(0).sub_arg(other(c), alpha(c))));
    run_op("mul", |c| one(c.input(0).mul_arg(other(c))));
    run_op("div", |c| match c.str("rounding_mode") {
        Some(mode) => one(c.input(0).div_rounding(other(c), mode)),
        None => one(c.input(0).div_arg(other(c))),
    });
    run_op("remainder", |c| one(c.input(0).remainder(other(c))));
    run_op("floor_divide", |c| one(c.input(0).floor_divide(other(c))));
    run_op("maximum", |c| one(c.input(0).maximum(c.input(1))));
    run_op("minimum", |c| one(c.input(0).minimum(c.input(1))));
    run_op("pow", |c| {
        if let Some(base) = c.arg("self") {
            one(c.input(0).rpow_scalar(scalar(base)))
        } else if let Some(e) = c.arg("exponent") {
            one(c.input(0).pow_scalar(scalar(e)))
        } else {
            one(c.input(0).pow(c.input(1)))
        }
    });
    run_op("clamp", |c| {
        one(c.input(0).clamp(c.f64("min"), c.f64("max")))
    });
}

#[test]
fn comparisons_and_logic() {
    use tinytorch::storage::BinaryOp;
    for (name, op) in [
        ("lt", BinaryOp::Lt),
        ("le", BinaryOp::Le),
        ("gt", BinaryOp::Gt),
        ("ge", BinaryOp::Ge),
        ("eq", BinaryOp::Eq),
        ("ne", BinaryOp::Ne),
    ] {
        run_op(name, |c| one(c.input(0).compare_op(other(c), op)));
    }
    run_op("logical_not", |c| one(c.input(0).logical_not()));
    run_op("logical_and", |c| one(c.input(0).logical_and(c.input(1))));
    run_op("logical_or", |c| one(c.input(0).logical_or(c.input(1))));
    run_op("where", |c| {
        let cond = c.tensor_arg("condition").expect("condition");
        match c.arg("other") {
            Some(v) => {
                let y = Tensor::scalar_tensor(
                    common::fixtures::float(v),
                    c.input(0).dtype(),
                    c.input(0).device(),
                )?;
                one(Tensor::where_cond(&cond, c.input(0), &y))
            }
            None => one(Tensor::where_cond(&cond, c.input(0), c.input(1))),
        }
    });
    run_op("masked_fill", |c| {
        one(c.input(0).masked_fill(
            &c.tensor_arg("mask").expect("mask"),
            c.f64("value").unwrap_or(0.0),
        ))
    });
}

#[test]
fn reductions() {
    let dims = |c: &Case| -> Option<Vec<i64>> {
        c.arg("dim").map(|v| match v {
            Value::Array(a) => a.iter().filter_map(|d| d.as_i64()).collect(),
            other => vec![other.as_i64().expect("an int dim")],
        })
    };
    let keep = |c: &Case| c.bool("keepdim").unwrap_or(false);
    run_op("sum", |c| {
        let x = match c.str("dtype") {
            Some(d) => c
                .input(0)
                .to_dtype(tinytorch::DType::from_name(d).expect("dtype"))?,
            None => c.input(0).clone(),
        };
        one(match dims(c) {
            Some(d) => x.sum_dims(&d, keep(c)),
            None => x.sum(),
        })
    });
    run_op("mean", |c| {
        one(match dims(c) {
            Some(d) => c.input(0).mean_dims(&d, keep(c)),
            None => c.input(0).mean(),
        })
    });
    run_op("prod", |c| one(c.input(0).prod(c.i64("dim"), keep(c))));
    let correction = |c: &Case| match (c.f64("correction"), c.bool("unbiased")) {
        (Some(k), _) => k,
        (None, Some(false)) => 0.0,
        _ => 1.0,
    };
    run_op("var", |c| {
        one(c.input(0).var(dims(c).as_deref(), correction(c), keep(c)))
    });
    run_op("std", |c| {
        one(c.input(0).std(dims(c).as_deref(), correction(c), keep(c)))
    });
    run_op("norm", |c| {
        one(c
            .input(0)
            .norm(c.f64("p").unwrap_or(2.0), dims(c).as_deref(), keep(c)))
    });
    // Indices are compared only where PyTorch's choice is unique (no ties).
    let no_ties = |c: &Case, i: usize| i == 0 || !c.name.contains("tie");
    for (name, is_max) in [("max", true), ("min", false)] {
        run_op_filtered(
            name,
            |c| match c.i64("dim") {
                Some(d) => {
                    let r = if is_max {
                        c.input(0).max_dim(d, keep(c))?
                    } else {
                        c.input(0).min_dim(d, keep(c))?
                    };
                    Ok(vec![r.values, r.indices])
                }
                None => one(if is_max {
                    c.input(0).max()
                } else {
                    c.input(0).min()
                }),
            },
            &no_ties,
        );
    }
    run_op_filtered(
        "argmax",
        |c| one(c.input(0).argmax(c.i64("dim"), keep(c))),
        &no_ties,
    );
    run_op_filtered(
        "argmin",
        |c| one(c.input(0).argmin(c.i64("dim"), keep(c))),
        &no_ties,
    );
}

#[test]
fn matmul_family() {
    run_op("matmul", |c| one(c.input(0).matmul(c.input(1))));
    run_op("mm", |c| one(c.input(0).mm(c.input(1))));
    run_op("bmm", |c| one(c.input(0).bmm(c.input(1))));
}

#[test]
fn views() {
    let usizes = |c: &Case, k: &str| c.i64s(k).expect(k);
    run_op("reshape", |c| one(c.input(0).reshape(&usizes(c, "shape"))));
    run_op("view", |c| one(c.input(0).view(&usizes(c, "size"))));
    run_op("permute", |c| one(c.input(0).permute(&usizes(c, "dims"))));
    run_op("transpose", |c| {
        one(c
            .input(0)
            .transpose(c.i64("dim0").unwrap_or(0), c.i64("dim1").unwrap_or(1)))
    });
    run_op("t", |c| one(c.input(0).t()));
    run_op("flatten", |c| {
        one(c.input(0).flatten(
            c.i64("start_dim").unwrap_or(0),
            c.i64("end_dim").unwrap_or(-1),
        ))
    });
    run_op("unflatten", |c| {
        one(c
            .input(0)
            .unflatten(c.i64("dim").unwrap_or(0), &usizes(c, "sizes")))
    });
    run_op("squeeze", |c| {
        one(match c.arg("dim") {
            Some(Value::Array(_)) => c.input(0).squeeze_dims(&usizes(c, "dim")),
            Some(_) => c.input(0).squeeze_dim(c.i64("dim").unwrap_or(0)),
            None => c.input(0).squeeze(),
        })
    });
    run_op("unsqueeze", |c| {
        one(c.input(0).unsqueeze(c.i64("dim").unwrap_or(0)))
    });
    run_op("narrow", |c| {
        one(c.input(0).narrow(
            c.i64("dim").unwrap_or(0),
            c.i64("start").unwrap_or(0),
            c.i64("length").unwrap_or(0) as usize,
        ))
    });
    run_op("expand", |c| one(c.input(0).expand(&usizes(c, "size"))));
}

#[test]
fn index_ops() {
    let idx = |c: &Case| c.tensor_arg("index").expect("index");
    let dim = |c: &Case| c.i64("dim").unwrap_or(0);
    run_op("index_select", |c| {
        one(c.input(0).index_select(dim(c), &idx(c)))
    });
    run_op("gather", |c| one(c.input(0).gather(dim(c), &idx(c))));
    run_op("scatter", |c| match c.f64("value") {
        Some(v) => one(c.input(0).scatter_value(dim(c), &idx(c), v)),
        None => one(c.input(0).scatter(dim(c), &idx(c), c.input(1))),
    });
    run_op("scatter_add", |c| {
        one(c.input(0).scatter_add(dim(c), &idx(c), c.input(1)))
    });
}
