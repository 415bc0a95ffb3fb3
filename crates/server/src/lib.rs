//! `baton-server`: the backend behind `baton serve` — ingest, verify, route, store, forward.
//!
//! The only crate that knows SQL and HTTP. It trusts no escalation reason it has not
//! re-derived with `baton-engine`, stores every handoff exactly once (the bundle id is a
//! unique key in the database, not in process memory), and keeps webhooks off the request
//! path. `app::router` is the whole HTTP surface; `serve::run` wires it to a socket.
pub mod app;
pub mod auth;
pub mod config;
pub mod console;
pub mod db;
pub mod enrich;
pub mod error;
pub mod extract;
pub mod fanout;
pub mod identity;
pub mod metrics;
pub mod origin;
pub mod ratelimit;
pub mod relay;
pub mod retention;
pub mod serve;
pub mod state;
pub mod verify;
pub mod webhook;

mod api;
