use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    connectoscope::cli::run(connectoscope::cli::Cli::parse())
}
