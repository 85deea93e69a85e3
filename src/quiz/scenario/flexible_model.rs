//! A reference model of Flexible Paxos quorum systems, as in Howard, Malkhi and Spiegelman,
//! *Flexible Paxos: Quorum Intersection Revisited* (2016). Pure functions; [`super::flexible`]
//! asks them for every key.
//!
//! - [`safe`] (§3): Paxos stays safe when every phase-1 quorum intersects every phase-2 quorum;
//!   quorums of the same phase need not intersect. For counting ("simple") quorums (§4.2) that
//!   is |Q1| + |Q2| > N; for a grid (§4.3) whose phase-1 quorums are the full rows and phase-2
//!   quorums the full columns (or the other way round), every row meets every column, while two
//!   rows (or two columns) never meet; a grid quorum of s acceptors meets every set of b out of
//!   N exactly when s + b > N.
//! - [`tolerated`] (§4.2, §4.3): how many acceptors may fail, whichever they are, while a live
//!   quorum of the phase remains: N - |Q| for counting quorums; for full rows, one failure in
//!   each of the R rows stops the phase, so R - 1; for full columns, C - 1.
//! - [`smallest_partner`] (§4.2): the smallest quorum size that is safe with a given one of the
//!   other phase: N - |Q| + 1.

use std::fmt;

/// The quorums of one phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Quorums {
    /// Any `size` of the `n` acceptors.
    Counting { n: usize, size: usize },
    /// The acceptors form `rows` x `cols`; a quorum is every acceptor of one full row.
    Rows { rows: usize, cols: usize },
    /// A quorum is every acceptor of one full column.
    Columns { rows: usize, cols: usize },
}

impl Quorums {
    pub fn n(&self) -> usize {
        match *self {
            Quorums::Counting { n, .. } => n,
            Quorums::Rows { rows, cols } | Quorums::Columns { rows, cols } => rows * cols,
        }
    }

    /// The size of each quorum.
    pub fn size(&self) -> usize {
        match *self {
            Quorums::Counting { size, .. } => size,
            Quorums::Rows { cols, .. } => cols,
            Quorums::Columns { rows, .. } => rows,
        }
    }
}

impl fmt::Display for Quorums {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Quorums::Counting { size: 1, .. } => write!(f, "any 1 acceptor"),
            Quorums::Counting { size, .. } => write!(f, "any {size} acceptors"),
            Quorums::Rows { cols, .. } => write!(f, "any full row ({cols} acceptors)"),
            Quorums::Columns { rows, .. } => write!(f, "any full column ({rows} acceptors)"),
        }
    }
}

/// §3: does every quorum of `q1` intersect every quorum of `q2`? Both are over the same
/// acceptors (the same `n`, or the same grid).
pub fn safe(q1: Quorums, q2: Quorums) -> bool {
    match (q1, q2) {
        (Quorums::Counting { n, size: a }, Quorums::Counting { size: b, .. }) => a + b > n,
        // A row and a column share exactly one acceptor.
        (Quorums::Rows { .. }, Quorums::Columns { .. })
        | (Quorums::Columns { .. }, Quorums::Rows { .. }) => true,
        // Two different rows share nothing (and there are two as soon as rows > 1).
        (Quorums::Rows { rows, .. }, Quorums::Rows { .. }) => rows == 1,
        (Quorums::Columns { cols, .. }, Quorums::Columns { .. }) => cols == 1,
        // A grid quorum of s acceptors and any b of the n: some b avoid it unless s + b > n.
        (g, Quorums::Counting { n, size }) | (Quorums::Counting { n, size }, g) => {
            g.size() + size > n
        }
    }
}

/// How many failures, whichever acceptors they hit, leave at least one live quorum of `q`.
pub fn tolerated(q: Quorums) -> usize {
    match q {
        Quorums::Counting { n, size } => n - size,
        // Killing one acceptor in every row kills every row.
        Quorums::Rows { rows, .. } => rows - 1,
        Quorums::Columns { cols, .. } => cols - 1,
    }
}

/// §4.2: the smallest counting quorum of the other phase that is safe with quorums of `size`
/// out of `n`.
pub fn smallest_partner(n: usize, size: usize) -> usize {
    n - size + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counting_needs_sum_above_n() {
        let c = |size| Quorums::Counting { n: 6, size };
        assert!(safe(c(4), c(3)));
        assert!(!safe(c(3), c(3)));
        assert!(!safe(c(4), c(2)));
        assert_eq!(smallest_partner(6, 4), 3);
        assert_eq!(tolerated(c(4)), 2);
    }

    #[test]
    fn grids_need_a_row_and_a_column() {
        let r = Quorums::Rows { rows: 4, cols: 5 };
        let c = Quorums::Columns { rows: 4, cols: 5 };
        assert!(safe(r, c) && safe(c, r));
        assert!(!safe(r, r) && !safe(c, c));
        assert_eq!(tolerated(r), 3);
        assert_eq!(tolerated(c), 4);
    }
}
