//! `baton` integration tests: one binary, modules by feature. Every test starts the real
//! `baton serve` binary on 127.0.0.1:0 with a real SQLite file in a temp dir — or, with
//! `BATON_TEST_DB=postgres`, a fresh database on a throwaway Postgres (`pg.rs`).
mod api;
mod console;
mod faults;
mod hostile;
mod multi;
mod pg;
mod proxy;
mod relay;
mod schema;
mod util;
