//! Where a key is in a scenario text: byte span → dotted key path, key path → line.
//!
//! A small, forgiving scanner (it never fails, so it also works on text that
//! toml rejected). It tracks `[table]` and `[[array.of.tables]]` headers with
//! their element indices, `key = value` lines with dotted keys, and values
//! that are inline tables or arrays (nested), so that
//! `job.source[0].rate[1].at` or `job.operator[0].state.keys` can be found.
//! It knows nothing about the scenario schema.

use std::collections::HashMap;

/// One located key: its dotted path and the bytes it covers.
#[derive(Clone, Debug)]
struct Entry {
    path: String,
    start: usize,
    end: usize,
}

/// Index of the keys of one TOML text, for error messages.
#[derive(Clone, Debug)]
pub struct Locator {
    entries: Vec<Entry>,
    line_starts: Vec<usize>,
}

impl Locator {
    /// Scans `text` (valid TOML or not) and indexes its keys.
    pub fn new(text: &str) -> Locator {
        let mut s = Scanner {
            b: text.as_bytes(),
            pos: 0,
            entries: Vec::new(),
            aot: HashMap::new(),
        };
        s.document();
        let mut entries = s.entries;
        entries.sort_by_key(|e| e.start);
        let line_starts = std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter(|(_, b)| *b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect();
        Locator {
            entries,
            line_starts,
        }
    }

    /// 1-based line of a byte offset.
    pub fn line_of_offset(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= offset).max(1)
    }

    /// The most specific key whose text contains `offset` (None at top level).
    pub fn key_at(&self, offset: usize) -> Option<&str> {
        self.entries
            .iter()
            .filter(|e| e.start <= offset && offset < e.end.max(e.start + 1))
            .min_by(|a, b| {
                (a.end - a.start)
                    .cmp(&(b.end - b.start))
                    .then(b.path.len().cmp(&a.path.len()))
            })
            .map(|e| e.path.as_str())
    }

    /// Whether `path` itself appears in the text.
    pub fn has_key(&self, path: &str) -> bool {
        self.entries.iter().any(|e| e.path == path)
    }

    /// 1-based line of `path`; for an absent key, the line of its nearest present
    /// ancestor (the enclosing table's header). None if no ancestor is present.
    pub fn line_of_key(&self, path: &str) -> Option<usize> {
        let mut p = path;
        loop {
            if let Some(e) = self.entries.iter().find(|e| e.path == p) {
                return Some(self.line_of_offset(e.start));
            }
            p = parent(p)?;
        }
    }
}

/// The parent of a dotted key path: `a.b[2].c` → `a.b[2]` → `a.b` → `a`.
pub fn parent(path: &str) -> Option<&str> {
    if path.ends_with(']') {
        return path.rfind('[').map(|i| &path[..i]);
    }
    path.rfind('.').map(|i| &path[..i])
}

/// Appends a key to a path, quoting it if it is not a bare key.
fn join(prefix: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let key = if bare {
        key.to_string()
    } else {
        format!("\"{key}\"")
    };
    if prefix.is_empty() {
        key
    } else {
        format!("{prefix}.{key}")
    }
}

