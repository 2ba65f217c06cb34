//! Choosing the next token from one row of logits, with Hugging Face's
//! processors in Hugging Face's order and meaning: the repetition penalty
//! (over every id already in the sequence), then, when sampling,
//! temperature, top-k, top-p and min-p, each removing tokens by setting
//! their logit to -inf; then the argmax (greedy) or a draw from the
//! softmax of what is left, with the engine's generator. Knows nothing of
//! models.

use crate::random::Generator;
use crate::{Error, Result};

/// The sampling settings of one `generate` call (`GenerationConfig`'s fields).
#[derive(Debug, Clone, PartialEq)]
pub struct SamplingConfig {
    pub do_sample: bool,
    pub temperature: f64,
    /// 0 disables it.
    pub top_k: usize,
    pub top_p: f64,
    pub min_p: Option<f64>,
    pub repetition_penalty: f64,
}

impl Default for SamplingConfig {
    /// transformers' `GenerationConfig()` defaults.
    fn default() -> Self {
        SamplingConfig {
            do_sample: false,
            temperature: 1.0,
            top_k: 50,
            top_p: 1.0,
            min_p: None,
            repetition_penalty: 1.0,
        }
    }
}

impl SamplingConfig {
    /// transformers' checks, as errors.
    pub fn validate(&self) -> Result<()> {
        if self.do_sample && (self.temperature <= 0.0 || !self.temperature.is_finite()) {
            return Err(Error::invalid(format!(
                "`temperature` (={}) has to be a strictly positive float, otherwise your next token scores will be invalid.",
                self.temperature
            )));
        }
        if !(0.0..=1.0).contains(&self.top_p) {
            return Err(Error::invalid(format!(
                "`top_p` has to be a float > 0 and < 1, but is {}",
                self.top_p
            )));
        }
        if let Some(m) = self.min_p {
            if !(0.0..=1.0).contains(&m) {
                return Err(Error::invalid(format!(
                    "`min_p` has to be a float >= 0 and <= 1, but is {m}"
                )));
            }
        }
        if self.repetition_penalty <= 0.0 || !self.repetition_penalty.is_finite() {
            return Err(Error::invalid(format!(
                "`penalty` has to be a strictly positive float, but is {}",
                self.repetition_penalty
            )));
        }
        Ok(())
    }

    /// Applies the processors to `logits` in place: afterwards the tokens
    /// that may be chosen are exactly those with a finite logit.
    pub fn process(&self, logits: &mut [f32], previous: &[i64]) {
        if self.repetition_penalty != 1.0 {
            let p = self.repetition_penalty as f32;
            let mut seen = vec![false; logits.len()];
            for &id in previous {
                if let Some(s) = seen.get_mut(id as usize) {
                    *s = true;
                }
            }
            for (l, _) in logits.iter_mut().zip(&seen).filter(|(_, s)| **s) {
                *l = if *l < 0.0 { *l * p } else { *l / p };
            }
        }
        if !self.do_sample {
            return;
        }
        if self.temperature != 1.0 {
            let t = self.temperature as f32;
            logits.iter_mut().for_each(|l| *l /= t);
        }
        if self.top_k > 0 && self.top_k < logits.len() {
            // remove everything below the k-th largest logit (ties kept)
            let mut sorted: Vec<f32> = logits.to_vec();
            sorted.sort_unstable_by(|a, b| b.total_cmp(a));
            let kth = sorted[self.top_k - 1];
            logits
                .iter_mut()
                .filter(|l| **l < kth)
                .for_each(|l| *l = f32::NEG_INFINITY);
        }
        if self.top_p < 1.0 {
            // ascending order; drop the prefix whose cumulative probability
            // is <= 1 - top_p, always keeping the most likely token
            let mut order: Vec<usize> = (0..logits.len()).collect();
            order.sort_by(|&a, &b| logits[a].total_cmp(&logits[b]));
            let sorted: Vec<f32> = order.iter().map(|&i| logits[i]).collect();
            let probs = softmax(&sorted);
            let mut cum = 0f32;
            let last = order.len().saturating_sub(1);
            for (r, &i) in order.iter().enumerate() {
                cum += probs[r];
                if cum <= (1.0 - self.top_p) as f32 && r < last {
                    logits[i] = f32::NEG_INFINITY;
                }
            }
        }
        if let Some(min_p) = self.min_p {
            let probs = softmax(logits);
            let top = probs.iter().copied().fold(0f32, f32::max);
            let floor = min_p as f32 * top;
            let best = argmax(logits);
            for (i, l) in logits.iter_mut().enumerate() {
                if probs[i] < floor && i != best {
                    *l = f32::NEG_INFINITY;
                }
            }
        }
    }

