import NIOCore
import NIOWebSocket

/// `input_audio_buffer.append` frames built on the caller's thread and written in one hop to
/// the event loop per `flush()`, however many sessions they are for.
///
/// The bridge appends every call's 20 ms of caller audio in one turn of its own loop; a
/// `writeAndFlush` from off the event loop per frame cost one task and one wake-up of the
/// loop each (5,000 a second at 100 calls). Owned by one thread; not thread-safe.
public final class AudioSendBatch {
    /// Complete masked frames (`ClientTextFrame`), each for its connection's raw writer.
    private var frames: [(any Channel, ByteBuffer)] = []
    var maskingKeys = MaskingKeySource()

    public init() {}

    func add(_ channel: any Channel, _ frame: ByteBuffer) { frames.append((channel, frame)) }

    /// Writes what was queued, grouped by event loop (the bridge has one), in queue order.
    public func flush() {
        guard !frames.isEmpty else { return }
        let queued = frames
        frames.removeAll(keepingCapacity: true)
        var byLoop: [ObjectIdentifier: (any EventLoop, [(any Channel, ByteBuffer)])] = [:]
        for item in queued {
            let loop = item.0.eventLoop
            byLoop[ObjectIdentifier(loop), default: (loop, [])].1.append(item)
        }
        for (loop, items) in byLoop.values {
            loop.execute {
                for (channel, frame) in items {
                    // Below NIO's frame encoder: the frame is whole and masked already. No writer
                    // (the connection is closing and its handlers are gone): nothing to send to.
                    guard let writer = try? channel.pipeline.syncOperations.context(name: ClientTextFrame.rawWriterName) else { continue }
                    writer.writeAndFlush(NIOAny(frame), promise: nil)
                }
            }
        }
    }
}
