//! Colours and colour maps shared by the renderers: a sequential map for
//! non-negative data, a diverging map centred on zero for signed data, the
//! gradient-norm scale (vanishing -> healthy -> exploding) and the series
//! palette. Knows nothing of SVG or PNG; colours are plain RGB triples.

/// An RGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub const WHITE: Rgb = Rgb(255, 255, 255);
    pub const BLACK: Rgb = Rgb(0, 0, 0);

    /// `#rrggbb`, as SVG and HTML write it.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// Black or white, whichever reads better on this background.
    pub fn text_on(self) -> Rgb {
        let l = 0.299 * f64::from(self.0) + 0.587 * f64::from(self.1) + 0.114 * f64::from(self.2);
        if l > 140.0 {
            Rgb(20, 20, 20)
        } else {
            Rgb::WHITE
        }
    }

    fn lerp(self, o: Rgb, t: f64) -> Rgb {
        let m = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
        Rgb(m(self.0, o.0), m(self.1, o.1), m(self.2, o.2))
    }
}

/// Piecewise-linear interpolation through evenly spaced stops; `t` is clamped
/// to [0, 1] and NaN maps to the first stop.
fn ramp(stops: &[Rgb], t: f64) -> Rgb {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let n = stops.len() - 1;
    let x = t * n as f64;
    let i = (x.floor() as usize).min(n - 1);
    stops[i].lerp(stops[i + 1], x - i as f64)
}

/// A viridis-like sequential map (dark purple -> teal -> yellow).
pub fn sequential(t: f64) -> Rgb {
    const STOPS: [Rgb; 5] = [
        Rgb(68, 1, 84),
        Rgb(59, 82, 139),
        Rgb(33, 145, 140),
        Rgb(94, 201, 98),
        Rgb(253, 231, 37),
    ];
    ramp(&STOPS, t)
}

/// A blue-white-red map; `t = 0.5` is white (zero for signed data).
pub fn diverging(t: f64) -> Rgb {
    const STOPS: [Rgb; 5] = [
        Rgb(33, 102, 172),
        Rgb(146, 197, 222),
        Rgb(247, 247, 247),
        Rgb(244, 165, 130),
        Rgb(178, 24, 43),
    ];
    ramp(&STOPS, t)
}

/// Grey for NaN cells and bars.
pub const NAN_GREY: Rgb = Rgb(190, 190, 190);

/// The decades the gradient-norm scale spans: 1e-8 (vanishing) to 1e4
/// (exploding). Norms between 1e-3 and 1e1 come out green.
pub const GRAD_LOG10_RANGE: (f64, f64) = (-8.0, 4.0);

/// Colour of a gradient norm: purple/blue when vanishing, green when
/// healthy, orange/red when exploding. Zero is the most vanishing colour;
/// NaN and infinity are the most exploding one.
/// A gradient that is exactly zero (no signal at all, not a vanishing one).
pub const NO_GRAD: Rgb = Rgb(160, 160, 160);

pub fn grad_norm(norm: f64) -> Rgb {
    const STOPS: [Rgb; 7] = [
        Rgb(84, 39, 143),   // 1e-8
        Rgb(66, 110, 200),  // 1e-6
        Rgb(120, 190, 230), // 1e-4
        Rgb(70, 170, 90),   // 1e-2
        Rgb(70, 170, 90),   // 1e0
        Rgb(245, 160, 40),  // 1e2
        Rgb(200, 30, 30),   // 1e4
    ];
    if !norm.is_finite() {
        return STOPS[6];
    }
    ramp(&STOPS, grad_norm_position(norm))
}

/// Where a norm sits on the gradient-norm scale, in [0, 1].
pub fn grad_norm_position(norm: f64) -> f64 {
    let (lo, hi) = GRAD_LOG10_RANGE;
    if norm.is_nan() || norm == f64::INFINITY {
        return 1.0;
    }
    let n = norm.abs();
    if n == 0.0 {
        return 0.0;
    }
    ((n.log10() - lo) / (hi - lo)).clamp(0.0, 1.0)
}

/// Distinct colours for chart series (Tableau 10 order of hues).
pub const PALETTE: [Rgb; 8] = [
    Rgb(31, 119, 180),
    Rgb(255, 127, 14),
    Rgb(44, 160, 44),
    Rgb(214, 39, 40),
    Rgb(148, 103, 189),
    Rgb(140, 86, 75),
    Rgb(227, 119, 194),
    Rgb(127, 127, 127),
];

/// How a value range maps to colours: diverging around zero when the data
/// has both signs, sequential otherwise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValueScale {
    pub lo: f64,
    pub hi: f64,
    pub diverging: bool,
}

impl ValueScale {
    /// A scale over the finite values; `[0, 1]` when there are none.
    pub fn fit(values: impl Iterator<Item = f64>) -> Self {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values.filter(|v| v.is_finite()) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if lo > hi {
            return Self {
                lo: 0.0,
                hi: 1.0,
                diverging: false,
            };
        }
        let diverging = lo < 0.0 && hi > 0.0;
        if diverging {
            let m = lo.abs().max(hi.abs());
            Self {
                lo: -m,
                hi: m,
                diverging,
            }
        } else {
            Self { lo, hi, diverging }
        }
    }

    /// Position of `v` in [0, 1]; a flat range maps everything to the middle.
    pub fn position(&self, v: f64) -> f64 {
        if v == f64::INFINITY {
            return 1.0;
        }
        if v == f64::NEG_INFINITY {
            return 0.0;
        }
        let span = self.hi - self.lo;
        if span <= 0.0 || !span.is_finite() {
            return 0.5;
        }
        ((v - self.lo) / span).clamp(0.0, 1.0)
    }

    /// The colour of `v`; NaN is grey.
    pub fn color(&self, v: f64) -> Rgb {
        if v.is_nan() {
            return NAN_GREY;
        }
        let t = self.position(v);
        if self.diverging {
            diverging(t)
        } else {
            sequential(t)
        }
    }

    /// The colour at a position of the bar, for drawing colour bars.
    pub fn color_at(&self, t: f64) -> Rgb {
        if self.diverging {
            diverging(t)
        } else {
            sequential(t)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramps_hit_their_ends_and_survive_nan() {
        assert_eq!(sequential(0.0), Rgb(68, 1, 84));
        assert_eq!(sequential(1.0), Rgb(253, 231, 37));
        assert_eq!(diverging(0.5), Rgb(247, 247, 247));
        assert_eq!(sequential(f64::NAN), Rgb(68, 1, 84));
    }

    #[test]
    fn grad_norm_scale_goes_from_vanishing_to_exploding() {
        assert_eq!(grad_norm(0.0), Rgb(84, 39, 143));
        assert_eq!(grad_norm(0.5), Rgb(70, 170, 90));
        assert_eq!(grad_norm(1e9), Rgb(200, 30, 30));
        assert_eq!(grad_norm(f64::NAN), Rgb(200, 30, 30));
    }

    #[test]
    fn signed_data_gets_a_symmetric_diverging_scale() {
        let s = ValueScale::fit([-1.0, 3.0, f64::NAN].into_iter());
        assert!(s.diverging);
        assert_eq!((s.lo, s.hi), (-3.0, 3.0));
        assert_eq!(s.position(0.0), 0.5);
        assert_eq!(s.color(f64::NAN), NAN_GREY);
        let flat = ValueScale::fit([2.0, 2.0].into_iter());
        assert_eq!(flat.position(2.0), 0.5);
    }
}
