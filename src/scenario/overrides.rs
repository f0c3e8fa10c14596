//! `--set KEY=VALUE` overrides, like Flink's `-D`: parsed, then applied to the
//! scenario's TOML table before it is deserialized.
//!
//! KEY is a dotted path with `[i]` for elements of arrays of tables
//! (`job.operator[0].capacity`). VALUE is a TOML value if it parses as one
//! (`2`, `true`, `"x"`, `[1, 2]`), otherwise a string (`5s`, `full`). Whether
//! the key exists in the schema is not checked here: deserialization does it.

use super::ScenarioError;
use toml::{Table, Value};

/// One parsed `--set KEY=VALUE`.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// The key in canonical form, e.g. `job.operator[0].capacity`.
    pub key: String,
    steps: Vec<Step>,
    /// The value to set.
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

const EXAMPLE: &str = "e.g. --set checkpoint.interval=30s or --set job.operator[0].capacity=5000";

fn error(key: &str, message: String) -> ScenarioError {
    ScenarioError {
        file: "--set".into(),
        line: None,
        key: key.into(),
        message,
    }
}

/// Parses one `KEY=VALUE` argument.
pub fn parse(arg: &str) -> Result<Override, ScenarioError> {
    let Some((key, value)) = arg.split_once('=') else {
        let key = if arg.trim().is_empty() {
            "(empty)"
        } else {
            arg.trim()
        };
        return Err(error(
            key,
            format!("override `{arg}` has no `=`; write --set KEY=VALUE, {EXAMPLE}"),
        ));
    };
    let (key, value) = (key.trim(), value.trim());
    let steps = parse_key(key).ok_or_else(|| {
        error(
            key,
            format!(
                "override key `{key}` is not a dotted key path (bare keys of letters, digits, `-` and `_`, with [i] after an array of tables); {EXAMPLE}"
            ),
        )
    })?;
    Ok(Override {
        key: render(&steps),
        steps,
        value: parse_value(value),
    })
}

