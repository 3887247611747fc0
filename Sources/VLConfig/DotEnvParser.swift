import Foundation

/// Parses the `.env` syntax users of the gateway vlgw replaces already have, which is
/// also the syntax of vlgw's own config file (`config/vlgw.conf`): one format for both.
///
/// Accepted per line: `NAME=value`, `export NAME=value`, `NAME="value with \"escapes\""`,
/// `NAME='literal'`, `# comments`, blank lines, an unquoted value's trailing ` # comment`,
/// and the PowerShell form of the deployment guide, `$env:NAME = "value"`.
public enum DotEnvParser {
    public static func parse(_ text: String, path: String) throws(ConfigFileError) -> [(name: String, value: String)] {
        var out: [(String, String)] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = Substring(rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine)
            line = line.drop(while: { $0 == " " || $0 == "\t" })
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = line.dropFirst(7).drop(while: { $0 == " " }) }
            if line.lowercased().hasPrefix("$env:") { line = line.dropFirst(5) }
            guard let eq = line.firstIndex(of: "=") else {
                throw ConfigFileError(path: path, line: index + 1, reason: "expected NAME=value")
            }
            let name = line[..<eq].vlTrimming(" \t")
            guard isValidName(name) else {
                throw ConfigFileError(path: path, line: index + 1, reason: "\"\(name)\" is not a variable name")
            }
            let rawValue = line[line.index(after: eq)...].drop(while: { $0 == " " || $0 == "\t" })
            do {
                out.append((name, try unquote(rawValue)))
            } catch let reason {
                throw ConfigFileError(path: path, line: index + 1, reason: reason.text)
            }
        }
        return out
    }

    struct Reason: Error { let text: String }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first.properties.isAlphabetic else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    static func unquote(_ value: Substring) throws(Reason) -> String {
        if value.first == "\"" {
            var out = ""
            var i = value.index(after: value.startIndex)
            while i < value.endIndex {
                let c = value[i]
                if c == "\"" { return out }
                if c == "\\" {
                    i = value.index(after: i)
                    guard i < value.endIndex else { break }
                    switch value[i] {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    default: out.append(value[i])
                    }
                } else {
                    out.append(c)
                }
                i = value.index(after: i)
            }
            throw Reason(text: "unterminated double quote")
        }
        if value.first == "'" {
            let body = value.dropFirst()
            guard let end = body.firstIndex(of: "'") else { throw Reason(text: "unterminated single quote") }
            return String(body[..<end])
        }
        // Unquoted: a " #" starts a comment; trailing blanks are not part of the value.
        var text = value
        if let hash = text.range(of: " #") { text = text[..<hash.lowerBound] }
        return text.vlTrimming(" \t")
    }
}

extension StringProtocol {
    func vlTrimming(_ set: String) -> String {
        let chars = Set(set)
        var s = Substring(self)
        while let f = s.first, chars.contains(f) { s = s.dropFirst() }
        while let l = s.last, chars.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