struct Scanner<'a> {
    b: &'a [u8],
    pos: usize,
    entries: Vec<Entry>,
    /// Elements seen so far of each array of tables, by path without index.
    aot: HashMap<String, usize>,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn at(&self, s: &[u8]) -> bool {
        self.b[self.pos.min(self.b.len())..].starts_with(s)
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    fn skip_line(&mut self) {
        while let Some(c) = self.peek() {
            self.pos += 1;
            if c == b'\n' {
                break;
            }
        }
    }

    /// Skips spaces, newlines and comments.
    fn skip_blank(&mut self) {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\r' | b'\n') => self.pos += 1,
                Some(b'#') => self.skip_line(),
                _ => return,
            }
        }
    }

    fn document(&mut self) {
        let mut table = String::new();
        let mut header: Option<usize> = None;
        loop {
            self.skip_blank();
            let start = self.pos;
            if start >= self.b.len() {
                break;
            }
            if self.peek() == Some(b'[') {
                if let Some(h) = header {
                    self.entries[h].end = start;
                }
                let is_aot = self.at(b"[[");
                self.pos += if is_aot { 2 } else { 1 };
                let segs = self.key_segments();
                table = self.header_path(&segs, is_aot);
                header = Some(self.entries.len());
                self.entries.push(Entry {
                    path: table.clone(),
                    start,
                    end: self.b.len(),
                });
            } else {
                self.key_value(&table);
            }
            self.skip_line();
        }
    }

    /// Resolves header segments to a path with array indices, pushing implicit parents.
    fn header_path(&mut self, segs: &[(String, usize, usize)], is_aot: bool) -> String {
        let mut path = String::new();
        for (i, (key, s, e)) in segs.iter().enumerate() {
            path = join(&path, key);
            let last = i + 1 == segs.len();
            if last && is_aot {
                let n = self.aot.entry(path.clone()).or_insert(0);
                path = format!("{path}[{n}]");
                *n += 1;
            } else if let Some(n) = self.aot.get(&path) {
                path = format!("{path}[{}]", n.saturating_sub(1));
            }
            if !last {
                self.entries.push(Entry {
                    path: path.clone(),
                    start: *s,
                    end: *e,
                });
            }
        }
        path
    }

    /// Reads `a."b".c` and returns each key with its byte range.
    fn key_segments(&mut self) -> Vec<(String, usize, usize)> {
        let mut segs = Vec::new();
        loop {
            self.skip_spaces();
            let start = self.pos;
            let key = match self.peek() {
                Some(q @ (b'"' | b'\'')) => {
                    self.pos += 1;
                    while let Some(c) = self.peek() {
                        self.pos += 1;
                        if c == b'\\' && q == b'"' {
                            self.pos += 1;
                        } else if c == q || c == b'\n' {
                            break;
                        }
                    }
                    let end = self.pos.min(self.b.len());
                    let inner = &self.b[(start + 1).min(end)..end.saturating_sub(1).max(start + 1)];
                    String::from_utf8_lossy(inner).into_owned()
                }
                _ => {
                    while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
                    {
                        self.pos += 1;
                    }
                    String::from_utf8_lossy(&self.b[start..self.pos]).into_owned()
                }
            };
            if self.pos == start {
                return segs;
            }
            segs.push((key, start, self.pos.min(self.b.len())));
            self.skip_spaces();
            if self.peek() == Some(b'.') {
                self.pos += 1;
            } else {
                return segs;
            }
        }
    }

    /// Reads `key = value` under `prefix`, recording the key and any nested keys.
    fn key_value(&mut self, prefix: &str) {
        let segs = self.key_segments();
        let Some(((last, last_start, _), parents)) = segs.split_last() else {
            return;
        };
        let mut path = prefix.to_string();
        for (key, s, e) in parents {
            path = join(&path, key);
            self.entries.push(Entry {
                path: path.clone(),
                start: *s,
                end: *e,
            });
        }
        let path = join(&path, last);
        self.skip_spaces();
        let end = if self.peek() == Some(b'=') {
            self.pos += 1;
            self.skip_spaces();
            self.value(&path)
        } else {
            self.pos
        };
        self.entries.push(Entry {
            path,
            start: *last_start,
            end,
        });
    }

    /// Skips one value (recording the keys inside inline tables and arrays); returns its end.
    fn value(&mut self, path: &str) -> usize {
        match self.peek() {
            Some(b'{') => {
                self.pos += 1;
                loop {
                    self.skip_blank();
                    match self.peek() {
                        None => break,
                        Some(b'}') => {
                            self.pos += 1;
                            break;
                        }
                        Some(b',') => self.pos += 1,
                        _ => {
                            let before = self.pos;
                            self.key_value(path);
                            if self.pos == before {
                                break;
                            }
                        }
                    }
                }
            }
            Some(b'[') => {
                self.pos += 1;
                let mut i = 0;
                loop {
                    self.skip_blank();
                    match self.peek() {
                        None => break,
                        Some(b']') => {
                            self.pos += 1;
                            break;
                        }
                        Some(b',') => self.pos += 1,
                        _ => {
                            let start = self.pos;
                            let elem = format!("{path}[{i}]");
                            let end = self.value(&elem);
                            if end == start {
                                break;
                            }
                            self.entries.push(Entry {
                                path: elem,
                                start,
                                end,
                            });
                            i += 1;
                        }
                    }
                }
            }
            Some(q @ (b'"' | b'\'')) => {
                let triple = [q, q, q];
                if self.at(&triple) {
                    self.pos += 3;
                    while self.pos < self.b.len() && !self.at(&triple) {
                        self.pos += if q == b'"' && self.peek() == Some(b'\\') {
                            2
                        } else {
                            1
                        };
                    }
                    self.pos = (self.pos + 3).min(self.b.len());
                } else {
                    self.pos += 1;
                    while let Some(c) = self.peek() {
                        if c == b'\n' {
                            break;
                        }
                        self.pos += 1;
                        if c == b'\\' && q == b'"' {
                            self.pos += 1;
                        } else if c == q {
                            break;
                        }
                    }
                }
            }
            _ => {
                let start = self.pos;
                while matches!(self.peek(), Some(c) if !b",]}#\r\n".contains(&c)) {
                    self.pos += 1;
                }
                while self.pos > start && matches!(self.b[self.pos - 1], b' ' | b'\t') {
                    self.pos -= 1;
                }
            }
        }
        self.pos = self.pos.min(self.b.len());
        self.pos
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"name = "q"   # a comment with [brackets] and key = value
[job]
duration = "10min"

[[job.source]]
name = "orders"
rate = [{ at = "0s", rate = 1000 },
        { at = "5min", rate = 3000 }]

[[job.operator]]
name = "a"

[[job.operator]]
name = "b"
state = { keys = 1, bytes-per-key = 2 }
checkpoint.mode = "x"

[job.operator.extra]
k = 1

[[faults.scripted]]
at = "3min"
task-failure = { task = "a", subtask = 1 }
"#;

    fn span_of(needle: &str, nth: usize) -> usize {
        DOC.match_indices(needle).nth(nth).unwrap().0
    }

    #[test]
    fn key_path_to_line() {
        let l = Locator::new(DOC);
        assert_eq!(l.line_of_key("name"), Some(1));
        assert_eq!(l.line_of_key("job"), Some(2));
        assert_eq!(l.line_of_key("job.duration"), Some(3));
        assert_eq!(l.line_of_key("job.source[0]"), Some(5));
        assert_eq!(l.line_of_key("job.source[0].rate[1].at"), Some(8));
        assert_eq!(l.line_of_key("job.operator[1].name"), Some(14));
        assert_eq!(
            l.line_of_key("job.operator[1].state.bytes-per-key"),
            Some(15)
        );
        assert_eq!(l.line_of_key("job.operator[1].checkpoint.mode"), Some(16));
        assert_eq!(l.line_of_key("job.operator[1].extra.k"), Some(19));
        assert_eq!(
            l.line_of_key("faults.scripted[0].task-failure.subtask"),
            Some(23)
        );
    }

    #[test]
    fn absent_key_points_at_enclosing_header() {
        let l = Locator::new(DOC);
        assert_eq!(l.line_of_key("job.operator[0].capacity"), Some(10));
        assert_eq!(l.line_of_key("job.max-parallelism"), Some(2));
        assert_eq!(l.line_of_key("checkpoint.interval"), None);
    }

    #[test]
    fn span_to_key_path() {
        let l = Locator::new(DOC);
        assert_eq!(l.key_at(span_of("\"10min\"", 0)), Some("job.duration"));
        assert_eq!(
            l.key_at(span_of("3000", 0)),
            Some("job.source[0].rate[1].rate")
        );
        assert_eq!(
            l.key_at(span_of("bytes-per-key", 0)),
            Some("job.operator[1].state.bytes-per-key")
        );
        assert_eq!(
            l.key_at(span_of("keys", 0)),
            Some("job.operator[1].state.keys")
        );
        assert_eq!(
            l.key_at(span_of("checkpoint", 0)),
            Some("job.operator[1].checkpoint")
        );
        assert_eq!(
            l.key_at(span_of("mode", 0)),
            Some("job.operator[1].checkpoint.mode")
        );
        assert_eq!(
            l.key_at(span_of("subtask", 0)),
            Some("faults.scripted[0].task-failure.subtask")
        );
        assert_eq!(l.key_at(span_of("extra", 0)), Some("job.operator[1].extra"));
        assert_eq!(l.key_at(0), Some("name"));
        assert_eq!(l.key_at(span_of("# a comment", 0)), None);
    }

    #[test]
    fn reserialized_nested_arrays_of_tables() {
        let text = "[[job.source]]\nname = \"a\"\n\n[[job.source.rate]]\nat = \"0s\"\n\n[[job.source.rate]]\nrate = \"x\"\n\n[[job.source]]\nname = \"b\"\n\n[job.source.state]\nkeys = 1\n";
        let l = Locator::new(text);
        let at = text.find("\"x\"").unwrap();
        assert_eq!(l.key_at(at), Some("job.source[0].rate[1].rate"));
        assert_eq!(
            l.key_at(text.find("keys").unwrap()),
            Some("job.source[1].state.keys")
        );
        assert_eq!(l.line_of_key("job.source[1].name"), Some(11));
    }

    #[test]
    fn survives_broken_text() {
        for text in [
            "[",
            "[[a",
            "a = [1, {",
            "a = \"unterminated\nb = 2",
            "= 5",
            "a.\"b",
            "x = '''",
        ] {
            let l = Locator::new(text);
            let _ = l.key_at(text.len());
            let _ = l.line_of_key("a.b");
        }
        let l = Locator::new("a = 1\nb = 10s\n");
        assert_eq!(l.key_at(10), Some("b"));
        assert_eq!(l.line_of_offset(10), 2);
    }

    #[test]
    fn parents() {
        assert_eq!(parent("a.b[2].c"), Some("a.b[2]"));
        assert_eq!(parent("a.b[2]"), Some("a.b"));
        assert_eq!(parent("a"), None);
    }
}
