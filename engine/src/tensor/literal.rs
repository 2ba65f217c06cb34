//! `Tensor::new`: tensors written as Rust values, the way `torch.tensor`
//! takes nested lists. Arrays, vectors and slices nest to any depth; the
//! element type picks the dtype (`f32` -> float32, `f64` -> float64, `i64`
//! -> int64, `i32`, `bool`, `f16`, `bf16`). Ragged vectors are an error.

use half::{bf16, f16};

use crate::storage::cpu::IntoStorage;
use crate::{Error, Result, Tensor};

/// Something [`Tensor::new`] can read: a scalar, or an array, vector or
/// slice of things of one shape.
pub trait TensorData {
    /// The scalar type at the bottom of the nesting.
    type Elem: IntoStorage + Copy;

    /// The shape, checking that nested vectors are not ragged.
    fn shape(&self) -> Result<Vec<usize>>;

    /// Appends the values in row-major order.
    fn push_values(&self, out: &mut Vec<Self::Elem>);
}

macro_rules! scalar_data {
    ($($t:ty),*) => {$(
        impl TensorData for $t {
            type Elem = $t;
            fn shape(&self) -> Result<Vec<usize>> {
                Ok(Vec::new())
            }
            fn push_values(&self, out: &mut Vec<$t>) {
                out.push(*self);
            }
        }
    )*};
}
scalar_data!(f32, f64, i64, i32, bool, f16, bf16);

/// The shape of a sequence of items: its length, then the items' common shape.
fn sequence_shape<T: TensorData>(items: &[T]) -> Result<Vec<usize>> {
    let inner = match items.first() {
        Some(first) => first.shape()?,
        None => Vec::new(),
    };
    for (i, item) in items.iter().enumerate().skip(1) {
        let s = item.shape()?;
        if s != inner {
            return Err(Error::invalid(format!(
                "expected sequence of shape {inner:?} at index {i}, got {s:?} (ragged nesting)"
            )));
        }
    }
    let mut shape = vec![items.len()];
    shape.extend(inner);
    Ok(shape)
}

impl<T: TensorData> TensorData for [T] {
    type Elem = T::Elem;
    fn shape(&self) -> Result<Vec<usize>> {
        sequence_shape(self)
    }
    fn push_values(&self, out: &mut Vec<T::Elem>) {
        for item in self {
            item.push_values(out);
        }
    }
}

impl<T: TensorData, const N: usize> TensorData for [T; N] {
    type Elem = T::Elem;
    fn shape(&self) -> Result<Vec<usize>> {
        sequence_shape(self.as_slice())
    }
    fn push_values(&self, out: &mut Vec<T::Elem>) {
        self.as_slice().push_values(out)
    }
}

impl<T: TensorData> TensorData for Vec<T> {
    type Elem = T::Elem;
    fn shape(&self) -> Result<Vec<usize>> {
        sequence_shape(self.as_slice())
    }
    fn push_values(&self, out: &mut Vec<T::Elem>) {
        self.as_slice().push_values(out)
    }
}

impl<T: TensorData + ?Sized> TensorData for &T {
    type Elem = T::Elem;
    fn shape(&self) -> Result<Vec<usize>> {
        (**self).shape()
    }
    fn push_values(&self, out: &mut Vec<T::Elem>) {
        (**self).push_values(out)
    }
}

impl Tensor {
    /// `torch.tensor(data)` from Rust values: nested arrays, vectors or
    /// slices; the element type gives the dtype (write `1f32` or `1.0_f32`
    /// for float32: a bare `1.0` in Rust is an `f64`).
    ///
    /// ```
    /// use tinytorch::prelude::*;
    /// let x = Tensor::new(&[[1f32, 2.], [3., 4.]])?;
    /// assert_eq!((x.shape(), x.dtype()), (&[2, 2][..], DType::F32));
    /// let labels = Tensor::new(vec![0i64, 2, 1])?;
    /// assert_eq!(labels.dtype(), DType::I64);
    /// assert!(Tensor::new(vec![vec![1.0], vec![2.0, 3.0]]).is_err()); // ragged
    /// # Ok::<(), tinytorch::Error>(())
    /// ```
    pub fn new<D: TensorData>(data: D) -> Result<Tensor> {
        let shape = data.shape()?;
        let n = crate::shape::checked_numel(&shape)?;
        let mut values = Vec::new();
        values
            .try_reserve_exact(n)
            .map_err(|_| Error::invalid(format!("cannot allocate a tensor of {n} elements")))?;
        data.push_values(&mut values);
        Tensor::from_vec(values, &shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DType;

    #[test]
    fn shapes_and_dtypes_follow_the_rust_values() {
        let t = Tensor::new([[[1i32], [2]], [[3], [4]], [[5], [6]]]).unwrap();
        assert_eq!(t.shape(), &[3, 2, 1]);
        assert_eq!(t.dtype(), DType::I32);
        assert_eq!(t.to_vec_f64().unwrap(), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let s = Tensor::new(2.5f64).unwrap();
        assert_eq!((s.shape(), s.dtype()), (&[][..], DType::F64));
        let v: &[bool] = &[true, false];
        assert_eq!(Tensor::new(v).unwrap().dtype(), DType::Bool);
        let e: Vec<f32> = Vec::new();
        assert_eq!(Tensor::new(e).unwrap().shape(), &[0]);
    }

    #[test]
    fn ragged_vectors_name_the_offending_index() {
        let err = Tensor::new(vec![vec![1f32, 2.], vec![3.], vec![4., 5.]]).unwrap_err();
        assert!(err.to_string().contains("index 1"), "{err}");
    }
}
