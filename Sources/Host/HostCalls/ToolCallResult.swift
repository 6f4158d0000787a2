import HostBase
import HostKubeGate
import HostPlugins
import KFJSON

/// An MCP CallToolResult: one text block and, when there is one, `structuredContent`.
///
/// Printed once: a plugin's result is serialized for the text block and that
/// same text is spliced in as `structuredContent`, rather than printing the
/// tree a second time when the response goes out (a result of a few KB cost
/// as much to print as the rest of the call).
public struct ToolCallResult: Sendable {
    public let text: String
    public let structured: JSON?
    public let isError: Bool
    /// `structured`, already printed (compact, keys sorted), when the caller has it.
    private let structuredText: String?

    init(text: String, structured: JSON?, isError: Bool = false, structuredText: String? = nil) {
        self.text = text
        self.structured = structured
        self.isError = isError
        self.structuredText = structured == nil ? nil : structuredText
    }

    /// The result as a JSON value: what `write(to:)` must print (ToolCallResultTests hold them equal).
    public var json: JSON {
        var result: JSON = ["content": [["type": "text", "text": .string(text)]], "isError": .bool(isError)]
        if let structured { result["structuredContent"] = structured }
        return result
    }

    /// Appends the result's JSON text: byte for byte what `json.serialized()` prints.
    package func write(to out: inout [UInt8]) {
        out.append(contentsOf: #"{"content":[{"text":"#.utf8)
        JSON.string(text).serialize(into: &out)
        out.append(contentsOf: #","type":"text"}],"isError":"#.utf8)
        out.append(contentsOf: (isError ? "true" : "false").utf8)
        if let structured {
            out.append(contentsOf: #","structuredContent":"#.utf8)
            if let structuredText { out.append(contentsOf: structuredText.utf8) } else { structured.serialize(into: &out) }
        }
        out.append(UInt8(ascii: "}"))
    }
}
