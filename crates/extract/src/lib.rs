//! Indicator extraction from free text.
//!
//! Victims, hotlines and analysts write narratives, not structured data. [`Extractor::extract`]
//! pulls every indicator out of such text and canonicalises it exactly as
//! [`model::canonicalize`] does, in three steps:
//!
//! 1. **Normalisation** ([`normalize`]): Unicode NFKC (full-width digits and dots), zero-width
//!    characters removed, ideographic dots mapped to `.`, with an offset map back to the
//!    original text.
//! 2. **Refanging** ([`refang`]): `hxxp`, `[.]`, `(dot)`, `[@]`, … turned back into the
//!    characters they stand for, remembering which bytes came from a defanged form.
//! 3. **Scanning** ([`scan`]): candidates for every observable kind, validated through the model
//!    crate's canonicalisers (checksums, libphonenumber, real TLDs, special-purpose IP ranges),
//!    overlaps resolved, warning lists consulted.
//!
//! Extraction never fails: a malformed candidate is skipped, never an error. The crate does no
//! IO; warning lists are parsed from text the caller has read.

pub mod normalize;
pub mod refang;
pub mod scan;
pub mod score;
pub mod warninglist;

pub use scan::{ExtractOptions, Extractor, Finding};
pub use warninglist::{WarningList, WarningListError, WarningLists};
