//! Helpers shared by the integration tests (`mod common;` in each test file that needs them).

pub mod server;
