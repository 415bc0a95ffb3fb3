//! `baton` integration tests: one binary, modules by feature. Every test starts the real
//! `baton serve` binary on 127.0.0.1:0 with a real SQLite file in a temp dir.
mod api;
mod util;
