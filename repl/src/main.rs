//! `tinytorch-repl`: the terminal front end of the tinytorch language.

fn main() {
    println!(
        "tinytorch {} (engine {}) — the language front end is not built yet",
        tinytorch_lang::VERSION,
        tinytorch::VERSION
    );
}
