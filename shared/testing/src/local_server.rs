//! A test's own HTTP server on loopback (a fake GitHub, a webhook
//! receiver, an LLM stub): one worker, no signal handling, a free port.

use actix_web::{App, HttpServer, web};

/// Serves what `configure` mounts on 127.0.0.1 at a free port, in the
/// background of the current runtime; the base URL, `http://127.0.0.1:<port>`.
pub fn serve<F>(configure: F) -> String
where
    F: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
{
    let server = HttpServer::new(move || App::new().configure(configure.clone()))
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .expect("binding a free port");
    let addr = server.addrs()[0];
    tokio::spawn(server.run());
    format!("http://{addr}")
}
