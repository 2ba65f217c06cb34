//! Built-in layers: plain structs holding their parameters as `Tensor`s,
//! initialised as PyTorch does (same draws, same order), each implementing
//! [`Module`] with PyTorch's `extra_repr`.

use super::functional as F;
use super::{parameter, Module};
use crate::random::kaiming_uniform_bound;
use crate::{DType, Device, Error, Result, Tensor};

/// Python's `repr(float)`: shortest round trip, exponent form below 1e-4.
pub(crate) fn py_float(v: f64) -> String {
    if v == 0.0 || (1e-4..1e16).contains(&v.abs()) {
        let s = format!("{v}");
        if s.contains('.') || s.contains("inf") || s.contains("NaN") {
            s
        } else {
            format!("{s}.0")
        }
    } else {
        let s = format!("{v:e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
    }
}

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// `weight.uniform_(-b, b)` with `b = kaiming_uniform_bound(fan_in, sqrt 5)`,
/// then `bias.uniform_(-1/sqrt(fan_in), 1/sqrt(fan_in))`: `nn.Linear` and
/// `nn.Conv2d`'s `reset_parameters`.
fn kaiming_pair(
    wshape: &[usize],
    fan_in: usize,
    bias: Option<usize>,
    dtype: DType,
) -> Result<(Tensor, Option<Tensor>)> {
    let b = kaiming_uniform_bound(fan_in, 5f64.sqrt());
    let w = Tensor::uniform(wshape, -b, b, dtype, Device::Cpu)?;
    let bias = match bias {
        Some(n) => {
            let bb = if fan_in > 0 {
                1.0 / (fan_in as f64).sqrt()
            } else {
                0.0
            };
            Some(parameter(Tensor::uniform(
                &[n],
                -bb,
                bb,
                dtype,
                Device::Cpu,
            )?)?)
        }
        None => None,
    };
    Ok((parameter(w)?, bias))
}

fn visit_wb(w: &Tensor, b: &Option<Tensor>, f: &mut dyn FnMut(&str, &Tensor)) {
    f("weight", w);
    if let Some(b) = b {
        f("bias", b);
    }
}

fn visit_wb_mut(w: &mut Tensor, b: &mut Option<Tensor>, f: &mut dyn FnMut(&str, &mut Tensor)) {
    f("weight", w);
    if let Some(b) = b {
        f("bias", b);
    }
}

/// Calls `f` on each present tensor, by name (optional weights, biases,
/// buffers).
fn visit_present(items: &[(&str, &Option<Tensor>)], f: &mut dyn FnMut(&str, &Tensor)) {
    for (name, t) in items {
        if let Some(t) = t {
            f(name, t);
        }
    }
}

/// [`visit_present`] with mutable access.
fn visit_present_mut(
    items: &mut [(&str, &mut Option<Tensor>)],
    f: &mut dyn FnMut(&str, &mut Tensor),
) {
    for (name, t) in items.iter_mut() {
        if let Some(t) = t {
            f(name, t);
        }
    }
}

/// Implements the flag half of [`Module`] for a struct with a `training` field.
macro_rules! training_flag {
    () => {
        fn training(&self) -> bool {
            self.training
        }
        fn set_training(&mut self, on: bool) {
            self.training = on;
        }
    };
}

/// `nn.Linear(in_features, out_features, bias)`: `y = x W^T + b`.
pub struct Linear {
    pub weight: Tensor,
    pub bias: Option<Tensor>,
    pub in_features: usize,
    pub out_features: usize,
    training: bool,
}

impl Linear {
    /// PyTorch's initialisation (Kaiming-uniform weight, uniform bias), in float32.
    ///
    /// ```
    /// use tinytorch::prelude::*;
    /// let fc = nn::Linear::new(3, 2, true)?;
    /// let y = fc.forward(&Tensor::ones(&[5, 3])?)?;
    /// assert_eq!(y.shape(), &[5, 2]);
    /// assert_eq!(fc.repr(), "Linear(in_features=3, out_features=2, bias=True)");
    /// # Ok::<(), tinytorch::Error>(())
    /// ```
    pub fn new(in_features: usize, out_features: usize, bias: bool) -> Result<Linear> {
        Linear::with_dtype(in_features, out_features, bias, DType::F32)
    }

    /// Initialised in `dtype`, as `nn.Linear(..., dtype=)` draws its weights.
    pub fn with_dtype(
        in_features: usize,
        out_features: usize,
        bias: bool,
        dtype: DType,
    ) -> Result<Linear> {
        if !dtype.is_float() {
            return Err(Error::invalid(format!(
                "nn.Linear: expected a floating-point dtype, got {}",
                dtype.name()
            )));
        }
        let (weight, bias) = kaiming_pair(
            &[out_features, in_features],
            in_features,
            bias.then_some(out_features),
            dtype,
        )?;
        Ok(Linear {
            weight,
            bias,
            in_features,
            out_features,
            training: true,
        })
    }
}

impl Linear {
    /// A layer around existing tensors (`weight [out, in]`, `bias [out]`),
    /// e.g. weights read from a checkpoint, with no initialisation drawn.
    pub fn from_parts(weight: Tensor, bias: Option<Tensor>) -> Result<Linear> {
        if weight.dim() != 2
            || bias
                .as_ref()
                .is_some_and(|b| b.shape() != [weight.shape()[0]])
        {
            return Err(Error::invalid(format!(
                "Linear: weight must be [out, in] and bias [out], got {:?} and {:?}",
                weight.shape(),
                bias.as_ref().map(|b| b.shape().to_vec())
            )));
        }
        Ok(Linear {
            in_features: weight.shape()[1],
            out_features: weight.shape()[0],
            weight,
            bias,
            training: true,
        })
    }
}

impl Module for Linear {
    fn type_name(&self) -> String {
        "Linear".into()
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        F::linear(x, &self.weight, self.bias.as_ref())
    }
    fn visit_parameters(&self, f: &mut dyn FnMut(&str, &Tensor)) {
        visit_wb(&self.weight, &self.bias, f)
    }
    fn visit_parameters_mut(&mut self, f: &mut dyn FnMut(&str, &mut Tensor)) {
        visit_wb_mut(&mut self.weight, &mut self.bias, f)
    }
    training_flag!();
    fn extra_repr(&self) -> String {
        format!(
            "in_features={}, out_features={}, bias={}",
            self.in_features,
            self.out_features,
            py_bool(self.bias.is_some())
        )
    }
}

/// Options of [`Conv2d`] beyond channels and kernel (PyTorch's defaults).
#[derive(Debug, Clone, Copy)]
pub struct Conv2dOptions {
    pub stride: [usize; 2],
    pub padding: [usize; 2],
    pub dilation: [usize; 2],
    pub groups: usize,
    pub bias: bool,
    /// The dtype the parameters are drawn in.
    pub dtype: DType,
}

impl Default for Conv2dOptions {
    fn default() -> Self {
        Conv2dOptions {
            stride: [1, 1],
            padding: [0, 0],
            dilation: [1, 1],
            groups: 1,
            bias: true,
            dtype: DType::F32,
        }
    }
}

/// `nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias)`.
pub struct Conv2d {
    pub weight: Tensor,
    pub bias: Option<Tensor>,
    pub in_channels: usize,
    pub out_channels: usize,
    pub kernel_size: [usize; 2],
    pub options: Conv2dOptions,
    training: bool,
}

impl Conv2d {
    /// A stride-1, unpadded convolution with bias.
    pub fn new(in_channels: usize, out_channels: usize, kernel_size: usize) -> Result<Conv2d> {
        Conv2d::with_options(
            in_channels,
            out_channels,
            [kernel_size, kernel_size],
            Conv2dOptions::default(),
        )
    }

    pub fn with_options(
        in_channels: usize,
        out_channels: usize,
        kernel_size: [usize; 2],
        options: Conv2dOptions,
    ) -> Result<Conv2d> {
        let g = options.groups;
        if g == 0 {
            return Err(Error::invalid("groups must be a positive integer"));
        }
        if in_channels % g != 0 {
            return Err(Error::invalid("in_channels must be divisible by groups"));
        }
        if out_channels % g != 0 {
            return Err(Error::invalid("out_channels must be divisible by groups"));
        }
        let cg = in_channels / g;
        let fan_in = cg * kernel_size[0] * kernel_size[1];
        let (weight, bias) = kaiming_pair(
            &[out_channels, cg, kernel_size[0], kernel_size[1]],
            fan_in,
            options.bias.then_some(out_channels),
            options.dtype,
        )?;
        Ok(Conv2d {
            weight,
            bias,
            in_channels,
            out_channels,
            kernel_size,
            options,
            training: true,
        })
    }
}

impl Module for Conv2d {
    fn type_name(&self) -> String {
        "Conv2d".into()
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let o = &self.options;
        F::conv2d(
            x,
            &self.weight,
            self.bias.as_ref(),
            o.stride,
            o.padding,
            o.dilation,
            o.groups,
        )
    }
    fn visit_parameters(&self, f: &mut dyn FnMut(&str, &Tensor)) {
        visit_wb(&self.weight, &self.bias, f)
    }
    fn visit_parameters_mut(&mut self, f: &mut dyn FnMut(&str, &mut Tensor)) {
        visit_wb_mut(&mut self.weight, &mut self.bias, f)
    }
    training_flag!();
    fn extra_repr(&self) -> String {
        let o = &self.options;
        let pair = |p: [usize; 2]| format!("({}, {})", p[0], p[1]);
        let mut s = format!(
            "{}, {}, kernel_size={}, stride={}",
            self.in_channels,
            self.out_channels,
            pair(self.kernel_size),
            pair(o.stride)
        );
        if o.padding != [0, 0] {
            s.push_str(&format!(", padding={}", pair(o.padding)));
        }
        if o.dilation != [1, 1] {
            s.push_str(&format!(", dilation={}", pair(o.dilation)));
        }
        if o.groups != 1 {
            s.push_str(&format!(", groups={}", o.groups));
        }
        if self.bias.is_none() {
            s.push_str(", bias=False");
        }
        s
    }
}

/// `nn.MaxPool2d(kernel_size, stride=kernel_size, padding=0, dilation=1,
/// ceil_mode=False)`, each size a (height, width) pair.
pub struct MaxPool2d {
    pub kernel_size: [usize; 2],
    pub stride: [usize; 2],
    pub padding: [usize; 2],
    pub dilation: [usize; 2],
    /// Count a last, partial window (PyTorch's `ceil_mode`).
    pub ceil_mode: bool,
    training: bool,
}

impl MaxPool2d {
    pub fn new(kernel_size: usize) -> MaxPool2d {
        MaxPool2d::with_options(kernel_size, kernel_size, 0, 1)
    }

    pub fn with_options(
        kernel_size: usize,
        stride: usize,
        padding: usize,
        dilation: usize,
    ) -> Self {
        MaxPool2d::with_pairs([kernel_size; 2], [stride; 2], [padding; 2], [dilation; 2])
    }

    /// Rectangular windows.
    pub fn with_pairs(
        kernel_size: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
        dilation: [usize; 2],
    ) -> Self {
        MaxPool2d {
            kernel_size,
            stride,
            padding,
            dilation,
            ceil_mode: false,
            training: true,
        }
    }

    /// Sets `ceil_mode` (builder style).
    pub fn ceil_mode(mut self, on: bool) -> Self {
        self.ceil_mode = on;
        self
    }
}

/// `2` for a square pair, `(2, 3)` otherwise (how PyTorch shows an int or a tuple).
fn pair_repr(p: [usize; 2]) -> String {
    if p[0] == p[1] {
        p[0].to_string()
    } else {
        format!("({}, {})", p[0], p[1])
    }
}

impl Module for MaxPool2d {
    fn type_name(&self) -> String {
        "MaxPool2d".into()
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(F::max_pool2d_full(
            x,
            self.kernel_size,
            Some(self.stride),
            self.padding,
            self.dilation,
            self.ceil_mode,
        )?
        .0)
    }
    training_flag!();
    fn extra_repr(&self) -> String {
        format!(
            "kernel_size={}, stride={}, padding={}, dilation={}, ceil_mode={}",
            pair_repr(self.kernel_size),
            pair_repr(self.stride),
            pair_repr(self.padding),
            pair_repr(self.dilation),
            py_bool(self.ceil_mode)
        )
    }
}

/// `nn.Dropout(p)`: zeroes elements with probability `p` while training.
pub struct Dropout {
    pub p: f64,
    training: bool,
}

impl Dropout {
    pub fn new(p: f64) -> Result<Dropout> {
        if !(0.0..=1.0).contains(&p) {
            return Err(Error::invalid(format!(
                "dropout probability has to be between 0 and 1, but got {p}"
            )));
        }
        Ok(Dropout { p, training: true })
    }
}

impl Module for Dropout {
    fn type_name(&self) -> String {
        "Dropout".into()
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        F::dropout(x, self.p, self.training)
    }
    training_flag!();
    fn extra_repr(&self) -> String {
        format!("p={}, inplace=False", py_float(self.p))
    }
}

/// `nn.Embedding(num_embeddings, embedding_dim, padding_idx)`: weight `normal_(0, 1)`,
/// padding row zeroed.
pub struct Embedding {
    pub weight: Tensor,
    pub padding_idx: Option<i64>,
    training: bool,
}

impl Embedding {
    pub fn new(
        num_embeddings: usize,
        embedding_dim: usize,
        padding_idx: Option<i64>,
    ) -> Result<Self> {
        Embedding::with_dtype(num_embeddings, embedding_dim, padding_idx, DType::F32)
    }

    /// Drawn in `dtype`, as `nn.Embedding(..., dtype=)` does.
    pub fn with_dtype(
        num_embeddings: usize,
        embedding_dim: usize,
        padding_idx: Option<i64>,
        dtype: DType,
    ) -> Result<Self> {
        let n = num_embeddings as i64;
        let pad = match padding_idx {
            Some(p) if p >= n || p < -n => {
                return Err(Error::invalid("Padding_idx must be within num_embeddings"))
            }
            Some(p) if p < 0 => Some(p + n),
            p => p,
        };
        let w = Tensor::randn_on(&[num_embeddings, embedding_dim], dtype, Device::Cpu)?;
        if let Some(p) = pad {
            w.select(0, p)?.zero_()?;
        }
        let weight = parameter(w)?;
        Ok(Embedding {
            weight,
            padding_idx: pad,
            training: true,
        })
    }
}

impl Embedding {
    /// `nn.Embedding.from_pretrained(weight, padding_idx=None)`: `weight [num, dim]` as is.
    pub fn from_pretrained(weight: Tensor) -> Result<Embedding> {
        if weight.dim() != 2 {
            return Err(Error::invalid(
                "Embeddings parameter is expected to be 2-dimensional",
            ));
        }
        Ok(Embedding {
            weight,
            padding_idx: None,
            training: true,
        })
    }
}

impl Module for Embedding {
    fn type_name(&self) -> String {
        "Embedding".into()
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        F::embedding(x, &self.weight, self.padding_idx)
    }
    fn visit_parameters(&self, f: &mut dyn FnMut(&str, &Tensor)) {
        f("weight", &self.weight)
    }
    fn visit_parameters_mut(&mut self, f: &mut dyn FnMut(&str, &mut Tensor)) {
        f("weight", &mut self.weight)
    }
    training_flag!();
    fn extra_repr(&self) -> String {
        let s = self.weight.shape();
        let mut r = format!("{}, {}", s[0], s[1]);
        if let Some(p) = self.padding_idx {
            r.push_str(&format!(", padding_idx={p}"));
        }
        r
    }
}

fn shape_repr(s: &[usize]) -> String {
    if s.len() == 1 {
        format!("({},)", s[0])
    } else {
        let v: Vec<String> = s.iter().map(|d| d.to_string()).collect();
        format!("({})", v.join(", "))
    }
}

/// `nn.LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True, bias=True)`.
pub struct LayerNorm {
    pub normalized_shape: Vec<usize>,
    pub eps: f64,
    pub weight: Option<Tensor>,
    pub bias: Option<Tensor>,
    training: bool,
}

impl LayerNorm {
    pub fn new(
        normalized_shape: &[usize],
        eps: f64,
        elementwise_affine: bool,
        bias: bool,
    ) -> Result<Self> {
        LayerNorm::with_dtype(normalized_shape, eps, elementwise_affine, bias, DType::F32)
    }

    pub fn with_dtype(
        normalized_shape: &[usize],
        eps: f64,
        elementwise_affine: bool,
        bias: bool,
        dtype: DType,
    ) -> Result<Self> {
        let mk = |v: f64| -> Result<Tensor> {
            parameter(Tensor::full_on(normalized_shape, v, dtype, Device::Cpu)?)
        };
        Ok(LayerNorm {
            normalized_shape: normalized_shape.to_vec(),
            eps,
            weight: if elementwise_affine {
                Some(mk(1.0)?)
            } else {
                None
            },
            bias: if elementwise_affine && bias {
                Some(mk(0.0)?)
            } else {
                None
            },
            training: true,
        })
    }
}

impl Module for LayerNorm {
    fn type_name(&self) -> String {
        "LayerNorm".into()
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        F::layer_norm(
            x,
            &self.normalized_shape,
            self.weight.as_ref(),
            self.bias.as_ref(),
            self.eps,
        )
    }
    fn visit_parameters(&self, f: &mut dyn FnMut(&str, &Tensor)) {
        visit_present(&[("weight", &self.weight), ("bias", &self.bias)], f);
    }
    fn visit_parameters_mut(&mut self, f: &mut dyn FnMut(&str, &mut Tensor)) {
        visit_present_mut(
            &mut [("weight", &mut self.weight), ("bias", &mut self.bias)],
            f,
        );
    }
    training_flag!();
    fn extra_repr(&self) -> String {
        format!(
            "{}, eps={}, elementwise_affine={}, bias={}",
            shape_repr(&self.normalized_shape),
            py_float(self.eps),
            py_bool(self.weight.is_some()),
            py_bool(self.bias.is_some())
        )
    }
}

/// `nn.RMSNorm(normalized_shape, eps=None, elementwise_affine=True)`.
pub struct RMSNorm {
    pub normalized_shape: Vec<usize>,
    pub eps: Option<f64>,
    pub weight: Option<Tensor>,
    training: bool,
}

impl RMSNorm {
    pub fn new(
        normalized_shape: &[usize],
        eps: Option<f64>,
        elementwise_affine: bool,
    ) -> Result<Self> {
        RMSNorm::with_dtype(normalized_shape, eps, elementwise_affine, DType::F32)
    }

    pub fn with_dtype(
        normalized_shape: &[usize],
        eps: Option<f64>,
        elementwise_affine: bool,
        dtype: DType,
    ) -> Result<Self> {
        let weight = if elementwise_affine {
            Some(parameter(Tensor::ones_on(
                normalized_shape,
                dtype,
                Device::Cpu,
            )?)?)
        } else {
            None
        };
        Ok(RMSNorm {
            normalized_shape: normalized_shape.to_vec(),
            eps,
            weight,
            training: true,
        })
    }
}

impl RMSNorm {
    /// An RMSNorm over the last dim around an existing `weight [dim]`.
    pub fn from_weight(weight: Tensor, eps: Option<f64>) -> Result<RMSNorm> {
        if weight.dim() != 1 {
            return Err(Error::invalid("RMSNorm: weight must be 1-dimensional"));
        }
        Ok(RMSNorm {
            normalized_shape: weight.shape().to_vec(),
            eps,
            weight: Some(weight),
            training: true,
        })
    }
}

impl Module for RMSNorm {
    fn type_name(&self) -> String {
        "RMSNorm".into()
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        F::rms_norm(x, &self.normalized_shape, self.weight.as_ref(), self.eps)
    }
    fn visit_parameters(&self, f: &mut dyn FnMut(&str, &Tensor)) {
        if let Some(w) = &self.weight {
            f("weight", w);
        }
    }
    fn visit_parameters_mut(&mut self, f: &mut dyn FnMut(&str, &mut Tensor)) {
        if let Some(w) = &mut self.weight {
            f("weight", w);
        }
    }
    training_flag!();
    fn extra_repr(&self) -> String {
        format!(
            "{}, eps={}, elementwise_affine={}",
            shape_repr(&self.normalized_shape),
            self.eps.map_or("None".to_string(), py_float),
            py_bool(self.weight.is_some())
        )
    }
}

/// Stamps a parameterless activation module (the five differ only in name
/// and the Tensor method they call).
macro_rules! activation {
    ($name:ident, $doc:literal, |$x:ident| $body:expr) => {
        #[doc = $doc]
        pub struct $name {
            training: bool,
        }
        impl $name {
            #[allow(clippy::new_without_default)]
            pub fn new() -> Self {
                $name { training: true }
            }
        }
        impl Module for $name {
            fn type_name(&self) -> String {
                stringify!($name).into()
            }
            fn forward(&self, $x: &Tensor) -> Result<Tensor> {
                $body
            }
            training_flag!();
        }
    };
}

activation!(ReLU, "`nn.ReLU()`.", |x| x.relu());
activation!(SiLU, "`nn.SiLU()`.", |x| x.silu());
activation!(Tanh, "`nn.Tanh()`.", |x| x.tanh());
activation!(Sigmoid, "`nn.Sigmoid()`.", |x| x.sigmoid());

/// An elementwise (or row-wise) function as a module: `nn.LeakyReLU(0.2)`,
/// `nn.Softmax(dim=1)`, `nn.Identity()` and the other parameterless
/// layers PyTorch wraps around a function. `extra` is its repr's inside.
pub struct Activation {
    name: String,
    extra: String,
    f: Box<ActivationFn>,
    training: bool,
}

/// What an [`Activation`] computes.
type ActivationFn = dyn Fn(&Tensor) -> Result<Tensor> + Send + Sync;

impl Activation {
    pub fn new(
        name: impl Into<String>,
        extra: impl Into<String>,
        f: impl Fn(&Tensor) -> Result<Tensor> + Send + Sync + 'static,
    ) -> Activation {
        Activation {
            name: name.into(),
            extra: extra.into(),
            f: Box::new(f),
            training: true,
        }
    }
}

impl Module for Activation {
    fn type_name(&self) -> String {
        self.name.clone()
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        (self.f)(x)
    }
    training_flag!();
    fn extra_repr(&self) -> String {
        self.extra.clone()
    }
}

/// `nn.GELU(approximate='none' | 'tanh')`.
pub struct GELU {
    pub approximate: String,
    training: bool,
}

impl GELU {
    pub fn new(approximate: &str) -> Result<GELU> {
        if approximate != "none" && approximate != "tanh" {
            return Err(Error::invalid(
                "approximate argument must be either none or tanh.",
            ));
        }
        Ok(GELU {
            approximate: approximate.into(),
            training: true,
        })
    }
}

impl Module for GELU {
    fn type_name(&self) -> String {
        "GELU".into()
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        x.gelu(&self.approximate)
    }
    training_flag!();
    fn extra_repr(&self) -> String {
        format!("approximate='{}'", self.approximate)
    }
}

/// `nn.Flatten(start_dim=1, end_dim=-1)`.
pub struct Flatten {
    pub start_dim: i64,
    pub end_dim: i64,
    training: bool,
}

impl Flatten {
    pub fn new(start_dim: i64, end_dim: i64) -> Flatten {
        Flatten {
            start_dim,
            end_dim,
            training: true,
        }
    }
}

impl Default for Flatten {
    fn default() -> Self {
        Flatten::new(1, -1)
    }
}

impl Module for Flatten {
    fn type_name(&self) -> String {
        "Flatten".into()
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        x.flatten(self.start_dim, self.end_dim)
    }
    training_flag!();
    fn extra_repr(&self) -> String {
        format!("start_dim={}, end_dim={}", self.start_dim, self.end_dim)
    }
}

/// `nn.Sequential(*modules)`: children named `0`, `1`, ...; forward chains them.
#[derive(Default)]
pub struct Sequential {
    pub modules: Vec<Box<dyn Module + Send + Sync>>,
    training: bool,
}

impl Sequential {
    pub fn new() -> Sequential {
        Sequential {
            modules: Vec::new(),
            training: true,
        }
    }

    /// Appends a module (builder form of PyTorch's `append`).
    pub fn append(mut self, m: impl Module + Send + Sync + 'static) -> Sequential {
        self.modules.push(Box::new(m));
        self
    }

    pub fn push(&mut self, m: Box<dyn Module + Send + Sync>) {
        self.modules.push(m);
    }

    pub fn len(&self) -> usize {
        self.modules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.modules.is_empty()
    }
}

impl Module for Sequential {
    fn type_name(&self) -> String {
        "Sequential".into()
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut y = x.clone();
        for m in &self.modules {
            y = m.forward(&y)?;
        }
        Ok(y)
    }
    fn visit_children(&self, f: &mut dyn FnMut(&str, &dyn Module)) {
        for (i, m) in self.modules.iter().enumerate() {
            f(&i.to_string(), m.as_ref());
        }
    }
    fn visit_children_mut(&mut self, f: &mut dyn FnMut(&str, &mut dyn Module)) {
        for (i, m) in self.modules.iter_mut().enumerate() {
            f(&i.to_string(), m.as_mut());
        }
    }
    training_flag!();
}

/// `nn.ModuleList(modules)`: indexed children; it has no forward.
#[derive(Default)]
pub struct ModuleList {
    pub modules: Vec<Box<dyn Module + Send + Sync>>,
    training: bool,
}

impl ModuleList {
    pub fn new() -> ModuleList {
        ModuleList {
            modules: Vec::new(),
            training: true,
        }
    }

    pub fn push(&mut self, m: Box<dyn Module + Send + Sync>) {
        self.modules.push(m);
    }

    pub fn len(&self) -> usize {
        self.modules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.modules.is_empty()
    }
}

impl Module for ModuleList {
    fn type_name(&self) -> String {
        "ModuleList".into()
    }
    fn forward(&self, _x: &Tensor) -> Result<Tensor> {
        Err(Error::invalid(
            "Module [ModuleList] is missing the required \"forward\" function",
        ))
    }
    fn visit_children(&self, f: &mut dyn FnMut(&str, &dyn Module)) {
        for (i, m) in self.modules.iter().enumerate() {
            f(&i.to_string(), m.as_ref());
        }
    }
    fn visit_children_mut(&mut self, f: &mut dyn FnMut(&str, &mut dyn Module)) {
        for (i, m) in self.modules.iter_mut().enumerate() {
            f(&i.to_string(), m.as_mut());
        }
    }
    training_flag!();
}

/// `nn.BatchNorm1d` / `nn.BatchNorm2d(num_features, eps, momentum, affine,
/// track_running_stats)`: per-channel batch statistics while training
/// (moving the running statistics), the running statistics in eval mode.
/// Buffers `running_mean`, `running_var`, `num_batches_tracked`, as
/// PyTorch's; `momentum: None` is the cumulative average.
pub struct BatchNorm {
    /// 1 or 2 (the input rank it expects: 2-3 or 4).
    pub spatial: usize,
    pub num_features: usize,
    pub eps: f64,
    pub momentum: Option<f64>,
    pub weight: Option<Tensor>,
    pub bias: Option<Tensor>,
    pub running_mean: Option<Tensor>,
    pub running_var: Option<Tensor>,
    pub num_batches_tracked: Option<Tensor>,
    training: bool,
}

/// Options of [`BatchNorm`] beyond the channel count (PyTorch's defaults).
#[derive(Debug, Clone, Copy)]
pub struct BatchNormOptions {
    pub eps: f64,
    /// `None`: the cumulative moving average.
    pub momentum: Option<f64>,
    pub affine: bool,
    pub bias: bool,
    pub track_running_stats: bool,
    pub dtype: DType,
}

impl Default for BatchNormOptions {
    fn default() -> Self {
        BatchNormOptions {
            eps: 1e-5,
            momentum: Some(0.1),
            affine: true,
            bias: true,
            track_running_stats: true,
            dtype: DType::F32,
        }
    }
}

impl BatchNorm {
    /// `spatial` is 1 for `BatchNorm1d`, 2 for `BatchNorm2d`.
    pub fn new(spatial: usize, num_features: usize, o: BatchNormOptions) -> Result<Self> {
        let full = |v: f64| Tensor::full_on(&[num_features], v, o.dtype, Device::Cpu);
        let weight = if o.affine {
            Some(parameter(full(1.0)?)?)
        } else {
            None
        };
        let bias = if o.affine && o.bias {
            Some(parameter(full(0.0)?)?)
        } else {
            None
        };
        let (running_mean, running_var, num_batches_tracked) = if o.track_running_stats {
            (
                Some(full(0.0)?),
                Some(full(1.0)?),
                Some(Tensor::from_vec(vec![0i64], &[])?),
            )
        } else {
            (None, None, None)
        };
        Ok(BatchNorm {
            spatial,
            num_features,
            eps: o.eps,
            momentum: o.momentum,
            weight,
            bias,
            running_mean,
            running_var,
            num_batches_tracked,
            training: true,
        })
    }
}

impl Module for BatchNorm {
    fn type_name(&self) -> String {
        format!("BatchNorm{}d", self.spatial)
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let ok = match self.spatial {
            1 => x.dim() == 2 || x.dim() == 3,
            _ => x.dim() == self.spatial + 2,
        };
        if !ok {
            let want = match self.spatial {
                1 => "2D or 3D".to_string(),
                s => format!("{}D", s + 2),
            };
            return Err(Error::value(format!(
                "expected {want} input (got {}D input)",
                x.dim()
            )));
        }
        let mut momentum = self.momentum.unwrap_or(0.0);
        if self.training {
            if let Some(n) = &self.num_batches_tracked {
                crate::autograd::with_no_grad(|| n.add_scalar_(1))?;
                if self.momentum.is_none() {
                    momentum = 1.0 / n.item()?;
                }
            }
        }
        F::batch_norm(
            x,
            &F::BatchNormArgs {
                running_mean: self.running_mean.as_ref(),
                running_var: self.running_var.as_ref(),
                weight: self.weight.as_ref(),
                bias: self.bias.as_ref(),
                training: self.training || self.running_mean.is_none(),
                momentum,
                eps: self.eps,
            },
        )
    }
    fn visit_parameters(&self, f: &mut dyn FnMut(&str, &Tensor)) {
        visit_present(&[("weight", &self.weight), ("bias", &self.bias)], f);
    }
    fn visit_parameters_mut(&mut self, f: &mut dyn FnMut(&str, &mut Tensor)) {
        visit_present_mut(
            &mut [("weight", &mut self.weight), ("bias", &mut self.bias)],
            f,
        );
    }
    fn visit_buffers(&self, f: &mut dyn FnMut(&str, &Tensor, bool)) {
        visit_present(
            &[
                ("running_mean", &self.running_mean),
                ("running_var", &self.running_var),
                ("num_batches_tracked", &self.num_batches_tracked),
            ],
            &mut |name, t| f(name, t, true),
        );
    }
    fn visit_buffers_mut(&mut self, f: &mut dyn FnMut(&str, &mut Tensor)) {
        visit_present_mut(
            &mut [
                ("running_mean", &mut self.running_mean),
                ("running_var", &mut self.running_var),
                ("num_batches_tracked", &mut self.num_batches_tracked),
            ],
            f,
        );
    }
    training_flag!();
    fn extra_repr(&self) -> String {
        format!(
            "{}, eps={}, momentum={}, affine={}, bias={}, track_running_stats={}",
            self.num_features,
            py_float(self.eps),
            self.momentum.map_or("None".to_string(), py_float),
            py_bool(self.weight.is_some()),
            py_bool(self.bias.is_some()),
            py_bool(self.running_mean.is_some())
        )
    }
}

/// `nn.AvgPool2d(kernel_size, stride, padding, ceil_mode=False,
/// count_include_pad, divisor_override)`.
pub struct AvgPool2d {
    pub kernel_size: [usize; 2],
    pub stride: [usize; 2],
    pub padding: [usize; 2],
    pub ceil_mode: bool,
    pub count_include_pad: bool,
    pub divisor_override: Option<usize>,
    training: bool,
}

impl AvgPool2d {
    pub fn new(
        kernel_size: [usize; 2],
        stride: Option<[usize; 2]>,
        padding: [usize; 2],
        count_include_pad: bool,
        divisor_override: Option<usize>,
    ) -> Self {
        AvgPool2d {
            kernel_size,
            stride: stride.unwrap_or(kernel_size),
            padding,
            ceil_mode: false,
            count_include_pad,
            divisor_override,
            training: true,
        }
    }

    /// With `ceil_mode`, a last partial window counts (PyTorch's rule).
    pub fn ceil_mode(mut self, on: bool) -> Self {
        self.ceil_mode = on;
        self
    }
}

impl Module for AvgPool2d {
    fn type_name(&self) -> String {
        "AvgPool2d".into()
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        F::avg_pool2d(
            x,
            self.kernel_size,
            Some(self.stride),
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )
    }
    training_flag!();
    fn extra_repr(&self) -> String {
        format!(
            "kernel_size={}, stride={}, padding={}",
            pair_repr(self.kernel_size),
            pair_repr(self.stride),
            pair_repr(self.padding)
        )
    }
}

/// `nn.AdaptiveAvgPool2d(output_size)`.
pub struct AdaptiveAvgPool2d {
    pub output_size: [usize; 2],
    training: bool,
}

impl AdaptiveAvgPool2d {
    pub fn new(output_size: [usize; 2]) -> Self {
        AdaptiveAvgPool2d {
            output_size,
            training: true,
        }
    }
}

impl Module for AdaptiveAvgPool2d {
    fn type_name(&self) -> String {
        "AdaptiveAvgPool2d".into()
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        F::adaptive_avg_pool2d(x, self.output_size)
    }
    training_flag!();
    fn extra_repr(&self) -> String {
        format!("output_size={}", pair_repr(self.output_size))
    }
}

/// `nn.LazyLinear(out_features, bias)`: a [`Linear`] whose `in_features`
/// is the last dim of its first input; its parameters are drawn then (as
/// PyTorch's, so the random stream advances at the first call), and from
/// then on it is that `Linear` (its type name and repr too).
pub struct LazyLinear {
    pub out_features: usize,
    pub bias: bool,
    dtype: DType,
    inner: std::cell::RefCell<Option<Linear>>,
    training: bool,
}

impl LazyLinear {
    pub fn new(out_features: usize, bias: bool, dtype: DType) -> Self {
        LazyLinear {
            out_features,
            bias,
            dtype,
            inner: std::cell::RefCell::new(None),
            training: true,
        }
    }

    /// Whether the first input has fixed the shapes.
    pub fn is_initialized(&self) -> bool {
        self.inner.borrow().is_some()
    }
}

impl Module for LazyLinear {
    fn type_name(&self) -> String {
        if self.is_initialized() {
            "Linear".into()
        } else {
            "LazyLinear".into()
        }
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        if !self.is_initialized() {
            let Some(&inf) = x.shape().last() else {
                return Err(Error::invalid("LazyLinear: a 0-dim input has no features"));
            };
            let l = Linear::with_dtype(inf, self.out_features, self.bias, self.dtype)?;
            *self.inner.borrow_mut() = Some(l);
        }
        let inner = self.inner.borrow();
        inner.as_ref().expect("initialized above").forward(x)
    }
    fn visit_parameters(&self, f: &mut dyn FnMut(&str, &Tensor)) {
        if let Some(l) = self.inner.borrow().as_ref() {
            l.visit_parameters(f);
        }
    }
    fn visit_parameters_mut(&mut self, f: &mut dyn FnMut(&str, &mut Tensor)) {
        if let Some(l) = self.inner.get_mut().as_mut() {
            l.visit_parameters_mut(f);
        }
    }
    training_flag!();
    fn extra_repr(&self) -> String {
        match self.inner.borrow().as_ref() {
            Some(l) => l.extra_repr(),
            None => format!(
                "in_features=0, out_features={}, bias={}",
                self.out_features,
                py_bool(self.bias)
            ),
        }
    }
}
