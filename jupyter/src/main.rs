//! `tinytorch-kernel`: the Jupyter kernel for the tinytorch language.

fn main() {
    eprintln!(
        "tinytorch-kernel {}: the Jupyter kernel is not built yet",
        tinytorch_lang::VERSION
    );
    std::process::exit(2);
}
