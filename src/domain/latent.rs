//! Local latent semantic analysis: the similarity of a few documents to one of them, measured in the
//! latent space of their own cosine matrix.
//!
//! Two stories on one topic often share few words ("aéroport", "vols" against "autocar", "gare
//! routière") but share words with the same third stories. The eigenvectors of the documents' cosine
//! (Gram) matrix with the largest eigenvalues are those shared themes; projecting every document on
//! them and comparing the projections relates stories through the words of their neighbours (the
//! rank-k approximation of latent semantic indexing, computed on the neighbourhood of one article so
//! that it costs the same at any corpus size: "local LSI").

/// Eigenvalues (descending) and unit eigenvectors (`vectors[i][j]`: component i of eigenvector j) of
/// a symmetric tridiagonal matrix (`diagonal`, and `off[i]` coupling i and i + 1), by the implicit QL
/// method (as in Numerical Recipes' `tqli`).
fn tridiagonal_eigen(mut d: Vec<f64>, off: &[f64]) -> (Vec<f64>, Vec<Vec<f64>>) {
    let n = d.len();
    let mut e: Vec<f64> = (0..n).map(|i| off.get(i).copied().unwrap_or(0.0)).collect();
    let mut z: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect();
    for l in 0..n {
        let mut iterations = 0;
        loop {
            let mut m = l;
            while m + 1 < n {
                let dd = d[m].abs() + d[m + 1].abs();
                if e[m].abs() <= f64::EPSILON * dd {
                    break;
                }
                m += 1;
            }
            if m == l || iterations >= 60 {
                break;
            }
            iterations += 1;
            let mut g = (d[l + 1] - d[l]) / (2.0 * e[l]);
            let mut r = g.hypot(1.0);
            g = d[m] - d[l] + e[l] / (g + r.copysign(g));
            let (mut s, mut c, mut p) = (1.0, 1.0, 0.0);
            let mut underflow = false;
            let mut i = m;
            while i > l {
                i -= 1;
                let f = s * e[i];
                let b = c * e[i];
                r = f.hypot(g);
                e[i + 1] = r;
                if r == 0.0 {
                    d[i + 1] -= p;
                    e[m] = 0.0;
                    underflow = true;
                    break;
                }
                s = f / r;
                c = g / r;
                g = d[i + 1] - p;
                r = (d[i] - g) * s + 2.0 * c * b;
                p = s * r;
                d[i + 1] = g + p;
                g = c * r - b;
                for row in z.iter_mut() {
                    let f = row[i + 1];
                    row[i + 1] = s * row[i] + c * f;
                    row[i] = c * row[i] - s * f;
                }
            }
            if underflow {
                continue;
            }
            d[l] -= p;
            e[l] = g;
            e[m] = 0.0;
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| d[j].total_cmp(&d[i]).then(i.cmp(&j)));
    let values = order.iter().map(|&i| d[i]).collect();
    let vectors = (0..n)
        .map(|r| order.iter().map(|&j| z[r][j]).collect())
        .collect();
    (values, vectors)
}

/// The leading eigenvalues (descending, at most `steps`) and eigenvectors (`vectors[i][j]`: component
/// i of eigenvector j) of a symmetric matrix, by the Lanczos method with full reorthogonalisation and
/// restarts (so repeated eigenvalues are found too): with `steps` below the size, a few matrix-vector
/// products give the leading pairs; with `steps` equal to it, the decomposition is exact.
pub fn leading_eigen(a: &[Vec<f64>], steps: usize) -> (Vec<f64>, Vec<Vec<f64>>) {
    let n = a.len();
    let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(p, q)| p * q).sum::<f64>();
    // Fixed, spread-out starts (no eigenvector is likely to be orthogonal to them).
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut start = || -> Vec<f64> {
        (0..n)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5
            })
            .collect()
    };
    // Takes out of w its components along the basis (twice is enough), then returns its length.
    let orthogonalise = |w: &mut Vec<f64>, basis: &[Vec<f64>]| {
        for _ in 0..2 {
            for b in basis {
                let c = dot(b, w);
                w.iter_mut().zip(b).for_each(|(x, y)| *x -= c * y);
            }
        }
        dot(w, w).sqrt()
    };
    let mut basis: Vec<Vec<f64>> = Vec::new();
    let (mut alpha, mut beta) = (Vec::new(), Vec::new());
    let mut q = start();
    let norm = orthogonalise(&mut q, &basis);
    q.iter_mut().for_each(|x| *x /= norm);
    while basis.len() < steps.min(n) {
        let mut w: Vec<f64> = a.iter().map(|row| dot(row, &q)).collect();
        alpha.push(dot(&q, &w));
        basis.push(q);
        let mut b = orthogonalise(&mut w, &basis);
        if b <= 1e-10 {
            // An invariant subspace is exhausted (a repeated eigenvalue): go on from a new start
            // orthogonal to it, uncoupled from what came before.
            if basis.len() == steps.min(n) {
                break;
            }
            w = start();
            let len = orthogonalise(&mut w, &basis);
            if len <= 1e-10 {
                break;
            }
            w.iter_mut().for_each(|x| *x /= len);
            b = 0.0;
            beta.push(b);
            q = w;
            continue;
        }
        beta.push(b);
        q = w.into_iter().map(|x| x / b).collect();
    }
    let m = basis.len();
    let (values, s) = tridiagonal_eigen(alpha, &beta[..m.saturating_sub(1).min(beta.len())]);
    let vectors = (0..n)
        .map(|r| {
            (0..m)
                .map(|j| (0..m).map(|i| basis[i][r] * s[i][j]).sum())
                .collect()
        })
        .collect();
    (values, vectors)
}

/// Lanczos steps at most (see [`Latent::new`]).
const LANCZOS_STEPS: usize = 48;

