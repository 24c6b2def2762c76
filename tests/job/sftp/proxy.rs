//! A TCP relay in front of the test sshd that can stop the server in the middle of a download:
//! once a connection has carried `cut_after` bytes from the server, it stops sshd and drops the
//! connection. The point of the cut is fixed by a byte count, not by a clock.

use super::server::SshServer;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};

pub struct Relay {
    pub port: u16,
    cut_after: Arc<AtomicU64>,
    closed: Arc<AtomicBool>,
}

impl Relay {
    /// Relays to `server`, stopping it after `cut_after` server bytes on one connection. The
    /// relay does not keep the server alive: dropping the test's handle still stops it.
    pub fn start(server: &Arc<SshServer>, cut_after: u64) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind relay");
        let port = listener.local_addr().expect("addr").port();
        let (cut, closed) = (Arc::new(AtomicU64::new(cut_after)), Arc::new(AtomicBool::new(false)));
        let (limit, stop) = (Arc::clone(&cut), Arc::clone(&closed));
        let (server, upstream_port) = (Arc::downgrade(server), server.port);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(upstream) = TcpStream::connect(("127.0.0.1", upstream_port)) else {
                    // The server is down: the client sees its connection closed.
                    continue;
                };
                relay(client, upstream, Weak::clone(&server), Arc::clone(&limit));
            }
        });
        Self { port, cut_after: cut, closed }
    }

    /// From now on, relays without cutting.
    pub fn never_cut(&self) {
        self.cut_after.store(u64::MAX, Ordering::SeqCst);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.closed.store(true, Ordering::SeqCst);
        // Wakes the accepting thread so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn relay(client: TcpStream, upstream: TcpStream, server: Weak<SshServer>, limit: Arc<AtomicU64>) {
    let (c2, u2) = (client.try_clone().expect("clone"), upstream.try_clone().expect("clone"));
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut &c2, &mut &u2);
        let _ = u2.shutdown(Shutdown::Write);
    });
    std::thread::spawn(move || {
        let (mut from, mut to) = (upstream, client);
        let mut buffer = [0u8; 16 * 1024];
        let mut carried: u64 = 0;
        loop {
            let n = match from.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            carried += n as u64;
            if carried > limit.load(Ordering::SeqCst) {
                if let Some(server) = server.upgrade() {
                    server.stop();
                }
                let _ = to.shutdown(Shutdown::Both);
                let _ = from.shutdown(Shutdown::Both);
                return;
            }
            if to.write_all(&buffer[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
}
