import Foundation
import HostBase
import HostPlugins
import KFJSON

/// prompts/list and prompts/get. The host checks the arguments (known names,
/// required ones present, short single-line strings) before the handler tool
/// sees them, and checks the messages it answers.
struct PromptService: Sendable {
    let catalog: SurfaceCatalog
    static let maxArgumentBytes = 512

    private func visible() -> [MCPSurface.Prompt] {
        catalog.surfaces.flatMap(\.prompts).filter { catalog.allows(tool: $0.tool) }
    }

    func list() -> JSON {
        ["prompts": .array(visible().map { p in
            var o: JSON = ["name": .string(p.name),
                           "arguments": .array(p.arguments.map { a in
                               var arg: JSON = ["name": .string(a.name), "required": .bool(a.required)]
                               if let d = a.description { arg["description"] = .string(d) }
                               return arg
                           })]
            if let t = p.title { o["title"] = .string(t) }
            if let d = p.description { o["description"] = .string(d) }
            return o
        })]
    }

    func get(_ params: JSON) async -> Result<JSON, SurfaceError> {
        guard let name = params["name"]?.string else { return .failure(.invalid("prompts/get needs params.name (prompts/list shows them)")) }
        guard let prompt = visible().first(where: { $0.name == name }) else {
            return .failure(.invalid("Unknown prompt '\(name.prefix(80))'. Prompts: \(visible().map(\.name).joined(separator: ", "))"))
        }
        let given = params["arguments"] ?? [:]
        guard let object = given.object else { return .failure(.invalid("prompts/get params.arguments must be an object of strings")) }
        var arguments: [String: JSON] = [:]
        for (key, value) in object {
            guard prompt.arguments.contains(where: { $0.name == key }) else {
                return .failure(.invalid("prompt '\(name)' has no argument '\(key.prefix(64))'; it takes \(prompt.arguments.map(\.name).joined(separator: ", "))"))
            }
            guard let s = value.string else { return .failure(.invalid("prompt argument '\(key)' must be a string")) }
            if let problem = Self.problem(s) { return .failure(.invalid("prompt argument '\(key)' \(problem)")) }
            arguments[key] = .string(s)
        }
        if let missing = prompt.arguments.first(where: { $0.required && (arguments[$0.name]?.string ?? "").isEmpty }) {
            return .failure(.invalid("prompt '\(name)' needs argument '\(missing.name)'\(missing.description.map { ": \($0)" } ?? "")"))
        }
        let handler = MCPSurface.Handler(tool: prompt.tool, arguments: [:])
        switch await catalog.call(handler, extra: ["prompt": .string(name), "arguments": .object(arguments)]) {
        case .failure(let e): return .failure(e.code == -32603 ? .invalid(e.message) : e)
        case .success(let result):
            guard let messages = result["messages"]?.array, !messages.isEmpty, messages.allSatisfy(Self.isMessage) else {
                return .failure(SurfaceError(code: -32603, message: "prompt '\(name)': its tool '\(prompt.tool)' did not answer {\"messages\": [{\"role\", \"content\": {\"type\": \"text\", \"text\"}}]}"))
            }
            var answer: JSON = ["messages": .array(messages)]
            if let d = result["description"]?.string ?? prompt.description { answer["description"] = .string(d) }
            return .success(answer)
        }
    }

    /// Values are data for the messages, not instructions: one line, bounded.
    static func problem(_ s: String) -> String? {
        if s.utf8.count > maxArgumentBytes { return "is longer than \(maxArgumentBytes) bytes" }
        if s.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}" }) {
            return "contains a line break or control character; give one line"
        }
        return nil
    }

    static func isMessage(_ m: JSON) -> Bool {
        guard let role = m["role"]?.string, role == "user" || role == "assistant" else { return false }
        return m["content"]?["type"]?.string == "text" && m["content"]?["text"]?.string != nil
    }
}
