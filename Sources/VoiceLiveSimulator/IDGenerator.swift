/// Ids shaped like the service's (`event_…`, `item_…`, `resp_…`), unique per connection.
struct IDGenerator {
    private var counter = 0
    private let salt = String(UInt32.random(in: 0...UInt32.max), radix: 36)
    mutating func next(_ prefix: String) -> String {
        counter += 1
        return "\(prefix)_\(salt)\(counter)"
    }
}

