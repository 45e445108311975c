//! PDQ hashing: pixels to hash, quality and the eight dihedral hashes.
