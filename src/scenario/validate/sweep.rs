//! Validation of `[sweep]`: `seeds`, the axes (`"dotted.key" = [values]`) and the
//! named variants (`[[sweep.variant]]` with `name` and `set`).
//!
//! Checks the shape only: the axis keys and the variants' overrides are checked
//! when `sweep::grid` parses each grid point with them as `--set` overrides.
//! Variants are an array of tables, not a `[sweep.variants]` table, because the
//! toml crate (without `preserve_order`) sorts a table's keys: an array keeps the
//! order the file gives, and that is the order of the grid, the CSV rows and the
//! charts.

use super::*;

/// The longest variant list accepted (a bound on the grid, not a Flink limit).
const MAX_VARIANTS: usize = 1000;

/// `[sweep]` as written: seeds, axes in key order, variants in file order.
pub(super) fn spec(t: &toml::Table) -> Result<SweepSpec> {
    let mut seeds = 1u32;
    let mut axes = Vec::new();
    let mut variants = None;
    for (k, v) in t {
        let key = format!("sweep.{k}");
        match k.as_str() {
            "seeds" => {
                seeds = match v.as_integer() {
                    Some(n) if (1..=100_000).contains(&n) => n as u32,
                    _ => {
                        return fail(
                            key,
                            "seeds must be a whole number from 1 to 100000, e.g. seeds = 30",
                        );
                    }
                };
                continue;
            }
            "variant" => {
                variants = Some(v);
                continue;
            }
            "variants" => {
                return fail(
                    key,
                    "write the variants as an array of tables, one [[sweep.variant]] per variant with name = \"...\" and set = [\"key=value\", ...] (it keeps the file's order)",
                );
            }
            _ => {}
        }
        let Some(values) = v.as_array().filter(|a| !a.is_empty()) else {
            return fail(
                key,
                format!(
                    "a sweep axis must be a non-empty array of values for the scenario key \"{k}\", e.g. \"checkpoint.interval\" = [\"1s\", \"10s\"]"
                ),
            );
        };
        let values = values
            .iter()
            .map(|x| match x {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        axes.push((k.clone(), values));
    }
    let axis_keys: Vec<&str> = axes.iter().map(|(k, _)| k.as_str()).collect();
    let variants = match variants {
        Some(v) => variant_list(v, &axis_keys)?,
        None => Vec::new(),
    };
    Ok(SweepSpec {
        seeds,
        axes,
        variants,
    })
}

/// `[[sweep.variant]]`: a non-empty array of tables, names unique.
fn variant_list(v: &toml::Value, axis_keys: &[&str]) -> Result<Vec<SweepVariant>> {
    let example =
        "e.g. [[sweep.variant]] name = \"unaligned\" set = [\"checkpoint.unaligned=true\"]";
    let Some(entries) = v.as_array().filter(|a| !a.is_empty()) else {
        return fail(
            "sweep.variant",
            format!(
                "variants are a non-empty array of tables, one [[sweep.variant]] each; {example}"
            ),
        );
    };
    if entries.len() > MAX_VARIANTS {
        return fail(
            "sweep.variant",
            format!("at most {MAX_VARIANTS} variants, not {}", entries.len()),
        );
    }
    let mut out: Vec<SweepVariant> = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        let at = format!("sweep.variant[{i}]");
        let Some(table) = e.as_table() else {
            return fail(
                at,
                format!("a variant is a table with name and set; {example}"),
            );
        };
        let variant = one_variant(table, &at, axis_keys)?;
        if out.iter().any(|o| o.name == variant.name) {
            return fail(
                format!("{at}.name"),
                format!(
                    "variant name \"{}\" appears twice; give each variant its own name",
                    variant.name
                ),
            );
        }
        out.push(variant);
    }
    Ok(out)
}

/// Whether a variant name can be written as a CSV cell and a chart label as it is.
fn good_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.+".contains(c))
}

/// One `[[sweep.variant]]` table at key `at`.
fn one_variant(table: &toml::Table, at: &str, axis_keys: &[&str]) -> Result<SweepVariant> {
    if let Some(k) = table.keys().find(|k| *k != "name" && *k != "set") {
        return fail(
            format!("{at}.{k}"),
            format!("unknown key `{k}`; a variant has `name` and `set` only"),
        );
    }
    let name = match table.get("name") {
        Some(toml::Value::String(s)) if good_name(s) => s.clone(),
        Some(_) => {
            return fail(
                format!("{at}.name"),
                "a variant name is a string of 1 to 64 letters, digits, `-`, `_`, `.` or `+`, e.g. name = \"aligned-timeout-300ms\"",
            );
        }
        None => return fail(at, "missing required key `name`, e.g. name = \"unaligned\""),
    };
    let Some(set) = table.get("set") else {
        return fail(
            at,
            "missing required key `set`: the overrides of this variant, e.g. set = [\"checkpoint.unaligned=true\"], or set = [] for the scenario as written",
        );
    };
    let Some(items) = set.as_array() else {
        return fail(
            format!("{at}.set"),
            "set must be an array of \"key=value\" strings, e.g. set = [\"checkpoint.unaligned=true\"]",
        );
    };
    let sets = items
        .iter()
        .enumerate()
        .map(|(j, item)| one_set(item, &format!("{at}.set[{j}]"), axis_keys))
        .collect::<Result<Vec<_>>>()?;
    Ok(SweepVariant { name, sets })
}

/// One `"key=value"` of a variant's `set`, at key `at`.
fn one_set(item: &toml::Value, at: &str, axis_keys: &[&str]) -> Result<String> {
    let text = item.as_str().unwrap_or_default();
    let key = text
        .split_once('=')
        .map(|(k, _)| k.trim())
        .unwrap_or_default();
    if key.is_empty() {
        return fail(
            at,
            format!(
                "each override is a \"key=value\" string (as for --set), not {item}; e.g. \"checkpoint.unaligned=true\""
            ),
        );
    }
    if key == "seed" || key == "sweep" || key.starts_with("sweep.") || key.starts_with("sweep[") {
        return fail(
            at,
            format!("a variant cannot set `{key}`: every variant runs the sweep's seeds"),
        );
    }
    if axis_keys.contains(&key) {
        return fail(
            at,
            format!("`{key}` is also a sweep axis, which would override it; remove one of the two"),
        );
    }
    Ok(text.to_string())
}
