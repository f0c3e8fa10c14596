//! Validation of `[job]`: the vertices, the edges between them, and their order.
//!
//! Builds `JobSpec` with vertices in a stable topological order (sources in
//! file order first, then each vertex as soon as all its inputs are placed,
//! earlier-declared first) and edges re-indexed into that order.

use super::*;
use crate::scenario::defaults::UPPER_MAX_PARALLELISM;
use crate::time::SimTime;
use std::collections::{BTreeSet, HashMap};

/// A vertex as read, before ordering: its key prefix in the file and its typed form.
struct Vertex {
    key: String,
    spec: VertexSpec,
}

/// Name and parallelism, then the kind's own keys, then capacity (about file order).
fn vertex(
    p: &str,
    name: &Option<String>,
    par: Option<i64>,
    cap: Option<i64>,
    kind: impl FnOnce() -> Result<VertexKind>,
) -> Result<VertexSpec> {
    let key = format!("{p}.name");
    let name = required(name.clone(), &key)?;
    if name.trim().is_empty() {
        return fail(
            key,
            format!("name must not be empty{}", suffix("job.source.name")),
        );
    }
    let parallelism = count_req(par, &format!("{p}.parallelism"), 1)?;
    let kind = kind()?;
    Ok(VertexSpec {
        name,
        parallelism,
        capacity_records_per_s: amount(cap, &format!("{p}.capacity"), 1)?,
        kind,
    })
}

fn rate(p: &str, rate: Option<&RawRate>) -> Result<RateProfile> {
    let rk = format!("{p}.rate");
    let raw_steps = match required(rate, &rk)? {
        RawRate::Constant(r) => {
            return Ok(RateProfile::Constant {
                records_per_s: amount(Some(*r), &rk, 0)?,
            });
        }
        RawRate::Steps(s) if s.is_empty() => {
            return fail(
                rk,
                "rate has no steps; write rate = 40000 or rate = [{ at = \"0s\", rate = 1000 }, { at = \"5min\", rate = 3000 }]",
            );
        }
        RawRate::Steps(s) => s,
    };
    let mut steps: Vec<(SimTime, u64)> = Vec::new();
    for (i, step) in raw_steps.iter().enumerate() {
        let ak = format!("{rk}[{i}].at");
        let at = required(step.at, &ak)?;
        match steps.last() {
            None if at != SimDuration::ZERO => {
                return fail(
                    ak,
                    format!(
                        "the first rate step must start at \"0s\", not \"{at}\"; set at = \"0s\""
                    ),
                );
            }
            Some(&(prev, _)) if at.as_ns() <= prev.as_ns() => {
                let prev = SimDuration(prev.as_ns());
                return fail(
                    ak,
                    format!(
                        "rate steps must be in strictly increasing time, but step {i} at \"{at}\" is not after step {} at \"{prev}\"; sort the steps or remove one",
                        i - 1
                    ),
                );
            }
            _ => {}
        }
        steps.push((
            SimTime(at.as_ns()),
            amount(step.rate, &format!("{rk}[{i}].rate"), 0)?,
        ));
    }
    Ok(RateProfile::Steps { steps })
}

fn source(p: &str, s: &RawSource) -> Result<VertexSpec> {
    vertex(p, &s.name, s.parallelism, s.capacity, || {
        let record_bytes = s.record_bytes.map_or(defaults::RECORD_BYTES.value, |b| b.0);
        Ok(VertexKind::Source(SourceSpec {
            partitions: count_req(s.partitions, &format!("{p}.partitions"), 1)?,
            rate: rate(p, s.rate.as_ref())?,
            record_bytes: nonzero(record_bytes, &format!("{p}.record-bytes"))?,
        }))
    })
}

fn operator(p: &str, o: &RawOperator) -> Result<VertexSpec> {
    vertex(p, &o.name, o.parallelism, o.capacity, || {
        let ratio = o.output_ratio.unwrap_or(defaults::OUTPUT_RATIO.value);
        let output_ratio = finite_in(ratio, &format!("{p}.output-ratio"), 0.0, f64::INFINITY)?;
        let state = match &o.state {
            None => None,
            Some(st) => {
                let bk = format!("{p}.state.bytes-per-key");
                Some(KeyedStateSpec {
                    keys: amount(st.keys, &format!("{p}.state.keys"), 1)?,
                    bytes_per_key: nonzero(required(st.bytes_per_key, &bk)?.0, &bk)?,
                })
            }
        };
        Ok(VertexKind::Operator(OperatorSpec {
            output_ratio,
            state,
        }))
    })
}

