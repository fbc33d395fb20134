//! Placeholder replaced by the ingest + KPI benchmark.
fn main() {}
