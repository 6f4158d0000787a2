import Foundation
import KFJSON

/// Katib's suggestion service, played: the n-th parameter assignment of an experiment,
/// computed from the experiment alone (so the controller keeps no memory between ticks).
/// `random` draws from a seeded generator (`random_state`, else the experiment's uid);
/// `grid` walks the cartesian product of each parameter's values. The other algorithms
/// (bayesianoptimization, tpe, cmaes) are drawn at random here: a simulator, not a tuner.
struct Suggester {
    struct Failure: Error { let message: String }

    let parameters: [JSON]
    let algorithm: String
    let seed: UInt64

    init(experiment: JSON) {
        let spec = experiment["spec"] ?? [:]
        parameters = spec["parameters"]?.array ?? []
        algorithm = spec["algorithm"]?["algorithmName"]?.string ?? "random"
        let settings = spec["algorithm"]?["algorithmSettings"]?.array ?? []
        let state = settings.first { $0["name"]?.string == "random_state" }?["value"]?.string.flatMap { UInt64($0) }
        seed = state ?? experiment.uid.utf8.reduce(1469598103934665603) { ($0 ^ UInt64($1)) &* 1099511628211 }
    }

    /// The assignment for trial number `index` (0-based); nil when a grid is exhausted.
    func assignment(_ index: Int) throws(Failure) -> [(String, String)]? {
        if algorithm == "grid" { return try gridPoint(index) }
        var rng = SplitMix64(seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        return try parameters.map { p throws(Failure) in (p["name"]?.string ?? "", try sample(p, &rng)) }
    }

    private func sample(_ p: JSON, _ rng: inout SplitMix64) throws(Failure) -> String {
        let space = p["feasibleSpace"] ?? [:]
        let u = rng.unit()
        switch p["parameterType"]?.string {
        case "categorical", "discrete":
            let list = space["list"]?.array ?? []
            guard !list.isEmpty else { throw Failure(message: "parameter \(p["name"]?.string ?? "") has an empty list") }
            return list[min(list.count - 1, Int(u * Double(list.count)))].string ?? ""
        case "int":
            let (lo, hi) = (Int(space["min"]?.string ?? "") ?? 0, Int(space["max"]?.string ?? "") ?? 0)
            let step = max(1, Int(space["step"]?.string ?? "") ?? 1)
            let count = (hi - lo) / step + 1
            return String(lo + step * min(count - 1, Int(u * Double(count))))
        default:
            let (lo, hi) = (Double(space["min"]?.string ?? "") ?? 0, Double(space["max"]?.string ?? "") ?? 0)
            if let step = space["step"]?.string.flatMap(Double.init), step > 0 {
                let count = Int(((hi - lo) / step).rounded(.down)) + 1
                return Self.format(lo + step * Double(min(count - 1, Int(u * Double(count)))))
            }
            if space["distribution"]?.string == "logUniform", lo > 0 {
                return Self.format(exp(log(lo) + u * (log(hi) - log(lo))))
            }
            return Self.format(lo + u * (hi - lo))
        }
    }

    private func gridPoint(_ index: Int) throws(Failure) -> [(String, String)]? {
        var axes: [[String]] = []
        for p in parameters { axes.append(try gridValues(p)) }
        var rest = index
        var point: [(String, String)] = []
        for (p, values) in zip(parameters, axes).reversed() {
            point.insert((p["name"]?.string ?? "", values[rest % values.count]), at: 0)
            rest /= values.count
        }
        return rest == 0 ? point : nil
    }

    private func gridValues(_ p: JSON) throws(Failure) -> [String] {
        let name = p["name"]?.string ?? ""
        let space = p["feasibleSpace"] ?? [:]
        switch p["parameterType"]?.string {
        case "categorical", "discrete": return (space["list"]?.array ?? []).compactMap(\.string)
        case "int":
            let (lo, hi) = (Int(space["min"]?.string ?? "") ?? 0, Int(space["max"]?.string ?? "") ?? 0)
            return stride(from: lo, through: hi, by: max(1, Int(space["step"]?.string ?? "") ?? 1)).map(String.init)
        default:
            guard let step = space["step"]?.string.flatMap(Double.init), step > 0,
                  let lo = space["min"]?.string.flatMap(Double.init), let hi = space["max"]?.string.flatMap(Double.init)
            else { throw Failure(message: "grid search needs feasibleSpace.step for double parameter \(name)") }
            let count = Int(((hi - lo) / step + 1e-9).rounded(.down)) + 1
            return (0..<count).map { Self.format(lo + step * Double($0)) }
        }
    }

    /// Six significant digits, in Python's float notation (1.23457e-05, 0.00123457).
    static func format(_ v: Double) -> String { (Double(String(format: "%.6g", v)) ?? v).description }
}

/// A small, fast, seeded generator (Steele et al., SplitMix64).
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
