import Foundation
import KFJSON

/// A minimal MCP client over a child process's stdio, for `demo`: it speaks
/// the protocol exactly as an MCP client would (initialize, tools/call with a
/// progress token) and hands notifications to a callback while it waits.
final class StdioClient {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffer = Data()
    private var nextID = 1

    init(executable: String, arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
    }

    /// One request; returns its result (throws on a JSON-RPC error).
    func request(_ method: String, _ params: JSON, onNotification: (JSON) -> Void = { _ in }) throws -> JSON {
        let id = nextID
        nextID += 1
        send(["jsonrpc": "2.0", "id": .int(id), "method": .string(method), "params": params])
        while true {
            let message = try readMessage()
            if message["id"]?.int == id && message["method"] == nil {
                if let error = message["error"] { throw DemoError(error["message"]?.string ?? error.serialized()) }
                return message["result"] ?? .null
            }
            if message["method"] != nil { onNotification(message) }
        }
    }

    func notify(_ method: String) { send(["jsonrpc": "2.0", "method": .string(method)]) }

    func close() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    private func send(_ message: JSON) {
        input.fileHandleForWriting.write(Data((message.serialized() + "\n").utf8))
    }

    private func readMessage() throws -> JSON {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = buffer[buffer.startIndex..<newline]
                buffer.removeSubrange(buffer.startIndex...newline)
                if line.isEmpty { continue }
                return try JSON.parse(utf8: line)
            }
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw DemoError("the server closed its output") }
            buffer.append(chunk)
        }
    }
}

struct DemoError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
