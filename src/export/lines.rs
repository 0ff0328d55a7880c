//! The bounded line reader: the input one line at a time, never more than the
//! cap of one line in memory, each line numbered for error messages and parsed
//! as one JSON object.

use std::io::{self, BufRead};

use serde_json::{Map, Value};

use super::ImportError;
use crate::input::describe;

/// The input, one line at a time, never more than `max` bytes of it in memory.
pub(super) struct Lines<'r> {
    input: &'r mut dyn BufRead,
    max: usize,
    /// The number of the line in `text` (1-based); 0 before the first.
    pub(super) number: u64,
    /// The current line without its newline.
    text: Vec<u8>,
    /// Whether the current line ended with `\n` (rather than the end of input).
    pub(super) terminated: bool,
}

impl<'r> Lines<'r> {
    /// Before the first line of `input`, reading lines of at most `max` bytes.
    pub(super) fn new(input: &'r mut dyn BufRead, max: usize) -> Lines<'r> {
        Lines {
            input,
            max,
            number: 0,
            text: Vec::new(),
            terminated: false,
        }
    }

    /// Reads the next line; false at the end of the input.
    pub(super) fn advance(&mut self) -> Result<bool, ImportError> {
        self.text.clear();
        self.terminated = false;
        let line = self.number + 1;
        loop {
            let available = match self.input.fill_buf() {
                Ok(bytes) => bytes,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => return Err(ImportError::Read { line, source }),
            };
            if available.is_empty() {
                break;
            }
            let newline = available.iter().position(|&b| b == b'\n');
            let take = newline.unwrap_or(available.len());
            if self.text.len() + take > self.max {
                return Err(ImportError::LineTooLong {
                    line,
                    max: self.max,
                });
            }
            self.text.extend_from_slice(&available[..take]);
            self.input.consume(take + usize::from(newline.is_some()));
            if newline.is_some() {
                self.terminated = true;
                break;
            }
        }
        if self.text.is_empty() && !self.terminated {
            return Ok(false);
        }
        self.number = line;
        Ok(true)
    }

    /// The current line as a JSON object.
    pub(super) fn object(&self) -> Result<Map<String, Value>, ImportError> {
        let line = self.number;
        if self.text.is_empty() {
            return Err(ImportError::Line {
                line,
                problem: "is empty; every line of an export is one JSON object".to_owned(),
            });
        }
        match serde_json::from_slice(&self.text) {
            Ok(Value::Object(object)) => Ok(object),
            Ok(other) => Err(ImportError::NotJson {
                line,
                reason: format!("found {}", describe(&other)),
            }),
            Err(e) => Err(ImportError::NotJson {
                line,
                reason: e.to_string(),
            }),
        }
    }
}
