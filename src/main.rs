//! The `cookie-audit` binary: everything lives in the library; see `cookie_audit::cli`.

fn main() -> std::process::ExitCode {
    cookie_audit::cli::main()
}
