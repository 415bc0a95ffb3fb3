//! One component per file; each gets `Ctl` from context and renders part of the session.
pub(crate) mod composer;
pub(crate) mod csat;
pub(crate) mod handoff_notice;
pub(crate) mod human_button;
pub(crate) mod icons;
pub(crate) mod launcher;
pub(crate) mod message_list;