    /// The next token: argmax, or a draw from the processed distribution.
    pub fn choose(&self, logits: &mut [f32], previous: &[i64], g: &mut Generator) -> Result<i64> {
        if logits.is_empty() {
            return Err(Error::invalid("cannot choose a token from empty logits"));
        }
        self.process(logits, previous);
        if !self.do_sample {
            return Ok(argmax(logits) as i64);
        }
        let probs = softmax(logits);
        let u = g.uniform_f64(1, 0.0, 1.0)?[0];
        let mut cum = 0f64;
        let mut last = 0;
        for (i, &p) in probs.iter().enumerate() {
            if p > 0.0 {
                cum += p as f64;
                last = i;
                if u < cum {
                    return Ok(i as i64);
                }
            }
        }
        Ok(last as i64) // rounding left u above the total
    }
}

/// The first index of the largest value (`torch.argmax`).
pub fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] || (v[best].is_nan() && !x.is_nan()) {
            best = i;
        }
    }
    best
}

/// A numerically stable softmax of one row (-inf entries get 0).
pub fn softmax(v: &[f32]) -> Vec<f32> {
    let max = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    if !max.is_finite() {
        return vec![1.0 / v.len().max(1) as f32; v.len()];
    }
    let e: Vec<f32> = v.iter().map(|&x| (x - max).exp()).collect();
    let s: f32 = e.iter().sum();
    e.into_iter().map(|x| x / s).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(cfg: &SamplingConfig, logits: &[f32], prev: &[i64]) -> Vec<usize> {
        let mut l = logits.to_vec();
        cfg.process(&mut l, prev);
        (0..l.len()).filter(|&i| l[i].is_finite()).collect()
    }

    fn sampling() -> SamplingConfig {
        SamplingConfig {
            do_sample: true,
            top_k: 0,
            ..SamplingConfig::default()
        }
    }

    #[test]
    fn each_filter_keeps_the_hand_computed_support() {
        // softmax of [3, 2, 1, 0, -1] = .636 .234 .086 .032 .012
        let l = [1.0, 3.0, -1.0, 2.0, 0.0];
        let cfg = SamplingConfig {
            top_k: 2,
            ..sampling()
        };
        assert_eq!(kept(&cfg, &l, &[]), vec![1, 3]);
        // top_p .8: ascending cumulative .012 .044 .130 .364 1; those <= .2
        // go (ids 2, 4, 0); top_p .9: those <= .1 go (ids 2, 4)
        let cfg = SamplingConfig {
            top_p: 0.8,
            ..sampling()
        };
        assert_eq!(kept(&cfg, &l, &[]), vec![1, 3]);
        let cfg = SamplingConfig {
            top_p: 0.9,
            ..sampling()
        };
        assert_eq!(kept(&cfg, &l, &[]), vec![0, 1, 3]);
        // min_p .1: keep p >= .0636 -> .636 .234 .086
        let cfg = SamplingConfig {
            min_p: Some(0.1),
            ..sampling()
        };
        assert_eq!(kept(&cfg, &l, &[]), vec![0, 1, 3]);
        // temperature 0.5 doubles the gaps: softmax [6,4,2,0,-2] has
        // .867 .117 .016 ...; top_p .9 keeps the two largest
        let cfg = SamplingConfig {
            temperature: 0.5,
            top_p: 0.9,
            ..sampling()
        };
        assert_eq!(kept(&cfg, &l, &[]), vec![1, 3]);
    }

    #[test]
    fn repetition_penalty_divides_positive_and_multiplies_negative() {
        let mut l = [2.0f32, -1.0, 4.0];
        let cfg = SamplingConfig {
            repetition_penalty: 2.0,
            ..SamplingConfig::default()
        };
        cfg.process(&mut l, &[0, 1, 1]);
        assert_eq!(l, [1.0, -2.0, 4.0]);
    }
}
