//! A TCP proxy in front of the database, as a virtual IP or a Kubernetes
//! service would be: clients know only its address; moving it to another
//! server cuts the connections open through it, and while its server is
//! down it takes connections and closes them.

use std::net::SocketAddr;

use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The proxy; stops (with every connection through it) when dropped.
pub(super) struct Proxy {
    address: SocketAddr,
    target: watch::Sender<SocketAddr>,
    accept: JoinHandle<()>,
}

impl Proxy {
    /// Listens on a port of its own and forwards to `target`.
    pub(super) async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (tx, rx) = watch::channel(target);
        let accept = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                tokio::spawn(forward(client, rx.clone()));
            }
        });
        Self {
            address,
            target: tx,
            accept,
        }
    }

    /// `postgres://` URL of the database `db` behind the proxy.
    pub(super) fn url(&self, db: &str) -> String {
        format!("postgres://postgres@{}/{db}", self.address)
    }

    /// Sends new connections to `target`; the open ones are cut.
    pub(super) fn point(&self, target: SocketAddr) {
        self.target.send_replace(target);
    }
}

/// Carries one connection until either side closes it or the proxy moves.
async fn forward(mut client: TcpStream, mut target: watch::Receiver<SocketAddr>) {
    let to = *target.borrow_and_update();
    let Ok(mut server) = TcpStream::connect(to).await else {
        return;
    };
    tokio::select! {
        _ = copy_bidirectional(&mut client, &mut server) => {}
        _ = target.changed() => {}
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}
