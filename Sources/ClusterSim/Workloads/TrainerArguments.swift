import Foundation
import KFJSON

/// What a trainer's own command, args and env say about its run: epochs, batch size, learning
/// rate, where it writes and resumes checkpoints, and the keyword arguments a Kubeflow SDK custom
/// function is called with. Read from every form our tools and the SDK write: torchtune overrides
/// (`epochs=3`, `checkpointer.output_dir=/x`), CLI flags (`--num_train_epochs 3`, `--output_dir=/x`),
/// Python keywords (`num_train_epochs=3`, `'epochs': 5`) and env (`EPOCHS=3`). The last
/// mention wins (the runtime's command first, then the TrainJob's, then env), as a later override
/// does on the real command line. nil: the job does not say, and the logs do not invent it.
struct TrainerArguments: Sendable, Equatable {
    var epochs: Int?
    var batchSize: Int?
    var learningRate: Double?
    var maxSteps: Int?
    var outputDir: String?
    /// torchtune's `checkpointer.checkpoint_dir`: where the model it starts from is read.
    var checkpointDir: String?
    var resumeFrom: String?
    /// `fn(**{'learning_rate': 0.001, 'epochs': 5})`: each keyword's Python literal, as written.
    var keywordArguments: [String: String] = [:]

    static let aliases: [(field: String, names: [String])] = [
        ("epochs", ["num_train_epochs", "epochs", "num_epochs"]),
        ("batchSize", ["per_device_train_batch_size", "batch_size", "batch-size", "train_batch_size"]),
        ("learningRate", ["learning_rate", "optimizer.lr", "lr"]),
        ("maxSteps", ["max_steps"]),
        ("outputDir", ["output_dir", "checkpointer.output_dir", "output-dir"]),
        ("checkpointDir", ["checkpointer.checkpoint_dir"]),
        ("resumeFrom", ["resume_from_checkpoint", "checkpointer.resume_from_checkpoint"]),
    ]

    /// `texts`: the command lines in order (runtime's, then the TrainJob's); env last.
    init(texts: [String], env: [JSON]) {
        let script = texts.joined(separator: "\n")
        for text in texts {
            for (field, names) in Self.aliases {
                for name in names { for v in Self.values(of: name, in: text, script: script) { set(field, v) } }
            }
        }
        for entry in env {
            guard let name = entry["name"]?.string, let value = entry["value"]?.string else { continue }
            for (field, names) in Self.aliases where names.contains(name.lowercased()) { set(field, value) }
        }
        keywordArguments = Self.keywordArguments(script)
    }

    private mutating func set(_ field: String, _ raw: String) {
        switch field {
        case "epochs": if let n = Int(raw), n > 0 { epochs = n }
        case "batchSize": if let n = Int(raw), n > 0 { batchSize = n }
        case "learningRate": if let d = Double(raw), d > 0 { learningRate = d }
        case "maxSteps": if let n = Int(raw), n > 0 { maxSteps = n }
        case "outputDir": if raw.hasPrefix("/") || raw.contains("://") { outputDir = raw }
        case "checkpointDir": if raw.hasPrefix("/") || raw.contains("://") { checkpointDir = raw }
        case "resumeFrom": if raw.hasPrefix("/") || raw.contains("://") { resumeFrom = raw }
        default: break
        }
    }

    /// The values after each `name`, `--name`, `'name'` or `"name"` followed by `=`, `:` or a space
    /// (flags only), unquoted, in order; an UPPER_CASE variable is resolved from `NAME = "..."` in
    /// the script. Templates (`{epochs}`, `$EPOCHS`) are skipped; `set` drops what is not a value.
    static func values(of name: String, in text: String, script: String) -> [String] {
        let key = NSRegularExpression.escapedPattern(for: name)
        let pattern = "(?:^|[\\s,({])(?:--\(key)(?:\\s+|\\s*=\\s*)|['\"]?\(key)['\"]?\\s*[=:]\\s*)([^\\s,)}]+)"
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        let range = NSRange(text.startIndex..., in: text)
        var found: [String] = []
        for match in regex.matches(in: text, range: range) {
            guard let r = Range(match.range(at: 1), in: text) else { continue }
            var value = String(text[r]).trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
            if RegexCache.matches(value, "^[A-Z][A-Z0-9_]*$"), let resolved = assignment(of: value, in: script) {
                value = resolved
            }
            if !value.isEmpty && !value.hasPrefix("{") && !value.hasPrefix("$") { found.append(value) }
        }
        return found
    }

    /// `NAME = "value"` or `NAME='value'` (a Python constant or a shell variable).
    private static func assignment(of name: String, in script: String) -> String? {
        let pattern = "(?:^|\\n)\\s*\(name)\\s*=\\s*['\"]([^'\"\\n]*)['\"]"
        guard let regex = try? NSRegularExpression(pattern: pattern),
              let match = regex.matches(in: script, range: NSRange(script.startIndex..., in: script)).last,
              let r = Range(match.range(at: 1), in: script) else { return nil }
        return String(script[r])
    }

    /// The SDK calls a custom function as `name(**{'a': 1, 'b': 'x'})` (or with no arguments).
    static func keywordArguments(_ script: String) -> [String: String] {
        guard let open = script.range(of: "(**{", options: .backwards) else { return [:] }
        let body = script[open.upperBound...].prefix { $0 != "}" }
        var out: [String: String] = [:]
        for pair in splitTopLevel(String(body)) {
            guard let colon = pair.firstIndex(of: ":") else { continue }
            let key = pair[..<colon].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
            out[key] = pair[pair.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return out
    }

    /// Commas outside quotes and brackets.
    private static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = [], current = "", depth = 0
        var quote: Character?
        for ch in text {
            if let q = quote { if ch == q { quote = nil } }
            else if ch == "'" || ch == "\"" { quote = ch }
            else if "([".contains(ch) { depth += 1 }
            else if ")]".contains(ch) { depth -= 1 }
            else if ch == ",", depth == 0 { parts.append(current); current = ""; continue }
            current.append(ch)
        }
        if !current.trimmingCharacters(in: .whitespaces).isEmpty { parts.append(current) }
        return parts
    }
}
