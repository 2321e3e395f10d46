//! The `feedgen` command: parses flags, sets up logging, runs the library, maps
//! errors to exit codes. Everything below `cli/` belongs to the binary only.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
