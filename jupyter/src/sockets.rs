//! Binding the kernel's sockets as the connection file asks: a fixed port
//! or, for port 0, any free one (written back into the file afterwards, as
//! ipykernel does), over IPv4 or IPv6. Knows nothing of messages.

use crate::wire::Connection;
use std::path::Path;

/// Binds a socket of `kind` to `port` of the connection (any free port
/// for 0; IPv6 addresses with ZeroMQ's IPv6 option) and returns it with
/// the port it got.
pub fn bind(
    ctx: &zmq::Context,
    kind: zmq::SocketType,
    conn: &Connection,
    port: u16,
) -> Result<(zmq::Socket, u16), String> {
    let endpoint = conn.endpoint(port);
    let s = ctx
        .socket(kind)
        .map_err(|e| format!("creating a socket: {e}"))?;
    s.set_linger(1000)
        .map_err(|e| format!("setting linger: {e}"))?;
    if conn.is_ipv6() {
        s.set_ipv6(true)
            .map_err(|e| format!("enabling IPv6: {e}"))?;
    }
    s.bind(&endpoint)
        .map_err(|e| format!("binding {endpoint}: {e}"))?;
    let bound = if port == 0 && conn.transport == "tcp" {
        let last = s
            .get_last_endpoint()
            .map_err(|e| format!("reading the bound endpoint: {e}"))?
            .map_err(|_| "the bound endpoint is not UTF-8".to_string())?;
        Connection::port_of(&last).ok_or_else(|| format!("no port in {last}"))?
    } else {
        port
    };
    Ok((s, bound))
}

/// Rewrites the connection file with the bound ports (through a temporary
/// file renamed over it, keeping the file's mode: it holds the key).
pub fn write_ports(file: &Path, ports: [u16; 5]) -> Result<(), String> {
    let text =
        std::fs::read_to_string(file).map_err(|e| format!("reading {}: {e}", file.display()))?;
    let out = Connection::with_ports(&text, ports)?;
    let tmp = file.with_extension("json.tmp-ports");
    let write = || -> std::io::Result<()> {
        std::fs::write(&tmp, out.as_bytes())?;
        let perms = std::fs::metadata(file)?.permissions();
        std::fs::set_permissions(&tmp, perms)?;
        std::fs::rename(&tmp, file)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("writing the bound ports to {}: {e}", file.display())
    })
}
