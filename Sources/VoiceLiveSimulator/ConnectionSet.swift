import Foundation
import NIOCore

/// The open client channels, so `shutdown()` can drop them too (closing the listener alone does not).
final class ConnectionSet: @unchecked Sendable {
    private let lock = NSLock()
    private var channels: [ObjectIdentifier: any Channel] = [:]

    func insert(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        lock.withLock { channels[id] = channel }
        channel.closeFuture.whenComplete { [weak self] _ in
            guard let self else { return }
            self.lock.withLock { _ = self.channels.removeValue(forKey: id) }
        }
    }

    var count: Int { lock.withLock { channels.count } }

    func all() -> [any Channel] { lock.withLock { Array(channels.values) } }
}
