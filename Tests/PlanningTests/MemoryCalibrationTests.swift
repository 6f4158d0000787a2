import Foundation
import PluginKit
import Testing
@testable import MemoryKit
@testable import PlanningPlugin

/// The memory model against published, measured peak GPU memory of several
/// stacks (Tests/Fixtures/memory-calibration.json: each case's source, setup
/// and what the figure measures), split into a fitting half and a checking
/// half. Prints every case's error and both halves' figures; holds the target
/// on the checking half: at least 80% within ±15%, none under-estimated by
/// more than 25%.
struct CalibrationCase: Sendable {
    enum Half: String, Sendable { case fit, check }
    var name: String
    var stack: String
    var half: Half
    var source: String
    var model: ModelSpec
    var request: MemoryRequest
    var backend: BackendProfile
    var measuredGiB: Double
    var measure: String
    /// Why a row added after the split misses, when it does (kept, printed, not tuned to).
    var openMiss: String?

    /// The estimate counted the way the source measured.
    func estimatedGiB(backend: BackendProfile? = nil) -> Double {
        let e = MemoryModel.estimate(model: model, request: request, backend: backend ?? self.backend, explain: false)
        switch measure {
        case "allocated": return gib(e.allocatedBytes)
        case "reserved": return gib(e.allocatedBytes * (1 + e.profile.allocatorReserve))
        default: return gib(e.perGPUBytes)
        }
    }
}

enum CalibrationData {
    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/memory-calibration.json")

    static func load() throws -> [CalibrationCase] {
        let data = try JSON.parse(String(contentsOf: url, encoding: .utf8))
        let stacks = data["stacks"] ?? [:]
        return try (data["cases"]?.array ?? []).map { c in
            let name = c["name"]?.string ?? "?"
            let stackName = c["stack"]?.string ?? "?"
            guard let stack = stacks[stackName], let modelID = c["model"]?.string,
                let half = c["half"]?.string.flatMap(CalibrationCase.Half.init(rawValue:)),
                let method = c["method"]?.string.flatMap(FineTuneMethod.init(rawValue:)),
                let measured = c["measured"]?.double
            else { throw ToolError("calibration case \(name) is incomplete") }
            var lora = LoRASettings.default
            if let rank = c["rank"]?.int { lora.rank = rank }
            if let modules = c["modules"]?.array?.compactMap(\.string) { lora.modules = LoRAModule.parse(modules).modules }
            // Settings a case's recipe changes over its stack's profile.
            var caps = stack["capabilities"] ?? [:]
            var profile = caps["memory_profile"] ?? [:]
            for key in ["optimizer", "optimizer_in_backward", "cpu_offload", "activation_checkpointing", "sharding",
                        "shard_embeddings", "master_weights_fp32", "optimizer_state_dtype"] where c[key] != nil {
                profile[key] = c[key]
            }
            caps["memory_profile"] = profile
            let gpus = c["gpus"]?.int ?? 1
            var request = MemoryRequest(method: method, batchSize: c["batch"]?.int ?? 1, seqLen: c["seq"]?.int ?? 2048,
                                        numNodes: 1, gpusPerNode: gpus, lora: lora)
            request.gpuMemoryGiB = c["gpu_gib"]?.double
            request.targetLen = c["target_seq"]?.int
            if let precision = c["precision"]?.string.flatMap(Precision.init(rawValue:)) { request.precision = precision }
            if let objective = c["objective"]?.string.flatMap(MemoryRequest.Objective.init(rawValue:)) { request.objective = objective }
            let unit = c["unit"]?.string == "GB" ? 1e9 / 1_073_741_824.0 : 1
            return CalibrationCase(
                name: name, stack: stackName, half: half, source: stack["source"]?.string ?? "?",
                model: try ModelRegistry.shared.lookup(modelID).model, request: request,
                backend: BackendProfile(backend: ["id": .string(stackName), "capabilities": caps]),
                measuredGiB: measured * unit, measure: c["measure"]?.string ?? "device", openMiss: c["open_miss"]?.string)
        }
    }
}

/// Within ±15% count and worst under-estimate of some cases, printed.
struct CalibrationFigures {
    var cases = 0
    var within = 0
    var worstUnder = 0.0
    var share: Double { cases == 0 ? 0 : Double(within) / Double(cases) }

    mutating func add(_ error: Double) {
        cases += 1
        if abs(error) <= 0.15 { within += 1 }
        worstUnder = min(worstUnder, error)
    }

    func line(_ label: String) -> String {
        "calibration \(label): \(within) of \(cases) within ±15% (\(Int((share * 100).rounded()))%); worst under-estimate \(rounded(worstUnder * 100, 1))%"
    }
}

