//! Provenance of the data in flight: exact sets of source records by
//! arithmetic, never by visiting records.
//!
//! A `Segment` is "the records of global partition p with offsets in
//! [lo, hi) whose key group lies in [kg_lo, kg_hi)". The key group of record
//! (p, o) is `(o + p·SALT) mod K`, so the count of any segment follows from
//! arithmetic in O(1), and splitting a segment by key group (a hash edge) or
//! by count (filling a buffer) costs O(1) or O(log n). The exactly-once
//! oracle compares committed segments against the produced offsets.

/// Spreads partitions over key groups so that partitions start at different key groups.
const SALT: u64 = 7919;

/// An exact set of source records: partition, offset range and key-group range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Segment {
    /// Global partition index (over all sources).
    pub partition: u32,
    /// First key group included.
    pub kg_lo: u32,
    /// First key group after the range.
    pub kg_hi: u32,
    /// First offset included.
    pub lo: u64,
    /// First offset after the range.
    pub hi: u64,
}

/// Key group of record (partition, offset) among `k` key groups.
pub fn key_group(partition: u32, offset: u64, k: u32) -> u32 {
    ((offset + partition as u64 * SALT) % k as u64) as u32
}

/// Number of x in [0, m) with x mod k in [g0, g1).
fn below(m: u64, k: u64, g0: u64, g1: u64) -> u64 {
    let full = (m / k) * (g1 - g0);
    let rest = m % k;
    full + rest.clamp(g0, g1) - g0
}

/// Records of `partition` in offsets [lo, hi) with key group in [g0, g1) (k key groups).
pub fn count_range(partition: u32, lo: u64, hi: u64, g0: u32, g1: u32, k: u32) -> u64 {
    if hi <= lo || g1 <= g0 {
        return 0;
    }
    let s = partition as u64 * SALT;
    let (k, g0, g1) = (k as u64, g0 as u64, g1 as u64);
    below(s + hi, k, g0, g1) - below(s + lo, k, g0, g1)
}

impl Segment {
    /// The whole key space of `partition` over offsets [lo, hi).
    pub fn full(partition: u32, lo: u64, hi: u64, k: u32) -> Segment {
        Segment {
            partition,
            kg_lo: 0,
            kg_hi: k,
            lo,
            hi,
        }
    }
    /// Number of records in the segment.
    pub fn count(&self, k: u32) -> u64 {
        count_range(self.partition, self.lo, self.hi, self.kg_lo, self.kg_hi, k)
    }
    /// The part of the segment in key groups [g0, g1), if any records remain.
    pub fn restrict_kg(&self, g0: u32, g1: u32, k: u32) -> Option<Segment> {
        let lo = self.kg_lo.max(g0);
        let hi = self.kg_hi.min(g1);
        if lo >= hi {
            return None;
        }
        let s = Segment {
            kg_lo: lo,
            kg_hi: hi,
            ..*self
        };
        (s.count(k) > 0).then_some(s)
    }
    /// Splits off the smallest prefix (by offset) holding at least `n` records;
    /// returns (prefix, rest). `n` must be at most the segment's count.
    pub fn split_at_count(&self, n: u64, k: u32) -> (Segment, Segment) {
        let c = self.end_of_nth(n, k);
        (Segment { hi: c, ..*self }, Segment { lo: c, ..*self })
    }
    /// One past the offset of the n-th member record (the smallest c with
    /// count(lo, c) >= n), clamped to [lo, hi]; O(1).
    fn end_of_nth(&self, n: u64, k: u32) -> u64 {
        if n == 0 || self.kg_hi <= self.kg_lo {
            return self.lo;
        }
        let (k, g0, g1) = (k as u64, self.kg_lo as u64, self.kg_hi as u64);
        let w = g1 - g0;
        let shift = self.partition as u64 * SALT;
        // Work in x = offset + shift, where membership is x mod k in [g0, g1).
        let x = self.lo + shift;
        let r = x % k;
        let (first, available) = if r < g0 {
            (x + (g0 - r), w)
        } else if r < g1 {
            (x, g1 - r)
        } else {
            (x + (k - r) + g0, w)
        };
        let nth = if n <= available {
            first + n - 1
        } else {
            let m = n - available - 1;
            let block = first - first % k;
            block + k * (1 + m / w) + g0 + m % w
        };
        (nth + 1 - shift).clamp(self.lo, self.hi)
    }
    /// True when `next` continues this segment: same partition and key groups,
    /// and no record of those key groups between them (so the two make one segment).
    pub fn continued_by(&self, next: &Segment, k: u32) -> bool {
        self.partition == next.partition
            && self.kg_lo == next.kg_lo
            && self.kg_hi == next.kg_hi
            && self.hi <= next.lo
            && (self.hi == next.lo
                || count_range(self.partition, self.hi, next.lo, self.kg_lo, self.kg_hi, k) == 0)
    }
    /// The same records with the offsets trimmed to the first and last member,
    /// a canonical form: equal record sets give equal segments. `None` if empty.
    pub fn trimmed(&self, k: u32) -> Option<Segment> {
        let n = self.count(k);
        if n == 0 {
            return None;
        }
        let first = self.split_at_count(1, k).0.hi - 1;
        // The n-th member is the one member after the prefix holding n-1.
        let after = if n == 1 {
            first
        } else {
            self.split_at_count(n - 1, k).0.hi
        };
        let last = Segment { lo: after, ..*self }.split_at_count(1, k).0.hi - 1;
        Some(Segment {
            lo: first,
            hi: last + 1,
            ..*self
        })
    }
}

