//! Fuzzes the report reader behind `sitrep append`: `input::parse` over the
//! whole input, and the streaming `input::read` through a buffer whose size
//! the first byte chooses, with the default limits and with tiny ones. It must
//! never panic, and the streaming read must agree with the whole read — the
//! same facts or the same error — whatever the buffer size.

#![no_main]

use std::io::BufReader;

use libfuzzer_sys::fuzz_target;
use sitrep::input::{self, Budget, Limits};

fn read(bytes: &[u8], capacity: usize, limits: Limits) -> Result<String, String> {
    let mut reader = BufReader::with_capacity(capacity, bytes);
    input::read("fuzz", &mut reader, &mut Budget::new(limits))
        .map(|facts| format!("{facts:?}"))
        .map_err(|e| e.to_string())
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, bytes)) = data.split_first() else {
        return;
    };
    let capacity = usize::from(first % 64) + 1;
    let whole = input::parse("fuzz", bytes)
        .map(|facts| format!("{facts:?}"))
        .map_err(|e| e.to_string());
    assert_eq!(read(bytes, capacity, Limits::default()), whole);
    let tiny = Limits {
        max_line_bytes: 700,
        max_document_bytes: 3000,
        max_fact_bytes: 400,
        max_batch_facts: 6,
        max_batch_bytes: 4000,
    };
    assert_eq!(read(bytes, capacity, tiny), read(bytes, 8192, tiny));
});
