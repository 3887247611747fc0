/// o= (RFC 4566 §5.2). Session id/version are kept as text: they are
/// 64-bit-ish decimal strings and some stacks send larger values.
public struct SDPOrigin: Equatable, Sendable {
    public var username: String
    public var sessionID: String
    public var sessionVersion: String
    public var netType: String
    public var addrType: String
    public var address: String

    public init(username: String = "-", sessionID: String, sessionVersion: String, netType: String = "IN", addrType: String = "IP4", address: String) {
        self.username = username; self.sessionID = sessionID; self.sessionVersion = sessionVersion
        self.netType = netType; self.addrType = addrType; self.address = address
    }

    var line: String { "\(username) \(sessionID) \(sessionVersion) \(netType) \(addrType) \(address)" }
}

/// c= (RFC 4566 §5.7). Multicast TTL/count suffixes stay inside `address`.
public struct SDPConnection: Equatable, Sendable {
    public var netType: String
    public var addrType: String
    public var address: String

    public init(netType: String = "IN", addrType: String? = nil, address: String) {
        self.netType = netType
        self.addrType = addrType ?? (address.contains(":") ? "IP6" : "IP4")
        self.address = address
    }

    /// RFC 2543-style hold: c=IN IP4 0.0.0.0 (RFC 3264 §8.4 still requires us to accept it).
    public var isHoldAddress: Bool { address == "0.0.0.0" || address == "::" }

    var line: String { "\(netType) \(addrType) \(address)" }
}

/// b=<bwtype>:<bandwidth> (RFC 4566 §5.8).
public struct SDPBandwidth: Equatable, Sendable {
    public var type: String
    public var kbps: UInt64
    public init(type: String, kbps: UInt64) { self.type = type; self.kbps = kbps }
}

/// a=<name>[:<value>] (RFC 4566 §5.13).
public struct SDPAttribute: Equatable, Sendable {
    public var name: String
    public var value: String?
    public init(_ name: String, _ value: String? = nil) { self.name = name; self.value = value }
    var line: String { value.map { "\(name):\($0)" } ?? name }
}

/// Any other line (i=, u=, e=, p=, r=, z=, k=, or unknown types), preserved verbatim.
public struct SDPLine: Equatable, Sendable {
    public var type: Character
    public var value: String
    public init(_ type: Character, _ value: String) { self.type = type; self.value = value }
}

/// Media direction (RFC 3264 §5.1 / §6.1).
public enum SDPDirection: String, Equatable, Sendable, CaseIterable {
    case sendrecv, sendonly, recvonly, inactive

    /// What the answerer uses for an offered direction.
    public var mirrored: SDPDirection {
        switch self {
        case .sendonly: return .recvonly
        case .recvonly: return .sendonly
        default: return self
        }
    }

    /// Intersection with what we are willing to do.
    public func intersect(_ other: SDPDirection) -> SDPDirection {
        let send = canSend && other.canSend, recv = canReceive && other.canReceive
        switch (send, recv) {
        case (true, true): return .sendrecv
        case (true, false): return .sendonly
        case (false, true): return .recvonly
        default: return .inactive
        }
    }

    public var canSend: Bool { self == .sendrecv || self == .sendonly }
    public var canReceive: Bool { self == .sendrecv || self == .recvonly }
}
