//! Prometheus text exposition, written by hand over atomics: requests by route and status, a
//! latency histogram per route, requests in flight, comments scored and flagged, scoring jobs
//! queued or running and those abandoned.
//!
//! A request is counted in flight by an [`InFlight`] guard, so that a request whose future is
//! dropped before it is answered (its connection gone) leaves the gauge as it found it and is
//! counted under status 499 (nginx's "client closed request").

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// The routes counted (anything else is `other`, so that unknown paths cannot grow the series).
pub const ROUTES: [&str; 5] = ["analyze", "coral", "healthz", "metrics", "other"];

/// Status codes counted one by one; anything else is counted under its class (`5xx`…). 499 is
/// no answer: the request was dropped before it was answered (see [`InFlight`]).
const STATUSES: [u16; 13] = [
    200, 204, 400, 401, 403, 404, 405, 413, 415, 499, 500, 503, 504,
];

/// The status a request is counted under when it was never answered.
pub const ABANDONED: u16 = 499;

/// Latency histogram bucket bounds, in seconds.
const BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 1.0,
];

pub fn route_index(path: &str) -> usize {
    match path {
        "/v1alpha1/comments:analyze" => 0,
        "/coral/moderate" => 1,
        "/healthz" => 2,
        "/metrics" => 3,
        _ => 4,
    }
}

#[derive(Default)]
struct RouteMetrics {
    /// One counter per status in `STATUSES`, then 1xx…5xx for the others.
    by_status: [AtomicU64; STATUSES.len() + 5],
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

#[derive(Default)]
pub struct Metrics {
    routes: [RouteMetrics; ROUTES.len()],
    in_flight: AtomicU64,
    /// Comments scored and flagged (main label at or over the flag threshold), per endpoint:
    /// 0 = Perspective, 1 = Coral.
    scored: [AtomicU64; 2],
    flagged: [AtomicU64; 2],
    /// Scoring jobs handed to the scoring threads and not finished (queued or running).
    scoring_jobs: AtomicU64,
    /// Scoring jobs skipped or stopped because their request had been abandoned (answered 504, or
    /// its connection dropped).
    scoring_abandoned: AtomicU64,
}

/// A request being answered: counted in `moderate_http_requests_in_flight` from
/// [`Metrics::start`] until it is dropped, whatever happens to it. [`InFlight::finish`] counts its
/// status and latency; dropped unfinished, it is counted under [`ABANDONED`].
pub struct InFlight<'a> {
    metrics: &'a Metrics,
    route: usize,
    started: Instant,
    finished: bool,
}

impl InFlight<'_> {
    /// Count the answer: its status and the time since [`Metrics::start`] (returned).
    pub fn finish(mut self, status: u16) -> Duration {
        let elapsed = self.started.elapsed();
        self.metrics.count(self.route, status, Some(elapsed));
        self.finished = true;
        elapsed
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.metrics.count(self.route, ABANDONED, None);
        }
        self.metrics.in_flight.fetch_sub(1, Relaxed);
    }
}

/// A scoring job handed to the scoring threads: counted in `moderate_scoring_jobs_in_flight`
/// until dropped (finished, skipped or panicked).
pub struct ScoringJob<'a>(&'a Metrics);

impl Drop for ScoringJob<'_> {
    fn drop(&mut self) {
        self.0.scoring_jobs.fetch_sub(1, Relaxed);
    }
}

pub enum Endpoint {
    Perspective = 0,
    Coral = 1,
}

