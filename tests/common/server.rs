//! `moderate serve` started for a test on a free loopback port, killed when dropped. Each test
//! file adds the request helpers it needs in its own `impl Server` block.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};

pub struct Server {
    pub child: Child,
    /// `127.0.0.1:PORT`, as the server printed it.
    pub addr: String,
    _stdout: BufReader<ChildStdout>,
}

impl Server {
    /// `moderate serve --addr 127.0.0.1:0 --log-level error` with `extra` arguments and `env`,
    /// without the secrets a developer's environment may hold.
    pub fn spawn(extra: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_moderate"))
            .args(["serve", "--addr", "127.0.0.1:0", "--log-level", "error"])
            .args(extra)
            .env_remove("MODERATE_API_KEY")
            .env_remove("MODERATE_CORAL_SECRET")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moderate serve");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("read the bound address");
        let addr = line
            .trim()
            .strip_prefix("moderate serve: listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        Server {
            child,
            addr,
            _stdout: stdout,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
