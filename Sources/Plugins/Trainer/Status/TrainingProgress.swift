import PluginKit

/// How far a training run got: from status.trainerStatus when the trainer
/// reports it (KEP-2779, alpha), else from the latest progress line in logs.
struct TrainingProgress: Equatable, Sendable {
    var source: String  // "trainerStatus" | "logs"
    var percent: Double?
    var step: Int?
    var totalSteps: Int?
    var epoch: Int?
    var totalEpochs: Int?
    var loss: Double?
    var etaSeconds: Int?
    /// Training speed as the trainer states it, e.g. 3150 tokens/s.
    var throughput: Double?
    var throughputUnit: String?
    var metrics: [String: String] = [:]
    var line: String?

    var json: JSON {
        var j: JSON = ["source": .string(source), "bar": .string(bar)]
        if let percent { j["percent"] = .double(percent) }
        if let step { j["step"] = .int(step) }
        if let totalSteps { j["total_steps"] = .int(totalSteps) }
        if let epoch { j["epoch"] = .int(epoch) }
        if let totalEpochs { j["total_epochs"] = .int(totalEpochs) }
        if let loss { j["loss"] = .double(loss) }
        if let etaSeconds { j["eta_seconds"] = .int(etaSeconds) }
        if let throughput { j["throughput"] = .double(throughput) }
        if let throughputUnit { j["throughput_unit"] = .string(throughputUnit) }
        if !metrics.isEmpty { j["metrics"] = .object(metrics.mapValues { .string($0) }) }
        if let line { j["log_line"] = .string(line) }
        return j
    }

    /// `[######----] 61% epoch 2/3 loss 1.21 ETA 14m`.
    var bar: String {
        var parts: [String] = []
        if let percent {
            let clamped = min(max(percent, 0), 100)
            let filled = Int(clamped / 10)
            parts.append("[" + String(repeating: "#", count: filled) + String(repeating: "-", count: 10 - filled) + "]")
            parts.append("\(Int(clamped))%")
        } else {
            parts.append("progress unknown")  // no made-up percentage: the trainer has not said how far it is
        }
        if let epoch { parts.append(totalEpochs.map { "epoch \(epoch)/\($0)" } ?? "epoch \(epoch)") }
        else if let step { parts.append(totalSteps.map { "step \(step)/\($0)" } ?? "step \(step)") }
        if let loss { parts.append("loss " + Self.twoDecimals(loss)) }
        if let throughput { parts.append("\(Int(throughput.rounded())) \(throughputUnit ?? "per second")") }
        if let etaSeconds { parts.append("ETA " + Self.duration(etaSeconds)) }
        return parts.joined(separator: " ")
    }

    static func twoDecimals(_ x: Double) -> String {
        let scaled = Int((abs(x) * 100).rounded())
        let sign = x < 0 && scaled != 0 ? "-" : ""
        let frac = scaled % 100
        return "\(sign)\(scaled / 100).\(frac < 10 ? "0" : "")\(frac)"
    }

    /// 45 → "45s", 840 → "14m", 7500 → "2h05m".
    static func duration(_ seconds: Int) -> String {
        let s = max(seconds, 0)
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\((s + 30) / 60)m" }
        let minutes = (s % 3600) / 60
        return "\(s / 3600)h\(minutes < 10 ? "0" : "")\(minutes)m"
    }

    // MARK: From status.trainerStatus

    /// `{progressPercentage, estimatedRemainingSeconds, metrics:[{name,value}]}`.
    static func fromTrainerStatus(_ status: JSON) -> TrainingProgress? {
        guard status.object != nil, status != [:] else { return nil }
        var p = TrainingProgress(source: "trainerStatus")
        p.percent = status["progressPercentage"]?.double
        p.etaSeconds = status["estimatedRemainingSeconds"]?.int
        for m in status["metrics"]?.array ?? [] {
            guard let name = m["name"]?.string else { continue }
            let value = m["value"]?.string ?? m["value"].map { $0.serialized() } ?? ""
            p.metrics[name] = value
        }
        p.loss = (p.metrics["loss"] ?? p.metrics["train_loss"]).flatMap(Double.init)
        if let (e, te) = p.metrics["epoch"].flatMap({ fraction(after: "epoch", in: "epoch " + $0) }) { p.epoch = e; p.totalEpochs = te }
        if let (st, t) = p.metrics["step"].flatMap({ fraction(after: "step", in: "step " + $0) }) { p.step = st; p.totalSteps = t }
        for (name, unit) in throughputMetrics {
            if let v = p.metrics[name].flatMap(Double.init) { p.throughput = v; p.throughputUnit = unit; break }
        }
        return p
    }

    /// trainerStatus metric names that carry a speed, and its unit.
    static let throughputMetrics: [(String, String)] = [
        ("throughput", "per second"), ("tokens_per_second", "tokens/s"), ("train_tokens_per_second", "tokens/s"),
        ("samples_per_second", "samples/s"), ("train_samples_per_second", "samples/s"), ("steps_per_second", "it/s"),
    ]

