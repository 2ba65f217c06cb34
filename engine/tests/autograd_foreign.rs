//! Steps computed above the engine: a node recorded with `record_foreign`
//! and tensor hooks run by the caller's `Foreign` during the walk, checked
//! against hand-derived gradients; without a `Foreign` they are errors.

use tinytorch::autograd::{
    backward, backward_foreign, foreign_key, record_foreign, register_hook, remove_hook, Foreign,
    SavedTensor,
};
use tinytorch::{DType, Tensor};

fn leaf(v: &[f64]) -> Tensor {
    Tensor::from_vec_f64(v, &[v.len()], DType::F64)
        .unwrap()
        .requires_grad_(true)
        .unwrap()
}

/// y = x^3 recorded under `cube`, its saved input in `saved`; hooks under
/// `double` multiply by 2, under `log` record what they saw.
struct Above {
    cube: u64,
    saved: Option<SavedTensor>,
    double: u64,
    seen: Vec<Vec<f64>>,
}

impl Foreign for Above {
    fn backward(
        &mut self,
        key: u64,
        grad: &Tensor,
        needs: &[bool],
    ) -> tinytorch::Result<Vec<Option<Tensor>>> {
        assert_eq!(key, self.cube);
        assert_eq!(needs, [true]);
        let x = self.saved.as_ref().unwrap().get("CubeBackward")?;
        // d(x^3)/dx = 3x^2
        Ok(vec![Some(grad.mul(&x.mul(&x)?.mul_scalar(3.0)?)?)])
    }

    fn hook(&mut self, key: u64, grad: &Tensor) -> tinytorch::Result<Option<Tensor>> {
        self.seen.push(grad.to_vec_f64()?);
        (key == self.double)
            .then(|| grad.mul_scalar(2.0))
            .transpose()
    }
}

#[test]
fn a_foreign_node_and_hooks_run_in_the_walk() {
    let x = leaf(&[1.0, -2.0, 0.5]);
    let cube = foreign_key();
    let saved = SavedTensor::new("self", &x);
    let y = {
        let _off = tinytorch::autograd::no_grad();
        x.mul(&x).unwrap().mul(&x).unwrap()
    };
    let y = record_foreign(y, "CubeBackward", &[&x], vec![saved.clone()], cube);
    assert_eq!(y.grad_fn().unwrap().name(), "CubeBackward");
    let double = foreign_key();
    register_hook(&y, double).unwrap();
    let log = foreign_key();
    register_hook(&x, log).unwrap();
    let mut above = Above {
        cube,
        saved: Some(saved),
        double,
        seen: vec![],
    };
    let s = y.sum().unwrap();
    backward_foreign(&s, None, false, false, Some(&mut above)).unwrap();
    // The hook on y saw ones and doubled them; x's hook saw 2 * 3x^2.
    assert_eq!(above.seen, vec![vec![1.0; 3], vec![6.0, 24.0, 1.5]]);
    assert_eq!(x.grad().unwrap().to_vec_f64().unwrap(), [6.0, 24.0, 1.5]);
    // The saved input was freed with the graph.
    assert!(above.saved.as_ref().unwrap().is_released());
}

#[test]
fn without_a_foreign_the_walk_names_the_problem() {
    let x = leaf(&[1.0]);
    let y = record_foreign(
        x.mul_scalar(2.0).unwrap().detach(),
        "TwiceBackward",
        &[&x],
        vec![],
        foreign_key(),
    );
    let e = backward(&y.sum().unwrap(), None, false)
        .unwrap_err()
        .to_string();
    assert!(e.contains("TwiceBackward"), "{e}");
    let z = x.mul_scalar(3.0).unwrap();
    let k = foreign_key();
    register_hook(&z, k).unwrap();
    let e = backward(&z.sum().unwrap(), None, false)
        .unwrap_err()
        .to_string();
    assert!(e.contains("hook"), "{e}");
    // A removed hook is not asked for.
    let z = x.mul_scalar(3.0).unwrap();
    register_hook(&z, k).unwrap();
    remove_hook(&z, k);
    backward(&z.sum().unwrap(), None, false).unwrap();
}

#[test]
fn hooks_need_a_tensor_that_requires_grad() {
    let t = Tensor::from_vec_f64(&[1.0], &[1], DType::F64).unwrap();
    let e = register_hook(&t, foreign_key()).unwrap_err().to_string();
    assert!(e.contains("doesn't require gradient"), "{e}");
}
