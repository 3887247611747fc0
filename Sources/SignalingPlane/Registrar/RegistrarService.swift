import CallStore
import Foundation
import Logging
import SIP
import VLConfig
import VLRuntime

/// The registrar on signaling's loop: answers REGISTERs handed over by the user agent,
/// drops lapsed bindings every few seconds, and keeps each user's bindings in the call
/// store (SQLite or Redis) so a restarted signaling still rings its softphones.
final class RegistrarService {
    var registrar: Registrar
    let logger: Logger
    unowned let sip: SIPStack
    var store: CallStoreWriter?
    var storeNode = "signaling"
    let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    init(settings: RegistrarSettings, users: UsersFile, sip: SIPStack, reactor: Reactor, logger: Logger) {
        registrar = Registrar(settings: settings, users: users)
        self.sip = sip
        self.logger = logger
        reactor.every(ms: 5000) { [unowned self] in
            for user in registrar.expire(now: Date().timeIntervalSince1970) {
                logger.info("registration lapsed", metadata: ["user": "\(user)"])
                persist(user)
            }
        }
    }

    /// VLGW_USERS_FILE, read and checked at start (a bad file stops signaling, naming it).
    static func loadUsers(_ path: String) throws -> UsersFile {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigError(variable: "VLGW_USERS_FILE", value: path, reason: "cannot read the file")
        }
        do { return try UsersFile(parsing: text) } catch {
            throw ConfigError(variable: "VLGW_USERS_FILE", value: path, reason: error.description)
        }
    }

    func handle(_ request: SIPMessage, source: SIPPeer, key: SIPTransactionKey) {
        let answer = registrar.handle(request, source: source, now: Date().timeIntervalSince1970)
        let user = request.to?.uri.user ?? "?"
        if answer.status == 200, answer.changedUser != nil {
            logger.info("REGISTER", metadata: ["user": "\(user)", "source": "\(source)", "contacts": "\(registrar.contacts(of: user, now: Date().timeIntervalSince1970).count)"])
        } else if (answer.status >= 300 && answer.status != 401) || answer.log != nil {
            logger.notice("REGISTER refused \(answer.status)", metadata: ["user": "\(user)", "source": "\(source)", "reason": "\(answer.log ?? answer.reason ?? "")"])
        }
        sip.answerRegister(request, key: key, status: answer.status, reason: answer.reason, headers: answer.headers)
        if let changed = answer.changedUser { persist(changed) }
    }

    func persist(_ user: String) {
        guard let store else { return }
        let list = registrar.bindings[user] ?? []
        let record = list.isEmpty ? nil : (try? encoder.encode(list)).map { String(decoding: $0, as: UTF8.self) }
        store.saveRegistration(node: storeNode, user: user, record: record)
    }

    /// Bindings the store kept from before a restart.
    func restore(_ stored: [StoredRegistration]) {
        let now = Date().timeIntervalSince1970
        for r in stored {
            guard let list = try? JSONDecoder().decode([RegistrarBinding].self, from: Data(r.record.utf8)) else { continue }
            registrar.restore(user: r.user, list, now: now)
        }
        if registrar.bindingCount > 0 { logger.notice("registrations recovered from the store", metadata: ["bindings": "\(registrar.bindingCount)"]) }
    }

    /// The softphones a user has registered, newest first (empty: none, or no such user).
    func contacts(of user: String) -> [RegistrarBinding] { registrar.contacts(of: user, now: Date().timeIntervalSince1970) }

    func isUser(_ user: String) -> Bool { registrar.users.users[user] != nil }
    func isOurDomain(_ host: String) -> Bool { registrar.isOurDomain(host) }
}
