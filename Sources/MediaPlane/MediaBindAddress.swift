import VLConfig
import VLRuntime

/// The address a worker's RTP sockets bind: VLGW_MEDIA_BIND_ADDRESS when set (0.0.0.0 only
/// then), else MEDIA_ADDRESS, which must be an address of this host. A MEDIA_ADDRESS that is
/// not (the public side of a NAT) stops the worker with an error that says what to set,
/// rather than silently listening on every interface.
enum MediaBindAddress {
    static func resolve(_ media: MediaSettings) throws(MediaBindAddressError) -> String {
        if let explicit = media.bindAddress { return explicit }
        guard isLocal(media.address) else { throw MediaBindAddressError(mediaAddress: media.address) }
        return media.address
    }

    /// True when a UDP socket can bind the address (this host owns it).
    static func isLocal(_ address: String) -> Bool {
        (try? UDPSocket(bindAddress: address, port: 0)) != nil
    }
}

struct MediaBindAddressError: Error, CustomStringConvertible {
    let mediaAddress: String
    var description: String {
        "MEDIA_ADDRESS \(mediaAddress) is not an address of this host (behind NAT?): set VLGW_MEDIA_BIND_ADDRESS to the local address RTP should bind (0.0.0.0 for every interface)"
    }
}
