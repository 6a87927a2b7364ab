//! Text helpers for the server: sentence spans with code-point offsets. Languages are guessed by
//! [`crate::text::lang::guess`] (as `moderate score` guesses them); HTML to text is
//! [`crate::text::html`], shared with `moderate score --html`. Nothing here sees the network.

pub use crate::text::spans::{sentence_spans, Span};
