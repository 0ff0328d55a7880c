//! Embeds the seed corpus (`fixtures/seeds/*.json`, in name order) into the binary
//! so that `sitrep demo` works from a clone alone, with no path to find at run time.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let seeds = manifest.join("fixtures").join("seeds");
    println!("cargo:rerun-if-changed={}", seeds.display());
    let mut names: Vec<String> = fs::read_dir(&seeds)
        .map(|dir| {
            dir.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".json") || n.ends_with(".jsonl"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut code = String::from("/// The seed corpus, in append order: (file name, contents).\npub const FIXTURES: &[(&str, &str)] = &[\n");
    for name in &names {
        let path = seeds.join(name);
        println!("cargo:rerun-if-changed={}", path.display());
        let _ = writeln!(
            code,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap_or_default()).join("fixtures.rs");
    if let Err(e) = fs::write(&out, code) {
        panic!("cannot write {}: {e}", out.display());
    }
}
