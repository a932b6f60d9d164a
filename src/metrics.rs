//! Prometheus metrics: requests by method and status class, a latency histogram, and the pool.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Latency bucket bounds, in seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];
const METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PATCH", "DELETE", "OTHER"];
const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// Counters updated by every request, lock-free.
pub struct Metrics {
    requests: [[AtomicU64; 5]; 6],
    buckets: [AtomicU64; 10],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            requests: std::array::from_fn(|_| std::array::from_fn(|_| AtomicU64::new(0))),
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            count: AtomicU64::new(0),
            sum_micros: AtomicU64::new(0),
        }
    }
}

impl Metrics {
    pub fn observe(&self, method: &str, status: u16, micros: u64) {
        let m = METHODS.iter().position(|x| *x == method).unwrap_or(5);
        let c = ((status / 100).clamp(1, 5) - 1) as usize;
        self.requests[m][c].fetch_add(1, Ordering::Relaxed);
        let secs = micros as f64 / 1e6;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// The Prometheus text exposition (version 0.0.4).
    pub fn render(&self, pool_connections: u32, pool_idle: u32) -> String {
        let mut out = String::new();
        out.push_str("# HELP kiosque_http_requests_total HTTP requests answered, by method and status class.\n");
        out.push_str("# TYPE kiosque_http_requests_total counter\n");
        for (m, method) in METHODS.iter().enumerate() {
            for (c, class) in CLASSES.iter().enumerate() {
                let n = self.requests[m][c].load(Ordering::Relaxed);
                if n > 0 {
                    let _ = writeln!(
                        out,
                        "kiosque_http_requests_total{{method=\"{method}\",status=\"{class}\"}} {n}"
                    );
                }
            }
        }
        out.push_str("# HELP kiosque_http_request_duration_seconds Time to answer a request.\n");
        out.push_str("# TYPE kiosque_http_request_duration_seconds histogram\n");
        for (i, bound) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "kiosque_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                self.buckets[i].load(Ordering::Relaxed)
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "kiosque_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            out,
            "kiosque_http_request_duration_seconds_sum {}",
            self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(out, "kiosque_http_request_duration_seconds_count {count}");
        out.push_str("# HELP kiosque_db_pool_connections Open database connections.\n# TYPE kiosque_db_pool_connections gauge\n");
        let _ = writeln!(out, "kiosque_db_pool_connections {pool_connections}");
        out.push_str("# HELP kiosque_db_pool_idle Idle database connections.\n# TYPE kiosque_db_pool_idle gauge\n");
        let _ = writeln!(out, "kiosque_db_pool_idle {pool_idle}");
        out
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn observations_land_in_counters_and_cumulative_buckets() {
        let m = super::Metrics::default();
        m.observe("GET", 200, 3_000);
        m.observe("POST", 422, 400_000);
        let text = m.render(2, 1);
        assert!(text.contains("kiosque_http_requests_total{method=\"GET\",status=\"2xx\"} 1"));
        assert!(text.contains("kiosque_http_requests_total{method=\"POST\",status=\"4xx\"} 1"));
        assert!(text.contains("kiosque_http_request_duration_seconds_bucket{le=\"0.005\"} 1"));
        assert!(text.contains("kiosque_http_request_duration_seconds_bucket{le=\"0.5\"} 2"));
        assert!(text.contains("kiosque_http_request_duration_seconds_count 2"));
        assert!(text.contains("kiosque_db_pool_connections 2"));
    }
}
