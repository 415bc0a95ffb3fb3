//! A loopback TCP proxy that misbehaves on purpose: per connection it passes traffic through,
//! delays it, drops the connection before forwarding anything, or forwards the request and
//! resets the connection before the answer reaches the client (the case that matters most: the
//! server stored the bundle but the client never heard so). Choices come from a seeded PRNG,
//! so a run is reproducible; only 127.0.0.1 is ever dialled.
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy did to a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fault {
    /// Forwarded both ways untouched.
    Pass,
    /// Forwarded after a delay in each direction.
    Delay,
    /// Closed before anything reached the server.
    Drop,
    /// The request reached the server; the answer was cut off (RST to the client).
    ResetAfterRequest,
}

/// Fault mix in percent; the rest passes.
#[derive(Clone, Copy, Debug)]
pub struct Mix {
    /// Share of delayed connections.
    pub delay: u64,
    /// Share of dropped connections.
    pub drop: u64,
    /// Share of connections reset after the request went through.
    pub reset: u64,
}

/// A running proxy.
pub struct Proxy {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    counts: Arc<Mutex<std::collections::BTreeMap<Fault, u64>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Starts a proxy in front of `upstream` (`127.0.0.1:PORT`).
    pub async fn start(upstream: SocketAddr, mix: Mix, seed: u64) -> Proxy {
        assert!(upstream.ip().is_loopback(), "the proxy only dials loopback");
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let counts = Arc::new(Mutex::new(std::collections::BTreeMap::new()));
        let state = Arc::new(AtomicU64::new(seed | 1));
        let c = counts.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let roll = next(&state) % 100;
                let fault = if roll < mix.drop {
                    Fault::Drop
                } else if roll < mix.drop + mix.reset {
                    Fault::ResetAfterRequest
                } else if roll < mix.drop + mix.reset + mix.delay {
                    Fault::Delay
                } else {
                    Fault::Pass
                };
                *c.lock().unwrap().entry(fault).or_default() += 1;
                tokio::spawn(handle(client, upstream, fault));
            }
        });
        Proxy { base, counts, task }
    }

    /// How many connections got each treatment so far.
    pub fn counts(&self) -> std::collections::BTreeMap<Fault, u64> {
        self.counts.lock().unwrap().clone()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn next(state: &AtomicU64) -> u64 {
    let mut x = state.load(Ordering::Relaxed);
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    state.store(x, Ordering::Relaxed);
    x.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

async fn handle(mut client: TcpStream, upstream: SocketAddr, fault: Fault) {
    if fault == Fault::Drop {
        reset_on_drop(&client);
        return;
    }
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    let delay = if fault == Fault::Delay {
        Duration::from_millis(150)
    } else {
        Duration::ZERO
    };
    if fault == Fault::ResetAfterRequest {
        // Forward what the client sends until the server starts answering, then cut the
        // client off with an RST: the request was processed, the answer is lost.
        {
            let (mut cr, _) = client.split();
            let (mut sr, mut sw) = server.split();
            let mut first = [0u8; 1];
            let upload = async {
                let _ = tokio::io::copy(&mut cr, &mut sw).await;
                std::future::pending::<()>().await
            };
            tokio::select! {
                _ = upload => {}
                _ = sr.read(&mut first) => {}
            }
        }
        reset_on_drop(&client);
        return;
    }
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let up = async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match cr.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            tokio::time::sleep(delay).await;
            if sw.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = sw.shutdown().await;
    };
    let down = async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match sr.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            tokio::time::sleep(delay).await;
            if cw.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = cw.shutdown().await;
    };
    tokio::join!(up, down);
}

/// Linger 0: closing sends an RST instead of a FIN, as a crashed peer or middlebox would.
/// (Deprecated in tokio because a *non-zero* linger blocks the thread on drop; zero does not.)
#[allow(deprecated)]
fn reset_on_drop(stream: &TcpStream) {
    let _ = stream.set_linger(Some(Duration::ZERO));
}
