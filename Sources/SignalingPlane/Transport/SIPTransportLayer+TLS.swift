import Logging
import SIP
import VLRuntime

/// SIP over TLS on the transport's stream connections: the handshake, reads and writes go
/// through the connection's `TLSSession`, driven by the same readiness events as TCP. A
/// write may want the socket readable and a read may want it writable (TLS handshakes and
/// key updates), so each event first moves whatever is pending.
extension SIPTransportLayer {
    /// The name the certificate of the server at `address` must carry (SIP_SERVER's host
    /// name once resolved; SRV targets' names).
    func expectTLSName(_ name: String, at address: String) {
        guard name != address else { return }
        if tlsNames.count > 256 { tlsNames.removeAll() }   // bounded; refilled on the next resolution
        tlsNames[address] = name
    }

    /// Our connect finished: the client handshake starts, and must finish within the
    /// message deadline like a request must.
    func startClientHandshake(_ connection: TCPConnection) {
        connection.messageDeadline = MonotonicClock.nowNs() &+ UInt64(limits.messageTimeoutMs) * 1_000_000
        _ = driveTLS(connection)
    }

    func readTLS(_ connection: TCPConnection) {
        guard let session = connection.tls, driveTLS(connection), session.established else { return }
        let fd = connection.fd
        for _ in 0..<Self.readsPerEvent {
            let outcome = receiveBuffer.withUnsafeMutableBytes { session.read(into: $0) }
            switch outcome {
            case .done(let n):
                connection.lastActivity = MonotonicClock.nowNs()
                connection.framer.append(receiveBuffer[0..<n])
                guard deliverFramed(connection) else { return }
            case .wantRead:
                return
            case .wantWrite:
                return watchWritable(connection)
            case .closed:
                return closeConnection(fd)
            case .failed(let why):
                logger.debug("SIP/TLS read failed: \(why)", metadata: ["peer": "\(connection.peer)"])
                return closeConnection(fd)
            }
        }
    }

    /// Moves the handshake on, then the outbox; false when the connection was closed.
    @discardableResult
    func driveTLS(_ connection: TCPConnection) -> Bool {
        guard let session = connection.tls, !connection.connecting else { return true }
        if !session.established {
            switch session.handshake() {
            case .done:
                logger.debug("SIP/TLS session established", metadata: ["peer": "\(connection.peer)"])
                // An outgoing connection's deadline was for the handshake; an accepted one's
                // also covers its first message.
                if session.expectedName != nil, !connection.framer.hasPartialMessage { connection.messageDeadline = nil }
            case .wantRead:
                unwatchWritable(connection)
                return true
            case .wantWrite:
                watchWritable(connection)
                return true
            case .closed:
                closeConnection(connection.fd)
                return false
            case .failed(let why):
                refuse(connection, why)
                return false
            }
        }
        while !connection.outbox.isEmpty {
            switch connection.outbox.withUnsafeBytes({ session.write($0) }) {
            case .done(let n):
                connection.outbox.removeFirst(n)
            case .wantWrite:
                watchWritable(connection)
                return true
            case .wantRead:
                unwatchWritable(connection)   // resumes on the next readable event
                return true
            case .closed, .failed:
                closeConnection(connection.fd)
                return false
            }
        }
        unwatchWritable(connection)
        return true
    }

    /// A handshake failed: for a server we connected to, always say so (its certificate
    /// did not verify, most often); for callers, at a bounded rate.
    private func refuse(_ connection: TCPConnection, _ why: String) {
        if let name = connection.tls?.expectedName {
            logger.error("refusing SIP/TLS connection to \(connection.peer) (\(name)): \(why)")
        } else if tlsLog.allow().log {
            logger.warning("SIP/TLS handshake with a caller failed: \(why)", metadata: ["peer": "\(connection.peer)"])
        }
        closeConnection(connection.fd)
    }

    func unwatchWritable(_ connection: TCPConnection) {
        guard let token = connection.writeToken else { return }
        reactor.unwatch(token)
        connection.writeToken = nil
    }
}
