//! Runs a script file (or stdin) through a `Session`, like `python FILE`.
use std::io::Read;

fn main() {
    let path = std::env::args().nth(1);
    let mut src = String::new();
    let name = match &path {
        Some(p) => {
            src = std::fs::read_to_string(p).expect("readable script");
            p.clone()
        }
        None => {
            std::io::stdin().read_to_string(&mut src).expect("stdin");
            "<stdin>".to_string()
        }
    };
    let mut s = tinytorch_lang::Session::new();
    match s.run(&src, &name, false) {
        Ok(_) => {}
        Err(e) => {
            eprintln!("{}", e.render());
            std::process::exit(e.exit_code.unwrap_or(1));
        }
    }
}
