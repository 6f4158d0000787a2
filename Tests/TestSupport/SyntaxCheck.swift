// Shared by the backend test targets: is a generated script well formed?
import Foundation

/// Runs a checker program on `input`; nil when it succeeds (or the program is
/// not installed), else its error output.
public func syntaxProblem(_ program: String, _ arguments: [String], input: String) -> String? {
    guard FileManager.default.isExecutableFile(atPath: program) else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    let stdin = Pipe(), stderr = Pipe()
    process.standardInput = stdin
    process.standardError = stderr
    process.standardOutput = FileHandle.nullDevice
    do { try process.run() } catch { return "\(error)" }
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try? stdin.fileHandleForWriting.close()
    process.waitUntilExit()
    let message = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return process.terminationStatus == 0 ? nil : message
}

/// `bash -n`: the script parses.
public func bashProblem(_ script: String) -> String? { syntaxProblem("/bin/bash", ["-n"], input: script) }

/// Python compiles the script (syntax only, nothing is imported).
public func pythonProblem(_ source: String) -> String? {
    syntaxProblem("/usr/bin/python3", ["-c", "import sys; compile(sys.stdin.read(), 'train.py', 'exec')"],
                  input: source)
}
