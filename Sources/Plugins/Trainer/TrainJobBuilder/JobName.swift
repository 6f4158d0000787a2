import PluginKit

/// Readable TrainJob names: `<prefix>-<slug>-<5 random [a-z0-9]>`, e.g.
/// `ft-qwen2-5-7b-x7k2q`. The SDK uses 12 random characters; people read ours.
/// Names are DNS-1035 labels (JobSet makes Services from them), kept short
/// because pod names append replicated-job names and indexes.
enum JobName {
    static let maxLength = 40
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
    /// Tokens that make a model name long without telling jobs apart.
    private static let noiseTokens: Set<String> = ["instruct", "chat", "hf", "it", "base"]

    static func make<R: RandomNumberGenerator>(prefix: String, from text: String, using rng: inout R) -> String {
        let suffix = String((0..<5).map { _ in alphabet.randomElement(using: &rng)! })
        var slug = self.slug(text)
        let room = maxLength - prefix.count - suffix.count - 2
        if slug.count > room { slug = String(slug.prefix(room)) }
        while slug.hasSuffix("-") { slug.removeLast() }
        return slug.isEmpty ? "\(prefix)-\(suffix)" : "\(prefix)-\(slug)-\(suffix)"
    }

    static func make(prefix: String, from text: String) -> String {
        var rng = SystemRandomNumberGenerator()
        return make(prefix: prefix, from: text, using: &rng)
    }

    /// The name for this call: derived from the host's plan seed, so the name a
    /// confirmation preview shows is the name the confirmed call creates.
    static func make(prefix: String, from text: String, call: ToolCall) -> String {
        guard let seed = call.planSeed else { return make(prefix: prefix, from: text) }
        var rng = SeededGenerator(seed: seed + "/" + prefix + "/" + text)
        return make(prefix: prefix, from: text, using: &rng)
    }

    /// `Qwen/Qwen2.5-7B-Instruct` → `qwen2-5-7b`; `ghcr.io/org/trainer:v1` → `trainer-v1`.
    static func slug(_ text: String) -> String {
        var last = Substring(text)
        if let scheme = last.firstRange(of: "://") { last = last[scheme.upperBound...] }
        last = last.split(separator: "/").last ?? last
        let tokens = last.lowercased().split { !($0.isLetter && $0.isASCII || $0.isNumber && $0.isASCII) }
            .map(String.init)
        let kept = tokens.count > 1 ? tokens.filter { !noiseTokens.contains($0) } : tokens
        return kept.joined(separator: "-")
    }

    /// True for a valid DNS-1035 label of at most 63 characters.
    static func isValid(_ name: String) -> Bool {
        guard let first = name.first, first.isLetter, first.isLowercase, name.count <= 63,
              let lastChar = name.last, lastChar != "-" else { return false }
        return name.allSatisfy { ($0.isLowercase && $0.isLetter && $0.isASCII) || ($0.isNumber && $0.isASCII) || $0 == "-" }
    }
}
