//! Exact multi-index hashing (MIH) range search over 256-bit hashes.
