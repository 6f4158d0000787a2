import Foundation
import PluginKit
import Testing
@testable import MemoryKit
@testable import PlanningPlugin

/// The memory model against published, measured peak GPU memory of several
/// stacks (Tests/Fixtures/memory-calibration.json: each case's source, setup
/// and what the figure measures). Prints every case's error; holds the
/// aggregate: at least 80% within ±15%, none under-estimated by more than 25%.
struct CalibrationCase: Sendable {
    var name: String
    var stack: String
    var source: String
    var model: ModelSpec
    var request: MemoryRequest
    var backend: BackendProfile
    var measuredGiB: Double
    var measure: String

    /// The estimate counted the way the source measured.
    func estimatedGiB() -> Double {
        let e = MemoryModel.estimate(model: model, request: request, backend: backend)
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
                let method = c["method"]?.string.flatMap(FineTuneMethod.init(rawValue:)),
                let measured = c["measured"]?.double
            else { throw ToolError("calibration case \(name) is incomplete") }
            var lora = LoRASettings.default
            if let rank = c["rank"]?.int { lora.rank = rank }
            if let modules = c["modules"]?.array?.compactMap(\.string) { lora.modules = LoRAModule.parse(modules).modules }
            // Settings a case's recipe changes over its stack's profile.
            var caps = stack["capabilities"] ?? [:]
            var profile = caps["memory_profile"] ?? [:]
            for key in ["optimizer", "optimizer_in_backward", "cpu_offload", "activation_checkpointing"] where c[key] != nil {
                profile[key] = c[key]
            }
            caps["memory_profile"] = profile
            let gpus = c["gpus"]?.int ?? 1
            let request = MemoryRequest(method: method, batchSize: c["batch"]?.int ?? 1, seqLen: c["seq"]?.int ?? 2048,
                                        numNodes: 1, gpusPerNode: gpus, lora: lora)
            let unit = c["unit"]?.string == "GB" ? 1e9 / 1_073_741_824.0 : 1
            return CalibrationCase(
                name: name, stack: stackName, source: stack["source"]?.string ?? "?",
                model: try ModelRegistry.shared.lookup(modelID).model, request: request,
                backend: BackendProfile(backend: ["id": .string(stackName), "capabilities": caps]),
                measuredGiB: measured * unit, measure: c["measure"]?.string ?? "device")
        }
    }
}

@Test("Memory model against published measurements: ≥ 80% within ±15%, none under by more than 25%")
func calibration() throws {
    let cases = try CalibrationData.load()
    #expect(cases.count >= 40)
    #expect(Set(cases.map(\.stack).map { $0.split(separator: "-").first! }).count >= 4)
    var within = 0
    var worstUnder = 0.0
    for c in cases {
        let estimated = c.estimatedGiB()
        let error = (estimated - c.measuredGiB) / c.measuredGiB
        if abs(error) <= 0.15 { within += 1 }
        worstUnder = min(worstUnder, error)
        let mark = abs(error) <= 0.15 ? " " : (error < 0 ? "▼" : "▲")
        print("calibration \(mark) \(c.stack.padding(toLength: 10, withPad: " ", startingAt: 0)) \(c.name): estimated \(rounded(estimated, 1)) GiB, measured \(rounded(c.measuredGiB, 1)) GiB (\(c.measure)), error \(rounded(error * 100, 1))%")
        #expect(error >= -0.25, "\(c.name): under-estimated by \(rounded(-error * 100, 1))%")
    }
    let share = Double(within) / Double(cases.count)
    print("calibration: \(within) of \(cases.count) within ±15% (\(Int((share * 100).rounded()))%); worst under-estimate \(rounded(worstUnder * 100, 1))%")
    #expect(share >= 0.8)
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
