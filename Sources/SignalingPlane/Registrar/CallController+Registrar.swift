import SIP

/// An INVITE for a user of the built-in registrar is a call to a softphone, not to the AI.
/// The gateway is no PBX: it refuses it (403), or with VLGW_REGISTRAR_ROUTE_INBOUND
/// redirects the caller to the user's registered contacts (302, RFC 3261 §21.3.3).
/// The reason phrases are the bare standard ones: a stranger must not learn from them
/// which names are users here (the log line says why, for the operator).
extension CallController {
    func registeredUserRefusal(_ to: NameAddr) -> (status: Int, reason: String, headers: [(String, String)])? {
        guard let registrar, let user = to.uri.user, registrar.isOurDomain(to.uri.host), registrar.isUser(user) else { return nil }
        guard config.registrar.routeInbound else {
            return (403, "Forbidden", [])
        }
        let contacts = registrar.contacts(of: user)
        guard !contacts.isEmpty else { return (480, "Temporarily Unavailable", []) }
        return (302, "Moved Temporarily", contacts.map { ("Contact", "<\($0.contact)>") })
    }
}