fn sink(p: &str, s: &RawSink) -> Result<VertexSpec> {
    vertex(p, &s.name, s.parallelism, s.capacity, || {
        let kind = match s.kind {
            None => defaults::SINK_KIND.value,
            Some(RawSinkKind::TwoPhaseCommit) => SinkKind::TwoPhaseCommit,
            Some(RawSinkKind::AtLeastOnce) => SinkKind::AtLeastOnce,
        };
        Ok(VertexKind::Sink(SinkSpec { kind }))
    })
}

/// Checks `[job]` and builds the job graph.
/// The job's vertices (sources, operators, sinks, in file order), with unique
/// names, at least one source and one sink.
fn vertices(raw: &RawJob) -> Result<Vec<Vertex>> {
    let mut vs: Vec<Vertex> = Vec::new();
    for (i, s) in raw.source.iter().enumerate() {
        let key = format!("job.source[{i}]");
        vs.push(Vertex {
            spec: source(&key, s)?,
            key,
        });
    }
    for (i, o) in raw.operator.iter().enumerate() {
        let key = format!("job.operator[{i}]");
        vs.push(Vertex {
            spec: operator(&key, o)?,
            key,
        });
    }
    for (i, s) in raw.sink.iter().enumerate() {
        let key = format!("job.sink[{i}]");
        vs.push(Vertex {
            spec: sink(&key, s)?,
            key,
        });
    }
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    for (i, v) in vs.iter().enumerate() {
        if let Some(&j) = by_name.get(v.spec.name.as_str()) {
            let (name, other) = (&v.spec.name, &vs[j].key);
            return fail(
                format!("{}.name", v.key),
                format!(
                    "vertex name `{name}` is already used by {other}; names must be unique because edges and faults refer to them, so rename one"
                ),
            );
        }
        by_name.insert(&v.spec.name, i);
    }
    if raw.source.is_empty() {
        return fail(
            "job.source",
            "the job has no source; add a [[job.source]] with name, parallelism, partitions, rate and capacity",
        );
    }
    if raw.sink.is_empty() {
        return fail(
            "job.sink",
            "the job has no sink; add a [[job.sink]] with name, parallelism and capacity, and a [[job.edge]] into it",
        );
    }
    Ok(vs)
}

/// Every vertex but a source has an input, every vertex but a sink an output.
fn check_connected(vs: &[Vertex], edges: &[EdgeSpec]) -> Result<()> {
    for (i, v) in vs.iter().enumerate() {
        let name = &v.spec.name;
        let is_source = matches!(v.spec.kind, VertexKind::Source(_));
        let is_sink = matches!(v.spec.kind, VertexKind::Sink(_));
        if !is_source && !edges.iter().any(|e| e.to == i) {
            return fail(
                format!("{}.name", v.key),
                format!(
                    "`{name}` has no input; add a [[job.edge]] with to = \"{name}\" or remove the vertex"
                ),
            );
        }
        if !is_sink && !edges.iter().any(|e| e.from == i) {
            return fail(
                format!("{}.name", v.key),
                format!(
                    "`{name}` has no output, so its records never reach a sink; add a [[job.edge]] with from = \"{name}\" or remove the vertex"
                ),
            );
        }
    }
    Ok(())
}

pub fn job(raw: &RawJob) -> Result<JobSpec> {
    let duration = positive(required(raw.duration, "job.duration")?, "job.duration")?;
    let drain_timeout = raw.drain_timeout.unwrap_or(defaults::DRAIN_TIMEOUT.value);
    let vs = vertices(raw)?;
    let by_name: HashMap<&str, usize> = (vs.iter().enumerate())
        .map(|(i, v)| (v.spec.name.as_str(), i))
        .collect();
    let edges = edges(raw, &vs, &by_name)?;
    check_connected(&vs, &edges)?;
    let order = topological(&vs, &edges)?;
    let default = defaults::MAX_PARALLELISM;
    let max_parallelism = count_or(raw.max_parallelism, default, 1)?;
    if max_parallelism > UPPER_MAX_PARALLELISM {
        return fail(
            "job.max-parallelism",
            format!(
                "max-parallelism must be at most {UPPER_MAX_PARALLELISM} (Flink's upper bound), not {max_parallelism}; e.g. max-parallelism = 128"
            ),
        );
    }
    if let Some(v) = vs.iter().find(|v| v.spec.parallelism > max_parallelism) {
        let (par, name) = (v.spec.parallelism, &v.spec.name);
        return fail(
            "job.max-parallelism",
            format!(
                "max-parallelism {max_parallelism} is below the parallelism {par} of `{name}`; key groups cannot be spread over more subtasks than there are, so set max-parallelism to at least {par} (Flink's default is {})",
                default.value
            ),
        );
    }
    let mut position = vec![0; vs.len()];
    for (new, &old) in order.iter().enumerate() {
        position[old] = new;
    }
    let edges = edges
        .into_iter()
        .map(|e| EdgeSpec {
            from: position[e.from],
            to: position[e.to],
            ..e
        })
        .collect();
    let mut specs: Vec<Option<VertexSpec>> = vs.into_iter().map(|v| Some(v.spec)).collect();
    let vertices = order.iter().filter_map(|&i| specs[i].take()).collect();
    Ok(JobSpec {
        duration,
        drain_timeout,
        max_parallelism,
        vertices,
        edges,
    })
}