/// The documents of a neighbourhood in the latent spaces of `gram` (their pairwise cosines, 1 on the
/// diagonal for a document with any text) made of the leading dimensions that hold from `energy.0`
/// to `energy.1` of the spectrum (its trace): one dimension count is a guess, a range of them is
/// steadier.
pub struct Latent {
    /// Per dimension count, each document's unit projection (zero for a document with nothing there).
    spaces: Vec<Vec<Vec<f64>>>,
}

impl Latent {
    pub fn new(gram: &[Vec<f64>], energy: (f64, f64)) -> Self {
        let n = gram.len();
        if n == 0 {
            return Latent { spaces: Vec::new() };
        }
        // The spectrum's total is the trace; only its leading part is computed.
        let total: f64 = (0..n).map(|i| gram[i][i].max(0.0)).sum();
        // Lanczos converges on the largest eigenvalues first: up to LANCZOS_STEPS documents the
        // decomposition is exact; beyond, 48 steps give the leading dimensions kept here (a fifth of
        // the documents or so) closely, the last few Ritz pairs approximately, at a fraction of the
        // cost of all n (the related eval is the same either way).
        let (values, vectors) = leading_eigen(gram, n.min(LANCZOS_STEPS));
        let m = values.len();
        // The fewest leading (positive) dimensions holding `share` of the spectrum.
        let dims = |share: f64| {
            let (mut k, mut held) = (0, 0.0);
            while k < m && values[k] > 0.0 && (k == 0 || held < share * total) {
                held += values[k];
                k += 1;
            }
            k
        };
        let (from, to) = (dims(energy.0), dims(energy.1).max(dims(energy.0)));
        let spaces = (from..=to)
            .map(|k| {
                (0..n)
                    .map(|i| {
                        let mut z: Vec<f64> = (0..k)
                            .map(|j| vectors[i][j] * values[j].max(0.0).sqrt())
                            .collect();
                        let norm = z.iter().map(|x| x * x).sum::<f64>().sqrt();
                        if norm > 1e-12 {
                            z.iter_mut().for_each(|x| *x /= norm);
                        } else {
                            z.iter_mut().for_each(|x| *x = 0.0);
                        }
                        z
                    })
                    .collect()
            })
            .collect();
        Latent { spaces }
    }

    /// The cosine of each document to document `i`, averaged over the latent spaces.
    pub fn similarity(&self, i: usize) -> Vec<f64> {
        let Some(first) = self.spaces.first() else {
            return Vec::new();
        };
        let mut sum = vec![0.0; first.len()];
        for space in &self.spaces {
            let me = &space[i];
            for (s, z) in sum.iter_mut().zip(space) {
                *s += z.iter().zip(me).map(|(a, b)| a * b).sum::<f64>();
            }
        }
        let count = self.spaces.len() as f64;
        sum.into_iter().map(|s| s / count).collect()
    }
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)]
mod tests {
    use super::*;

    #[test]
    fn full_lanczos_rebuilds_the_matrix() {
        // A symmetric matrix from a small deterministic generator.
        let n = 9;
        let mut x = 17u64;
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) as f64 / (1u64 << 31) as f64 - 0.5
        };
        let mut a = vec![vec![0.0; n]; n];
        for i in 0..n {
            for j in 0..=i {
                let v = next();
                a[i][j] = v;
                a[j][i] = v;
            }
        }
        let (values, vectors) = leading_eigen(&a, n);
        assert_eq!(values.len(), n);
        assert!(values.windows(2).all(|w| w[0] >= w[1]), "{values:?}");
        for i in 0..n {
            for j in 0..n {
                let rebuilt: f64 = (0..n)
                    .map(|k| vectors[i][k] * values[k] * vectors[j][k])
                    .sum();
                assert!(
                    (rebuilt - a[i][j]).abs() < 1e-9,
                    "{i},{j}: {rebuilt} vs {}",
                    a[i][j]
                );
            }
        }
    }

    #[test]
    fn lanczos_finds_the_leading_eigenpairs() {
        let n = 40;
        let mut a = vec![vec![0.0; n]; n];
        for i in 0..n {
            for j in 0..n {
                // A Gram-like matrix with a few strong directions.
                a[i][j] = ((i % 4 == j % 4) as u8 as f64) * 0.6 + if i == j { 0.4 } else { 0.0 };
            }
        }
        let (full, _) = leading_eigen(&a, n);
        let (values, vectors) = leading_eigen(&a, 12);
        for k in 0..4 {
            assert!(
                (values[k] - full[k]).abs() < 1e-8,
                "{k}: {} vs {}",
                values[k],
                full[k]
            );
            // A v = lambda v
            for i in 0..n {
                let av: f64 = (0..n).map(|j| a[i][j] * vectors[j][k]).sum();
                assert!((av - values[k] * vectors[i][k]).abs() < 1e-8);
            }
        }
    }

    #[test]
    fn neighbours_of_neighbours_come_closer() {
        // 0 shares words with 1 only; 1 and 2 are close; 3 and 4 are another story.
        let gram = vec![
            vec![1.0, 0.5, 0.0, 0.0, 0.0],
            vec![0.5, 1.0, 0.6, 0.0, 0.0],
            vec![0.0, 0.6, 1.0, 0.0, 0.05],
            vec![0.0, 0.0, 0.0, 1.0, 0.7],
            vec![0.0, 0.0, 0.05, 0.7, 1.0],
        ];
        let sim = Latent::new(&gram, (0.4, 0.6)).similarity(0);
        assert!((sim[0] - 1.0).abs() < 1e-9);
        assert!(sim[2] > 0.5, "{sim:?}");
        assert!(sim[3] < 0.2 && sim[4] < 0.2, "{sim:?}");
    }
}
