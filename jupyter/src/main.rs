//! `tinytorch-kernel`: install the kernelspec, or run the kernel for a
//! connection file (Jupyter starts it so).

use std::path::PathBuf;
use std::process::ExitCode;
use tinytorch_jupyter::kernelspec::{self, Target};
use tinytorch_jupyter::{kernel, wire};

const USAGE: &str = "\
usage: tinytorch-kernel install [--user | --sys-prefix | --prefix DIR]
       tinytorch-kernel [--connection-file] FILE

install        write the kernelspec `tinytorch` (default: --user, the user's
               Jupyter data directory; --sys-prefix: the active Python
               environment; --prefix DIR: DIR/share/jupyter)
FILE           run the kernel with this connection file (Jupyter does this)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tinytorch-kernel: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        None | Some("-h" | "--help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some("-V" | "--version") => {
            println!("tinytorch-kernel {}", tinytorch_lang::VERSION);
            Ok(())
        }
        Some("install") => install(&args[1..]),
        Some("--connection-file" | "-f") => {
            let f = args.get(1).ok_or("--connection-file needs a path")?;
            serve(f)
        }
        Some(a) if a.starts_with("--connection-file=") => serve(&a["--connection-file=".len()..]),
        Some(a) if !a.starts_with('-') && args.len() == 1 => serve(a),
        Some(_) => Err(format!("unrecognised arguments\n{USAGE}")),
    }
}

fn install(args: &[String]) -> Result<(), String> {
    let target = match args {
        [a] if a == "-h" || a == "--help" => {
            println!("{USAGE}");
            return Ok(());
        }
        [] => Target::User,
        [a] if a == "--user" => Target::User,
        [a] if a == "--sys-prefix" => Target::SysPrefix,
        [a, dir] if a == "--prefix" => Target::Prefix(PathBuf::from(dir)),
        [a] if a.starts_with("--prefix=") => Target::Prefix(PathBuf::from(&a["--prefix=".len()..])),
        _ => return Err(format!("install: unrecognised arguments\n{USAGE}")),
    };
    let exe = std::env::current_exe().map_err(|e| format!("finding this binary: {e}"))?;
    let exe = exe.canonicalize().unwrap_or(exe);
    let dir = kernelspec::install(&target, &exe)?;
    println!("installed the tinytorch kernelspec in {}", dir.display());
    Ok(())
}

fn serve(file: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("reading {file}: {e}"))?;
    let conn = wire::Connection::parse(&text)?;
    kernel::run(conn, Some(std::path::Path::new(file)))
}