/// Key groups [lo, hi) owned by downstream subtask `index` of `parallelism`
/// (Flink's KeyGroupRangeAssignment: operator index = kg · parallelism / max_parallelism).
pub fn key_group_range(index: u32, parallelism: u32, k: u32) -> (u32, u32) {
    let start = (index as u64 * k as u64).div_ceil(parallelism as u64) as u32;
    let end = ((index as u64 + 1) * k as u64).div_ceil(parallelism as u64) as u32;
    (start, end)
}

/// Downstream subtask that owns key group `kg` (Flink's computeOperatorIndexForKeyGroup).
pub fn operator_index(kg: u32, parallelism: u32, k: u32) -> u32 {
    (kg as u64 * parallelism as u64 / k as u64) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(p: u32, lo: u64, hi: u64, g0: u32, g1: u32, k: u32) -> u64 {
        (lo..hi)
            .filter(|&o| (g0..g1).contains(&key_group(p, o, k)))
            .count() as u64
    }

    #[test]
    fn count_matches_brute_force() {
        for k in [1, 7, 128] {
            for p in 0..3 {
                for (lo, hi) in [(0, 0), (0, 1), (3, 300), (127, 129), (1000, 1517)] {
                    for (g0, g1) in [(0, k), (0, 1), (k / 3, k / 2 + 1), (k - 1, k)] {
                        assert_eq!(
                            count_range(p, lo, hi, g0, g1, k),
                            brute(p, lo, hi, g0, g1, k),
                            "p={p} [{lo},{hi}) kg[{g0},{g1}) k={k}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn key_group_ranges_tile_and_match_operator_index() {
        for (par, k) in [(1, 128), (3, 128), (4, 128), (7, 10), (10, 10)] {
            let mut next = 0;
            for i in 0..par {
                let (a, b) = key_group_range(i, par, k);
                assert_eq!(a, next);
                for kg in a..b {
                    assert_eq!(operator_index(kg, par, k), i);
                }
                next = b;
            }
            assert_eq!(next, k);
        }
    }

    #[test]
    fn trimmed_is_canonical_and_continued_by_skips_empty_gaps() {
        let k = 8;
        let s = Segment {
            partition: 0,
            kg_lo: 0,
            kg_hi: 4,
            lo: 5,
            hi: 30,
        };
        // Members: offsets with o mod 8 in 0..4: 8..12, 16..20, 24..28.
        assert_eq!(s.trimmed(k), Some(Segment { lo: 8, hi: 28, ..s }));
        assert_eq!(Segment { lo: 4, hi: 8, ..s }.trimmed(k), None);
        let a = Segment { lo: 0, hi: 12, ..s };
        let b = Segment {
            lo: 16,
            hi: 20,
            ..s
        };
        assert!(a.continued_by(&b, k)); // 12..16 holds no member
        let c = Segment {
            lo: 17,
            hi: 20,
            ..s
        };
        assert!(!Segment { lo: 0, hi: 16, ..s }.continued_by(&Segment { lo: 13, ..c }, k));
        assert!(!a.continued_by(&c, k)); // offset 16 is a member and missing
    }

    /// The smallest c in (lo, hi] with count(lo, c) >= n, by binary search.
    fn end_of_nth_by_search(s: &Segment, n: u64, k: u32) -> u64 {
        let (mut a, mut b) = (s.lo, s.hi);
        while a < b {
            let mid = a + (b - a) / 2;
            if count_range(s.partition, s.lo, mid, s.kg_lo, s.kg_hi, k) >= n {
                b = mid;
            } else {
                a = mid + 1;
            }
        }
        a
    }

    #[test]
    fn closed_form_nth_member_matches_binary_search() {
        for k in [1u32, 7, 16, 128] {
            for p in 0..3 {
                for (g0, g1) in [(0, k), (0, 1), (k / 3, k / 2 + 1), (k - 1, k)] {
                    if g1 <= g0 {
                        continue;
                    }
                    for lo in [0u64, 1, 5, 127, 1000] {
                        let s = Segment {
                            partition: p,
                            kg_lo: g0,
                            kg_hi: g1,
                            lo,
                            hi: lo + 700,
                        };
                        for n in 0..=s.count(k) + 2 {
                            assert_eq!(
                                s.end_of_nth(n, k),
                                end_of_nth_by_search(&s, n, k),
                                "k={k} p={p} kg[{g0},{g1}) lo={lo} n={n}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn split_at_count_is_minimal_and_exact() {
        let k = 128;
        let s = Segment {
            partition: 2,
            kg_lo: 10,
            kg_hi: 40,
            lo: 5,
            hi: 5000,
        };
        let total = s.count(k);
        for n in [1, 2, 29, 30, 31, total - 1] {
            let (a, b) = s.split_at_count(n, k);
            assert_eq!(a.count(k), n, "n={n}");
            assert_eq!(a.count(k) + b.count(k), total);
            assert_eq!(a.hi, b.lo);
            // Minimal: one offset less would hold fewer than n.
            assert!(count_range(2, 5, a.hi - 1, 10, 40, k) < n);
        }
    }
}
