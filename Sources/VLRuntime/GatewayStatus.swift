/// What `vlgw status` shows and signaling reports over the bus (statusReport JSON).
public struct GatewayStatus: Codable, Sendable {
    public struct Worker: Codable, Sendable {
        public var id: String
        public var mediaAddress: String
        public var portMin: UInt16
        public var portMax: UInt16
        public var capacity: UInt32
        public var activeSessions: UInt32
        public var draining: Bool
        public var pid: UInt32
        public var heartbeats: UInt64
        public var lastSeenMsAgo: UInt64
        public var joinedMsAgo: UInt64
        /// The worker process's CPU over its last heartbeat interval, ‰ of one core.
        public var cpuPermille: UInt32
        public init(id: String, mediaAddress: String, portMin: UInt16, portMax: UInt16, capacity: UInt32, activeSessions: UInt32,
                    draining: Bool, pid: UInt32, heartbeats: UInt64, lastSeenMsAgo: UInt64, joinedMsAgo: UInt64, cpuPermille: UInt32 = 0) {
            self.id = id; self.mediaAddress = mediaAddress; self.portMin = portMin; self.portMax = portMax
            self.capacity = capacity; self.activeSessions = activeSessions; self.draining = draining; self.pid = pid
            self.heartbeats = heartbeats; self.lastSeenMsAgo = lastSeenMsAgo; self.joinedMsAgo = joinedMsAgo
            self.cpuPermille = cpuPermille
        }
    }

    public struct Bridge: Codable, Sendable {
        public var id: String
        public var audioEndpoint: String
        public var capacity: UInt32
        public var activeSessions: UInt32
        public var heartbeats: UInt64
        public var lastSeenMsAgo: UInt64
        public init(id: String, audioEndpoint: String, capacity: UInt32, activeSessions: UInt32, heartbeats: UInt64, lastSeenMsAgo: UInt64) {
            self.id = id; self.audioEndpoint = audioEndpoint; self.capacity = capacity
            self.activeSessions = activeSessions; self.heartbeats = heartbeats; self.lastSeenMsAgo = lastSeenMsAgo
        }
    }

    public struct Call: Codable, Sendable {
        public var session: String
        public var callID: String
        public var from: String
        public var state: String
        public var worker: String?
        public var bridge: String?
        public var codec: String?
        public var ageMs: UInt64
        public init(session: String, callID: String, from: String, state: String, worker: String?, bridge: String?, codec: String?, ageMs: UInt64) {
            self.session = session; self.callID = callID; self.from = from; self.state = state
            self.worker = worker; self.bridge = bridge; self.codec = codec; self.ageMs = ageMs
        }
    }

    public var uptimeMs: UInt64
    public var sipListening: [String]
    public var workers: [Worker]
    public var bridges: [Bridge]
    public var calls: [Call]
    /// The worker the next call would go to (least loaded), if any is live.
    public var nextWorker: String?
    public var registration: String?
    /// Paging of `calls` (a report is sent in pages: see `BusMessage.statusQuery`): how many
    /// calls there are in all, where this page's start, and where the next page starts
    /// (nil on the last page). A report assembled from every page has them all.
    public var callsTotal: Int?
    public var callOffset: Int?
    public var nextCallOffset: Int?

    public init(uptimeMs: UInt64, sipListening: [String], workers: [Worker], bridges: [Bridge], calls: [Call], nextWorker: String?, registration: String?) {
        self.uptimeMs = uptimeMs; self.sipListening = sipListening; self.workers = workers; self.bridges = bridges
        self.calls = calls; self.nextWorker = nextWorker; self.registration = registration
    }
}