impl Metrics {
    /// A request on `route` (see [`route_index`]) begins: in flight until the guard is dropped.
    pub fn start(&self, route: usize) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Relaxed);
        InFlight {
            metrics: self,
            route,
            started: Instant::now(),
            finished: false,
        }
    }

    /// Count one request under its status, and its latency when it was answered.
    fn count(&self, route: usize, status: u16, elapsed: Option<Duration>) {
        let r = &self.routes[route.min(ROUTES.len() - 1)];
        let slot = match STATUSES.iter().position(|&s| s == status) {
            Some(i) => i,
            None => STATUSES.len() + usize::from((status / 100).clamp(1, 5) - 1),
        };
        r.by_status[slot].fetch_add(1, Relaxed);
        let Some(elapsed) = elapsed else {
            return;
        };
        let secs = elapsed.as_secs_f64();
        if let Some(b) = BUCKETS.iter().position(|&le| secs <= le) {
            r.buckets[b].fetch_add(1, Relaxed);
        }
        r.count.fetch_add(1, Relaxed);
        r.sum_micros
            .fetch_add(elapsed.as_micros().min(u64::MAX as u128) as u64, Relaxed);
    }

    pub fn scored(&self, endpoint: Endpoint, flagged: bool) {
        let e = endpoint as usize;
        self.scored[e].fetch_add(1, Relaxed);
        if flagged {
            self.flagged[e].fetch_add(1, Relaxed);
        }
    }

    /// A scoring job is handed to the scoring threads: counted until the guard is dropped.
    pub fn scoring_job(&self) -> ScoringJob<'_> {
        self.scoring_jobs.fetch_add(1, Relaxed);
        ScoringJob(self)
    }

    /// A scoring job found its request abandoned and stopped (or never started).
    pub fn scoring_abandoned(&self) {
        self.scoring_abandoned.fetch_add(1, Relaxed);
    }

    /// The exposition text (format version 0.0.4).
    pub fn render(&self) -> String {
        let mut s = String::with_capacity(4096);
        s.push_str(
            "# HELP moderate_http_requests_total HTTP requests answered, by route and status.\n",
        );
        s.push_str("# TYPE moderate_http_requests_total counter\n");
        for (route, r) in ROUTES.iter().zip(&self.routes) {
            for (slot, n) in r.by_status.iter().enumerate() {
                let n = n.load(Relaxed);
                if n == 0 {
                    continue;
                }
                let status = match STATUSES.get(slot) {
                    Some(code) => code.to_string(),
                    None => format!("{}xx", slot - STATUSES.len() + 1),
                };
                let _ = writeln!(
                    s,
                    "moderate_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        s.push_str("# HELP moderate_http_request_duration_seconds Time from request head to response, by route.\n");
        s.push_str("# TYPE moderate_http_request_duration_seconds histogram\n");
        for (route, r) in ROUTES.iter().zip(&self.routes) {
            let mut cumulative = 0;
            for (le, b) in BUCKETS.iter().zip(&r.buckets) {
                cumulative += b.load(Relaxed);
                let _ = writeln!(
                    s,
                    "moderate_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{le}\"}} {cumulative}"
                );
            }
            let count = r.count.load(Relaxed);
            let _ = writeln!(
                s,
                "moderate_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {count}"
            );
            let _ = writeln!(
                s,
                "moderate_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                r.sum_micros.load(Relaxed) as f64 / 1e6
            );
            let _ = writeln!(
                s,
                "moderate_http_request_duration_seconds_count{{route=\"{route}\"}} {count}"
            );
        }
        s.push_str("# HELP moderate_http_requests_in_flight Requests being answered now (this one included).\n");
        s.push_str("# TYPE moderate_http_requests_in_flight gauge\n");
        let _ = writeln!(
            s,
            "moderate_http_requests_in_flight {}",
            self.in_flight.load(Relaxed)
        );
        s.push_str("# HELP moderate_scoring_jobs_in_flight Scoring jobs queued for or running on the scoring threads.\n");
        s.push_str("# TYPE moderate_scoring_jobs_in_flight gauge\n");
        let _ = writeln!(
            s,
            "moderate_scoring_jobs_in_flight {}",
            self.scoring_jobs.load(Relaxed)
        );
        s.push_str("# HELP moderate_scoring_jobs_abandoned_total Scoring jobs skipped or stopped because their request was abandoned (answered 504 or its client gone).\n");
        s.push_str("# TYPE moderate_scoring_jobs_abandoned_total counter\n");
        let _ = writeln!(
            s,
            "moderate_scoring_jobs_abandoned_total {}",
            self.scoring_abandoned.load(Relaxed)
        );
        s.push_str("# HELP moderate_comments_scored_total Comments scored, by endpoint.\n");
        s.push_str("# TYPE moderate_comments_scored_total counter\n");
        for (name, sc) in ["perspective", "coral"].iter().zip(&self.scored) {
            let _ = writeln!(
                s,
                "moderate_comments_scored_total{{endpoint=\"{name}\"}} {}",
                sc.load(Relaxed)
            );
        }
        s.push_str("# HELP moderate_comments_flagged_total Comments whose main-label score reached the flag threshold, by endpoint.\n");
        s.push_str("# TYPE moderate_comments_flagged_total counter\n");
        for (name, fl) in ["perspective", "coral"].iter().zip(&self.flagged) {
            let _ = writeln!(
                s,
                "moderate_comments_flagged_total{{endpoint=\"{name}\"}} {}",
                fl.load(Relaxed)
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_histogram() {
        let m = Metrics::default();
        m.count(0, 200, Some(Duration::from_micros(300)));
        m.count(0, 418, Some(Duration::from_millis(30)));
        m.scored(Endpoint::Coral, true);
        let text = m.render();
        assert!(text.contains("moderate_http_requests_total{route=\"analyze\",status=\"200\"} 1\n"));
        assert!(text.contains("moderate_http_requests_total{route=\"analyze\",status=\"4xx\"} 1\n"));
        assert!(text.contains(
            "moderate_http_request_duration_seconds_bucket{route=\"analyze\",le=\"0.0005\"} 1\n"
        ));
        assert!(text.contains(
            "moderate_http_request_duration_seconds_bucket{route=\"analyze\",le=\"0.05\"} 2\n"
        ));
        assert!(
            text.contains("moderate_http_request_duration_seconds_count{route=\"analyze\"} 2\n")
        );
        assert!(text.contains("moderate_http_requests_in_flight 0\n"));
        assert!(text.contains("moderate_comments_flagged_total{endpoint=\"coral\"} 1\n"));
    }

    #[test]
    fn a_request_dropped_unanswered_leaves_the_gauge_and_counts_499() {
        let m = Metrics::default();
        let answered = m.start(1);
        let abandoned = m.start(1);
        assert!(m.render().contains("moderate_http_requests_in_flight 2\n"));
        answered.finish(200);
        drop(abandoned);
        let text = m.render();
        assert!(
            text.contains("moderate_http_requests_in_flight 0\n"),
            "{text}"
        );
        assert!(text.contains("moderate_http_requests_total{route=\"coral\",status=\"499\"} 1\n"));
        assert!(text.contains("moderate_http_requests_total{route=\"coral\",status=\"200\"} 1\n"));
        // Only the answer is timed.
        assert!(text.contains("moderate_http_request_duration_seconds_count{route=\"coral\"} 1\n"));
    }

    #[test]
    fn scoring_jobs_are_counted_until_dropped() {
        let m = Metrics::default();
        let job = m.scoring_job();
        assert!(m.render().contains("moderate_scoring_jobs_in_flight 1\n"));
        m.scoring_abandoned();
        drop(job);
        let text = m.render();
        assert!(text.contains("moderate_scoring_jobs_in_flight 0\n"));
        assert!(text.contains("moderate_scoring_jobs_abandoned_total 1\n"));
    }
}
