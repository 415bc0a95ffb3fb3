//! Inline SVG icons: no icon font, no emoji (headless Chromium and some kiosks have none),
//! and `currentColor` so they follow the theme and high-contrast modes.
use leptos::prelude::*;

/// Speech bubble.
pub(crate) fn chat() -> impl IntoView {
    view! {
        <svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">
            <path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/>
        </svg>
    }
}

/// Cross.
pub(crate) fn close() -> impl IntoView {
    view! {
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
            <path fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" d="M6 6l12 12M18 6L6 18"/>
        </svg>
    }
}

/// Paper plane.
pub(crate) fn send() -> impl IntoView {
    view! {
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
            <path fill="currentColor" d="M3 20.5l18-8.5L3 3.5 3 10l12 2-12 2z"/>
        </svg>
    }
}

/// A person.
pub(crate) fn person() -> impl IntoView {
    view! {
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
            <circle cx="12" cy="8" r="4" fill="currentColor"/>
            <path fill="currentColor" d="M4 21c0-4.4 3.6-7 8-7s8 2.6 8 7z"/>
        </svg>
    }
}

/// Thumb up (`down` flips it).
pub(crate) fn thumb(down: bool) -> impl IntoView {
    view! {
        <svg
            viewBox="0 0 24 24"
            width="16"
            height="16"
            aria-hidden="true"
            focusable="false"
            class:flip=down
        >
            <path fill="currentColor" d="M2 10h4v11H2zM8 21h9.3a2 2 0 0 0 2-1.6l1.6-7A2 2 0 0 0 19 10h-5.4l.9-4.3A1.7 1.7 0 0 0 11.6 4L8 9.5z"/>
        </svg>
    }
}

/// Star (filled when `on`).
pub(crate) fn star() -> impl IntoView {
    view! {
        <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" focusable="false">
            <path d="M12 2.8l2.9 6 6.5.8-4.8 4.5 1.2 6.5L12 17.4l-5.8 3.2 1.2-6.5-4.8-4.5 6.5-.8z"/>
        </svg>
    }
}
