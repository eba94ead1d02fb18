//! `stsenv man [--dir DIR]`: man pages generated from the clap definition, so they never
//! drift from `--help`. `cargo install` puts no files outside ~/.cargo/bin; this does.

use crate::cli::{Cli, ManArgs};
use crate::error::{Error, Result};
use clap::CommandFactory;

pub fn run(args: &ManArgs) -> Result<()> {
    let command = Cli::command();
    let Some(dir) = &args.dir else {
        let mut page = Vec::new();
        clap_mangen::Man::new(command).render(&mut page)?;
        return super::write_stdout(&String::from_utf8_lossy(&page));
    };
    // Private whatever the umask: a world-writable ~/.local would let others add to ~/.local/bin.
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| Error::new(format!("cannot create {}: {e}", dir.display())))?;
    clap_mangen::generate_to(command, dir)
        .map_err(|e| Error::new(format!("cannot write to {}: {e}", dir.display())))?;
    eprintln!(
        "stsenv: wrote stsenv.1 and a page per subcommand to {} (`man stsenv`, `man stsenv-assume`)",
        dir.display()
    );
    if let Some(root) = dir.parent() {
        // man finds ~/.local/share/man only when ~/.local/bin is on PATH; say the way that works.
        eprintln!(
            "stsenv: if `man stsenv` finds nothing, put {} on MANPATH: export MANPATH=\"{}:$(manpath)\"",
            root.display(),
            root.display()
        );
    }
    Ok(())
}
