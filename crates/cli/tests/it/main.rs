//! Integration tests of the `dragnet` binary and of the workspace's architecture.

mod architecture;
mod cli;
mod crash;
mod nodes;
