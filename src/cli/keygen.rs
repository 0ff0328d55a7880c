//! `sitrep keygen --out KEYFILE`: make an Ed25519 checkpoint-signing key.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args as ClapArgs;
use serde_json::json;
use sitrep::note::SigningKey;

use super::context::Context;
use super::Outcome;

/// Make an Ed25519 key for signing checkpoints. The private key goes to --out
/// (readable by you only) and the public key, in the C2SP verifier-key form that
/// `audit --pubkey` and `verify-proof --pubkey` take, to KEYFILE.pub and stdout.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// Where to write the private key; an existing file is never overwritten.
    #[arg(long, value_name = "KEYFILE")]
    out: PathBuf,
    /// The key's name, shown in every signature line (no spaces or `+`; a
    /// schema-less URL such as `example.org/analyst` is recommended).
    #[arg(long, default_value = "sitrep")]
    name: String,
}

pub fn run(ctx: &Context, args: Args, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let key = SigningKey::generate(&args.name)?;
    let verifier = key.verifier().to_text();
    let mut public = args.out.as_os_str().to_owned();
    public.push(".pub");
    let public = PathBuf::from(public);
    for path in [&args.out, &public] {
        if path.exists() {
            anyhow::bail!(
                "{} already exists; keygen never overwrites a key",
                path.display()
            );
        }
    }
    write_new(&args.out, &format!("{}\n", key.to_text()), true)?;
    write_new(&public, &format!("{verifier}\n"), false)?;
    if ctx.json {
        let line = json!({
            "key_file": args.out.display().to_string(),
            "public_key_file": public.display().to_string(),
            "verifier_key": verifier,
        });
        writeln!(out, "{line}")?;
    } else {
        writeln!(out, "{verifier}")?;
        eprintln!(
            "sitrep: note: private key written to {} (keep it secret); public key to {}",
            args.out.display(),
            public.display()
        );
    }
    Ok(Outcome::Success)
}

/// Creates `path`, failing if it exists; `private` files are readable by the
/// owner only (on Unix).
fn write_new(path: &PathBuf, text: &str, private: bool) -> anyhow::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}
