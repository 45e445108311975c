//! Refanging: defanged forms turned back into the characters they stand for.