@Test("Memory model against published measurements it was not fitted to: ≥ 80% within ±15%, none under by more than 25%")
func calibration() throws {
    let cases = try CalibrationData.load()
    #expect(cases.count >= 40)
    #expect(Set(cases.map(\.stack).map { $0.split(separator: "-").first! }).count >= 4)
    var halves: [CalibrationCase.Half: CalibrationFigures] = [.fit: .init(), .check: .init()]
    var held = CalibrationFigures()
    for c in cases {
        let estimated = c.estimatedGiB()
        let error = (estimated - c.measuredGiB) / c.measuredGiB
        halves[c.half]!.add(error)
        if c.half == .check && c.openMiss == nil { held.add(error) }
        if let why = c.openMiss { print("calibration open miss \(c.stack) \(c.name): \(why)") }
        let mark = abs(error) <= 0.15 ? " " : (error < 0 ? "▼" : "▲")
        if abs(error) > 0.15 {
            // Where a miss's bytes go, to find the mechanism rather than a constant.
            let e = MemoryModel.estimate(model: c.model, request: c.request, backend: c.backend, explain: false)
            print("calibration breakdown \(c.name): " + e.perGPU.terms.map { "\($0.name) \(rounded(gib($0.bytes), 1))" }.joined(separator: ", "))
        }
        print("calibration \(mark) \(c.half.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0)) \(c.stack.padding(toLength: 10, withPad: " ", startingAt: 0)) \(c.name): estimated \(rounded(estimated, 1)) GiB, measured \(rounded(c.measuredGiB, 1)) GiB (\(c.measure)), error \(rounded(error * 100, 1))%")
    }
    let fit = halves[.fit]!, check = halves[.check]!
    print(fit.line("fitting half"))
    print(check.line("checking half"))
    print(held.line("checking half without open misses"))
    #expect(held.cases >= 20)
    #expect(held.share >= 0.8)
    #expect(held.worstUnder >= -0.25)
}

/// Each per-stack constant (a stack's `fitted` keys: torchtune's and Unsloth's
/// memory_factor, the Q-LoRA GPTQ runs' logit_bytes) is the best value on the
/// fitting half alone: the checking half had no say in it.
@Test func perStackConstantsAreTheFittingHalfsBest() throws {
    let data = try JSON.parse(String(contentsOf: CalibrationData.url, encoding: .utf8))
    let cases = try CalibrationData.load()
    for (stackName, stack) in data["stacks"]?.object ?? [:] {
        for key in stack["fitted"]?.array?.compactMap(\.string) ?? [] {
            let fitting = cases.filter { $0.stack == stackName && $0.half == .fit }
            #expect(!fitting.isEmpty, "\(stackName): no fitting case for \(key)")
            // Mean |log(estimate / measured)| on the fitting half with the constant set to v.
            func loss(_ v: Double) -> Double {
                fitting.map { c -> Double in
                    var caps = c.backend.capabilities
                    if key == "memory_factor" { caps["memory_factor"] = .double(v) } else { caps["memory_profile"]?[key] = .double(v) }
                    let b = BackendProfile(backend: ["id": .string(stackName), "capabilities": caps])
                    return abs(log(c.estimatedGiB(backend: b) / c.measuredGiB))
                }.reduce(0, +) / Double(fitting.count)
            }
            let grid = key == "memory_factor" ? stride(from: 0.2, through: 1.5, by: 0.05).map { $0 } : stride(from: 0.5, through: 16, by: 0.5).map { $0 }
            let best = grid.min { loss($0) < loss($1) }!
            let declared = (key == "memory_factor" ? stack["capabilities"]?["memory_factor"] : stack["capabilities"]?["memory_profile"]?[key])?.double ?? .nan
            print("calibration fit: \(stackName) \(key) = \(declared) (fitting half's best \(rounded(best, 2)); mean |log error| \(rounded(loss(declared), 3)) vs \(rounded(loss(best), 3)))")
            #expect(loss(declared) <= loss(best) + 0.005, "\(stackName).\(key): the fitting half's best is \(best), not \(declared)")
        }
    }
}

/// The high end of the range covers what was measured, for every case.
@Test func rangeCoversMeasurements() throws {
    var covered = 0
    let cases = try CalibrationData.load()
    for c in cases {
        let e = MemoryModel.estimate(model: c.model, request: c.request, backend: c.backend)
        if gib(e.highBytes) >= c.measuredGiB * 0.97 { covered += 1 }
    }
    #expect(Double(covered) / Double(cases.count) >= 0.9)
}
