//! Unicode pre-normalisation with an offset map back to the original text.
