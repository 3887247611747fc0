import Foundation
import VoiceLive

/// The user's own tools, declared in `VLGW_TOOLS_FILE` (a JSON array), each executed as an
/// HTTP(S) POST of the AI's arguments to its URL; the response body becomes the tool's
/// output. Example:
///
/// ```json
/// [{"name": "get_order_status", "description": "Look up an order by its number.",
///   "parameters": {"type": "object", "properties": {"order": {"type": "string"}}, "required": ["order"]},
///   "url": "https://crm.example.com/hooks/order-status", "timeout_ms": 5000}]
/// ```
struct UserTool: Decodable, Sendable {
    var name: String
    var description: String
    var parameters: JSONValue
    var url: String
    var timeoutMs: Int?

    enum CodingKeys: String, CodingKey {
        case name, description, parameters, url
        case timeoutMs = "timeout_ms"
    }

    var declaration: Tool { Tool(name: name, description: description, parameters: parameters) }

    /// Loads and checks the file; the error text names the file and the fault.
    static func load(path: String) throws -> [UserTool] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ToolFileError(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
        let tools: [UserTool]
        do { tools = try JSONDecoder().decode([UserTool].self, from: data) } catch {
            throw ToolFileError(path: path, reason: "not a JSON array of {name, description, parameters, url}: \(error)")
        }
        for tool in tools {
            guard !tool.name.isEmpty, tool.name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                throw ToolFileError(path: path, reason: "tool name \"\(tool.name)\" must be letters, digits, _ or -")
            }
            guard ["end_call", "transfer_call"].contains(tool.name) == false else {
                throw ToolFileError(path: path, reason: "\(tool.name) is built in")
            }
            guard let url = URL(string: tool.url), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ToolFileError(path: path, reason: "tool \(tool.name): url \"\(tool.url)\" is not an http(s) URL")
            }
        }
        return tools
    }
}

struct ToolFileError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "invalid VLGW_TOOLS_FILE=\"\(path)\": \(reason)" }
}
