//! Baton's widget: mounted by the loader inside a shadow root.