    /// trainerStatus first; what it leaves out (often epoch and speed) from the logs.
    func filling(from logs: TrainingProgress?) -> TrainingProgress {
        guard let logs else { return self }
        var p = self
        if p.epoch == nil { p.epoch = logs.epoch; p.totalEpochs = logs.totalEpochs }
        if p.step == nil { p.step = logs.step; p.totalSteps = logs.totalSteps }
        if p.loss == nil { p.loss = logs.loss }
        if p.throughput == nil { p.throughput = logs.throughput; p.throughputUnit = logs.throughputUnit }
        if p.percent == nil { p.percent = logs.percent }
        return p
    }

    // MARK: From logs

    /// The latest line that says where training is: `step 120/200`, `epoch 2/3`,
    /// `loss 1.21` / `loss=1.21` / `Loss: 1.21`, or torchtune's `2|120|Loss: 1.21`.
    /// Percent: ((epoch-1) + step/steps) / epochs when both are known.
    static func fromLogs(_ lines: [String]) -> TrainingProgress? {
        for line in lines.reversed() {
            guard let p = parse(line) else { continue }
            return p
        }
        return nil
    }

    static func parse(_ line: String) -> TrainingProgress? {
        var p = TrainingProgress(source: "logs")
        p.line = line
        let lower = line.lowercased()
        if let (a, b) = fraction(after: "step", in: lower) { p.step = a; p.totalSteps = b }
        if let (a, b) = fraction(after: "epoch", in: lower) { p.epoch = a; p.totalEpochs = b }
        p.loss = number(after: "loss", in: lower)
        if p.step == nil, p.epoch == nil, let (e, s) = torchtunePrefix(lower) { p.epoch = e; p.step = s }
        guard p.step != nil || p.epoch != nil else { return nil }
        if let (v, unit) = speed(in: lower) { p.throughput = v; p.throughputUnit = unit }
        p.percent = percent(p)
        return p
    }

    private static func percent(_ p: TrainingProgress) -> Double? {
        let within: Double? = {
            guard let s = p.step, let t = p.totalSteps, t > 0 else { return nil }
            return Double(s) / Double(t)
        }()
        if let e = p.epoch, let te = p.totalEpochs, te > 0 {
            let value = (Double(max(e - 1, 0)) + (within ?? 0)) / Double(te) * 100
            return min(value, 100)
        }
        return within.map { min($0 * 100, 100) }
    }

    /// `<word>[ :=]*<a>/<b>` → (a, b?).
    private static func fraction(after word: String, in text: String) -> (Int, Int?)? {
        var search = text[...]
        while let r = search.firstRange(of: word) {
            var rest = text[r.upperBound...]
            if let next = rest.first, next.isLetter { search = rest; continue }  // "steps", "epochs:" skipped only if letters follow
            rest = rest.drop { $0 == " " || $0 == ":" || $0 == "=" || $0 == "\t" }
            let a = rest.prefix { $0.isNumber }
            guard !a.isEmpty, let av = Int(a) else { search = rest; continue }
            rest = rest.dropFirst(a.count).drop { $0 == " " }
            if rest.first == "/" {
                let b = rest.dropFirst().drop { $0 == " " }.prefix { $0.isNumber }
                return (av, Int(b))
            }
            return (av, nil)
        }
        return nil
    }

    private static func number(after word: String, in text: String) -> Double? {
        var search = text[...]
        while let r = search.firstRange(of: word) {
            var rest = text[r.upperBound...]
            rest = rest.drop { $0 == " " || $0 == ":" || $0 == "=" || $0 == "\t" }
            let n = rest.prefix { $0.isNumber || $0 == "." || $0 == "e" || $0 == "-" || $0 == "+" }
            if let v = Double(n), !n.isEmpty { return v }
            search = rest
        }
        return nil
    }

    /// `tokens/s 3150`, `3150 tokens/s`, `12.5 samples/s`, tqdm's `1.21it/s`.
    private static func speed(in text: String) -> (Double, String)? {
        for unit in ["tokens/s", "tokens_per_second", "samples/s", "it/s"] {
            guard let r = text.firstRange(of: unit) else { continue }
            let label = unit == "tokens_per_second" ? "tokens/s" : unit
            let after = text[r.upperBound...].drop { $0 == " " || $0 == ":" || $0 == "=" }.prefix { $0.isNumber || $0 == "." }
            if let v = Double(after), !after.isEmpty { return (v, label) }
            let before = text[..<r.lowerBound].reversed().drop { $0 == " " }.prefix { $0.isNumber || $0 == "." }
            if let v = Double(String(before.reversed())), !before.isEmpty { return (v, label) }
        }
        return nil
    }

    /// torchtune's tqdm prefix `epoch|step|Loss: x`.
    private static func torchtunePrefix(_ text: String) -> (Int, Int)? {
        let parts = text.split(separator: "|", maxSplits: 2)
        guard parts.count == 3, parts[2].hasPrefix("loss"),
              let e = Int(parts[0].trimmingSpacesAndTabs().suffix(while: \.isNumber)),
              let s = Int(parts[1].trimmingSpacesAndTabs()) else { return nil }
        return (e, s)
    }
}

private extension StringProtocol {
    func suffix(while predicate: (Character) -> Bool) -> String {
        String(reversed().prefix(while: predicate).reversed())
    }
}