/// `a.b[0].c` → [Key(a), Key(b), Index(0), Key(c)]; None if malformed.
fn parse_key(key: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    for part in key.split('.') {
        let (name, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        let bare = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if name.is_empty() || !name.chars().all(bare) {
            return None;
        }
        steps.push(Step::Key(name.to_string()));
        while !rest.is_empty() {
            let inner = rest.strip_prefix('[')?;
            let close = inner.find(']')?;
            steps.push(Step::Index(inner[..close].parse().ok()?));
            rest = &inner[close + 1..];
        }
    }
    Some(steps)
}

/// The canonical text of a key path: `job.operator[0].capacity`.
fn render(steps: &[Step]) -> String {
    let mut out = String::new();
    for s in steps {
        match s {
            Step::Key(k) if out.is_empty() => out.push_str(k),
            Step::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// A TOML value if `text` is one, otherwise the text as a string.
fn parse_value(text: &str) -> Value {
    toml::from_str::<Table>(&format!("v = {text}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| Value::String(text.to_string()))
}

/// Sets the override's key in `root`, creating missing tables on the way.
pub fn apply(root: &mut Table, o: &Override) -> Result<(), ScenarioError> {
    let mut doc = Value::Table(std::mem::take(root));
    let result = set(&mut doc, &o.steps, o.value.clone(), "");
    if let Value::Table(t) = doc {
        *root = t;
    }
    result.map_err(|m| error(&o.key, m))
}

fn set(cur: &mut Value, steps: &[Step], value: Value, done: &str) -> Result<(), String> {
    let Some((first, rest)) = steps.split_first() else {
        *cur = value;
        return Ok(());
    };
    match first {
        Step::Key(k) => {
            let here = if done.is_empty() {
                k.clone()
            } else {
                format!("{done}.{k}")
            };
            let Value::Table(t) = cur else {
                return Err(format!(
                    "`{done}` is a {}, not a table, so it has no key `{k}`; set `{done}` itself",
                    cur.type_str()
                ));
            };
            let next = t.entry(k.clone()).or_insert_with(|| match rest.first() {
                Some(Step::Index(_)) => Value::Array(Vec::new()),
                _ => Value::Table(Table::new()),
            });
            set(next, rest, value, &here)
        }
        Step::Index(i) => {
            let here = format!("{done}[{i}]");
            let Value::Array(a) = cur else {
                return Err(format!(
                    "`{done}` is a {}, not an array of tables, so `[{i}]` does not apply; drop the index",
                    cur.type_str()
                ));
            };
            let n = a.len();
            if *i > n {
                return Err(format!(
                    "`{done}` has {n} entries, so there is no `[{i}]`; use an index below {n}, or {n} to add an entry"
                ));
            }
            if *i == n {
                a.push(Value::Table(Table::new()));
            }
            set(&mut a[*i], rest, value, &here)
        }
    }
}

/// Whether `key` (a dotted path) or one of its parents was set by an override.
pub fn covers(overrides: &[Override], key: &str) -> bool {
    overrides.iter().any(|o| within(key, &o.key))
}

/// Whether an override set something inside `key` (e.g. it created `key`).
pub fn inside(overrides: &[Override], key: &str) -> bool {
    overrides.iter().any(|o| within(&o.key, key))
}

/// `path` is `ancestor` or lies below it.
fn within(path: &str, ancestor: &str) -> bool {
    path.strip_prefix(ancestor)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn values_are_toml_or_strings() {
        assert_eq!(parse("a=2").unwrap().value, Value::Integer(2));
        assert_eq!(parse("a=true").unwrap().value, Value::Boolean(true));
        assert_eq!(parse("a=\"x\"").unwrap().value, Value::String("x".into()));
        assert_eq!(
            parse("a=[1,2]").unwrap().value,
            Value::Array(vec![Value::Integer(1), Value::Integer(2)])
        );
        assert_eq!(parse("a=5s").unwrap().value, Value::String("5s".into()));
        assert_eq!(parse("a=full").unwrap().value, Value::String("full".into()));
        assert_eq!(parse("a=x=y").unwrap().value, Value::String("x=y".into()));
    }

    #[test]
    fn keys_with_indices() {
        let o = parse("job.operator[0].capacity=5000").unwrap();
        assert_eq!(o.key, "job.operator[0].capacity");
        assert_eq!(
            o.steps,
            vec![
                Step::Key("job".into()),
                Step::Key("operator".into()),
                Step::Index(0),
                Step::Key("capacity".into())
            ]
        );
    }

    #[test]
    fn malformed_overrides_are_errors() {
        let e = parse("foo").unwrap_err();
        assert_eq!(
            (e.file.as_str(), e.line, e.key.as_str()),
            ("--set", None, "foo")
        );
        assert!(e.message.contains("no `=`"), "{}", e.message);
        for bad in ["=1", "a..b=1", "a[x]=1", "a[0=1", "a b=1", "a.[0]=1"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn apply_sets_replaces_and_creates() {
        let mut t = table("[job]\nduration = \"1min\"\n[[job.operator]]\ncapacity = 1\n");
        apply(&mut t, &parse("job.operator[0].capacity=5000").unwrap()).unwrap();
        apply(&mut t, &parse("checkpoint.interval=5s").unwrap()).unwrap();
        apply(&mut t, &parse("job.operator[1].name=b").unwrap()).unwrap();
        let want = table(
            "[job]\nduration = \"1min\"\n[[job.operator]]\ncapacity = 5000\n[[job.operator]]\nname = \"b\"\n[checkpoint]\ninterval = \"5s\"\n",
        );
        assert_eq!(t, want);
    }

    #[test]
    fn apply_rejects_paths_through_values() {
        let mut t = table("[job]\nduration = \"1min\"\n[[job.operator]]\ncapacity = 1\n");
        let e = apply(&mut t, &parse("job.duration.x=1").unwrap()).unwrap_err();
        assert!(e.message.contains("not a table"), "{}", e.message);
        let e = apply(&mut t, &parse("job.operator[5].capacity=1").unwrap()).unwrap_err();
        assert!(e.message.contains("has 1 entries"), "{}", e.message);
        let e = apply(&mut t, &parse("job[0].x=1").unwrap()).unwrap_err();
        assert!(e.message.contains("not an array"), "{}", e.message);
        assert_eq!(t.len(), 1, "a failed override leaves the table in place");
    }

    #[test]
    fn covers_keys_and_children() {
        let o = vec![parse("job.operator[0]={ name = \"x\" }").unwrap()];
        assert!(covers(&o, "job.operator[0]"));
        assert!(covers(&o, "job.operator[0].name"));
        assert!(!covers(&o, "job.operator[01]"));
        assert!(!covers(&o, "job.operator[1].name"));
        assert!(!covers(&o, "job"));
        assert!(inside(&o, "job") && inside(&o, "job.operator[0]"));
        assert!(!inside(&o, "job.operator[0].name") && !inside(&o, "job.operator[1]"));
    }
}
