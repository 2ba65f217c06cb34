//! Pictures of a model at work, for teaching: each layer's attention
//! probabilities as a grid of heatmaps (one per head), rows and columns
//! named by the prompt's tokens. Knows how a [`ForwardOutput`] is laid out,
//! nothing of rendering beyond building a [`TensorView`].

use super::model::ForwardOutput;
use crate::viz::tensor::TensorView;
use crate::{Error, Result};

/// One view per layer of sequence `batch`'s attention, `[heads, query, key]`,
/// titled with the layer and labelled with `tokens` (one per position).
pub fn attention_views(
    out: &ForwardOutput,
    batch: usize,
    tokens: &[String],
) -> Result<Vec<TensorView>> {
    if out.attentions.is_empty() {
        return Err(Error::invalid(
            "no attention probabilities: run forward_with_attentions",
        ));
    }
    out.attentions
        .iter()
        .enumerate()
        .map(|(layer, a)| {
            let [b, h, s, t] = <[usize; 4]>::try_from(a.shape())
                .map_err(|_| Error::Internal(format!("attention of shape {:?}", a.shape())))?;
            if batch >= b {
                return Err(Error::invalid(format!(
                    "batch index {batch} out of range for {b} sequences"
                )));
            }
            if tokens.len() != t || s != t {
                return Err(Error::invalid(format!(
                    "{} token labels for attention over {t} positions",
                    tokens.len()
                )));
            }
            let values = a.select(0, batch as i64)?.to_vec_f32()?;
            Ok(TensorView::new(&[h, s, t], values)
                .with_title(format!("layer {layer} attention (head, query, key)"))
                .with_axis_labels(tokens.to_vec(), tokens.to_vec()))
        })
        .collect()
}