/// Checks `[[job.edge]]`; the edges index `vs` (file order).
fn edges(raw: &RawJob, vs: &[Vertex], by_name: &HashMap<&str, usize>) -> Result<Vec<EdgeSpec>> {
    let names = vs
        .iter()
        .map(|v| v.spec.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let mut edges: Vec<EdgeSpec> = Vec::new();
    for (i, e) in raw.edge.iter().enumerate() {
        let ek = format!("job.edge[{i}]");
        let lookup = |field: &str, v: &Option<String>| -> Result<usize> {
            let key = format!("{ek}.{field}");
            let name = required(v.clone(), &key)?;
            match by_name.get(name.as_str()) {
                Some(&i) => Ok(i),
                None => fail(
                    key,
                    format!("no vertex is named `{name}`; the vertices are {names}"),
                ),
            }
        };
        let (from, to) = (lookup("from", &e.from)?, lookup("to", &e.to)?);
        let partitioning = match required(e.partitioning, &format!("{ek}.partitioning"))? {
            RawPartitioning::Forward => Partitioning::Forward,
            RawPartitioning::Hash => Partitioning::Hash,
            RawPartitioning::Rebalance => Partitioning::Rebalance,
        };
        let (f, t) = (&vs[from].spec, &vs[to].spec);
        if matches!(t.kind, VertexKind::Source(_)) {
            return fail(
                format!("{ek}.to"),
                format!(
                    "`{}` is a source and cannot have inputs; edges run from sources through operators to sinks",
                    t.name
                ),
            );
        }
        if matches!(f.kind, VertexKind::Sink(_)) {
            return fail(
                format!("{ek}.from"),
                format!(
                    "`{}` is a sink and cannot have outputs; edges run from sources through operators to sinks",
                    f.name
                ),
            );
        }
        if partitioning == Partitioning::Forward && f.parallelism != t.parallelism {
            return fail(
                format!("{ek}.partitioning"),
                format!(
                    "a forward edge needs equal parallelism, but `{}` has {} and `{}` has {}; use partitioning = \"hash\" or \"rebalance\", or make the parallelisms equal",
                    f.name, f.parallelism, t.name, t.parallelism
                ),
            );
        }
        if let Some(j) = edges.iter().position(|x| x.from == from && x.to == to) {
            return fail(
                ek,
                format!(
                    "job.edge[{j}] already connects `{}` to `{}`; remove one of the two edges",
                    f.name, t.name
                ),
            );
        }
        edges.push(EdgeSpec {
            from,
            to,
            partitioning,
        });
    }
    Ok(edges)
}

/// Kahn's algorithm, always taking the ready vertex declared first in the file
/// (sources, then operators, then sinks), so the order is stable.
fn topological(vs: &[Vertex], edges: &[EdgeSpec]) -> Result<Vec<usize>> {
    let mut indegree = vec![0usize; vs.len()];
    for e in edges {
        indegree[e.to] += 1;
    }
    let mut ready: BTreeSet<usize> = (0..vs.len()).filter(|&i| indegree[i] == 0).collect();
    let mut order = Vec::with_capacity(vs.len());
    while let Some(v) = ready.pop_first() {
        order.push(v);
        for e in edges.iter().filter(|e| e.from == v) {
            indegree[e.to] -= 1;
            if indegree[e.to] == 0 {
                ready.insert(e.to);
            }
        }
    }
    if order.len() == vs.len() {
        return Ok(order);
    }
    // Every vertex left has an input from another vertex left: walk inputs
    // backwards until a vertex repeats; the walk since then is a cycle.
    let left = |i: usize| indegree[i] > 0;
    let mut walk: Vec<usize> = (0..vs.len()).filter(|&i| left(i)).take(1).collect();
    let mut via: Vec<usize> = Vec::new();
    while let Some(&cur) = walk.last() {
        let Some(k) = edges.iter().position(|e| e.to == cur && left(e.from)) else {
            break;
        };
        via.push(k);
        if let Some(p) = walk.iter().position(|&w| w == edges[k].from) {
            let mut cycle: Vec<&str> = vec![&vs[edges[k].from].spec.name];
            cycle.extend(walk[p..].iter().rev().map(|&w| vs[w].spec.name.as_str()));
            let first = via[p..].iter().min().copied().unwrap_or(k);
            let cycle = cycle.join(" → ");
            return fail(
                format!("job.edge[{first}]"),
                format!(
                    "the job graph has a cycle: {cycle}; a streaming job must be acyclic, so remove one of these edges"
                ),
            );
        }
        walk.push(edges[k].from);
    }
    fail(
        "job.edge",
        "the job graph has a cycle; a streaming job must be acyclic, so remove an edge of the cycle",
    )
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{rejects, with};
    use crate::scenario::{EdgeSpec, Partitioning, parse_str};

    #[test]
    fn vertices_are_topologically_ordered_and_edges_reindexed() {
        let sink =
            "[[job.sink]]\nname = \"first-sink\"\nparallelism = 1\ncapacity = 1\n\n[[job.source]]";
        let edge = "[[job.edge]]\nfrom = \"op\"\nto = \"first-sink\"\npartitioning = \"hash\"\n\n[checkpoint]";
        let text = with("[[job.source]]", sink).replacen("[checkpoint]", edge, 1);
        let s = parse_str(&text, "t.toml", &[]).unwrap();
        let names: Vec<&str> = s.job.vertices.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["src", "op", "first-sink", "out"]);
        let hash = Partitioning::Hash;
        assert_eq!(
            s.job.edges[2],
            EdgeSpec {
                from: 1,
                to: 2,
                partitioning: hash
            }
        );
    }

    #[test]
    fn output_ratio_must_be_finite_and_not_negative() {
        for bad in ["-0.5", "nan", "inf"] {
            let text = with(
                "capacity = 5000",
                &format!("capacity = 5000\noutput-ratio = {bad}"),
            );
            rejects(
                &text,
                15,
                "job.operator[0].output-ratio",
                "must be a finite number at least 0",
            );
        }
    }

    #[test]
    fn rate_steps_start_at_zero_and_increase() {
        let late = with("rate = 1000", "rate = [{ at = \"1s\", rate = 1 }]");
        rejects(&late, 8, "job.source[0].rate[0].at", "must start at \"0s\"");
        let steps = "rate = [{ at = \"0s\", rate = 1 },\n  { at = \"5s\", rate = 2 },\n  { at = \"5s\", rate = 3 }]";
        rejects(
            &with("rate = 1000", steps),
            10,
            "job.source[0].rate[2].at",
            "strictly increasing",
        );
    }

    #[test]
    fn names_and_edges() {
        rejects(
            &with("name = \"out\"", "name = \"op\""),
            18,
            "job.sink[0].name",
            "already used by job.operator[0]",
        );
        let nope = "no vertex is named `nope`; the vertices are src, op, out";
        rejects(
            &with("to = \"op\"", "to = \"nope\""),
            24,
            "job.edge[0].to",
            nope,
        );
        let fwd = with(
            "to = \"out\"\npartitioning = \"rebalance\"",
            "to = \"out\"\npartitioning = \"forward\"",
        );
        rejects(
            &fwd,
            30,
            "job.edge[1].partitioning",
            "forward edge needs equal parallelism",
        );
        rejects(
            &with("from = \"op\"", "from = \"out\""),
            28,
            "job.edge[1].from",
            "`out` is a sink and cannot have outputs",
        );
        rejects(
            &with("to = \"op\"", "to = \"src\""),
            24,
            "job.edge[0].to",
            "`src` is a source and cannot have inputs",
        );
    }

    #[test]
    fn every_vertex_is_connected() {
        let bypass = with(
            "to = \"op\"\npartitioning = \"forward\"",
            "to = \"out\"\npartitioning = \"hash\"",
        );
        rejects(&bypass, 12, "job.operator[0].name", "`op` has no input");
        let no_sink = with(
            "[[job.sink]]\nname = \"out\"\nparallelism = 1\ncapacity = 5000\n",
            "",
        );
        rejects(&no_sink, 1, "job.sink", "the job has no sink");
    }

    #[test]
    fn cycles_are_named() {
        let self_loop =
            "[[job.edge]]\nfrom = \"op\"\nto = \"op\"\npartitioning = \"forward\"\n\n[checkpoint]";
        rejects(
            &with("[checkpoint]", self_loop),
            32,
            "job.edge[2]",
            "cycle: op → op",
        );
    }

    #[test]
    fn max_parallelism_bounds() {
        let low = with("[job]", "[job]\nmax-parallelism = 1");
        rejects(
            &low,
            2,
            "job.max-parallelism",
            "below the parallelism 2 of `src`",
        );
        let high = with("[job]", "[job]\nmax-parallelism = 40000");
        rejects(&high, 2, "job.max-parallelism", "at most 32768");
    }
}
