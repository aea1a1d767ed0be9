//! A bounded list of problem sentences, so hostile input cannot produce unbounded reports.

/// How many problems are kept verbatim; the rest are only counted.
const KEPT: usize = 100;

/// Problems found while reading or checking an `arrow` block, each "<pointer>: <sentence>".
#[derive(Debug, Default)]
pub struct Problems {
    kept: Vec<String>,
    dropped: usize,
}

impl Problems {
    /// Records one problem at `pointer`.
    pub fn push(&mut self, pointer: &str, sentence: impl AsRef<str>) {
        if self.kept.len() < KEPT {
            self.kept.push(format!("{pointer}: {}", sentence.as_ref()));
        } else {
            self.dropped += 1;
        }
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// The sentences, with a closing one counting those not kept.
    pub fn into_sentences(mut self) -> Vec<String> {
        if self.dropped > 0 {
            self.kept
                .push(format!("… and {} more problems", self.dropped));
        }
        self.kept
    }

    /// The first problem, with a count of the others: one line for an error message.
    pub fn summary(&self) -> String {
        let others = self.kept.len().saturating_sub(1) + self.dropped;
        let first = self.kept.first().map_or("no problem", String::as_str);
        match others {
            0 => first.to_string(),
            1 => format!("{first} (and 1 more problem)"),
            n => format!("{first} (and {n} more problems)"),
        }
    }
}
