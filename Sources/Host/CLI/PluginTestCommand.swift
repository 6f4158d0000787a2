import ArgumentParser
import Foundation
import HostCore
import KFJSON

/// `kubeflow-mcp plugin test PATH`: a plugin author's harness. Loads the plugin
/// (a `.so` or its directory) as `serve` does, beside the first-party plugins,
/// on the embedded simulator; reports its load (manifest and schemas are what the
/// loader checks), runs the examples it declares through the whole host path,
/// and runs each fine-tuning backend it provides through the conformance checks
/// of `kfmcp.provider/finetune-backend/1`. Exit 0 when every check passed, 1 if not.
struct PluginTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Load a plugin as serve does, run its declared examples and provider conformance on the simulator, and report.")

    @Argument(help: ArgumentHelp("The plugin library (.so) or its directory.", valueName: "PATH")) var path: String
    @Option(help: ArgumentHelp("Examples to run (default: kfmcp-examples.json beside the plugin, when present).", valueName: "FILE"))
    var examples: String?
    @Option(help: ArgumentHelp("Policy file the plugin is tested under (e.g. to let it run in-process).", valueName: "FILE"))
    var policy: String?

    static let examplesFile = "kfmcp-examples.json"

    func run() async throws {
        let target = URL(fileURLWithPath: path).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory) else {
            throw ValidationError("\(path) does not exist; pass a plugin library (.so) or its directory.")
        }
        let directory = isDirectory.boolValue ? target : (target as NSString).deletingLastPathComponent
        let examplesPath = examples ?? directory + "/" + Self.examplesFile
        var report = PluginTestReport()

        Log.shared.level = .error
        var options = HostOptions()
        options.pluginDirs = [directory]
        options.policyFile = policy
        let host = ProtocolStdout.silenced { Host.start(options) }
        defer { host.shutdown() }
        let toolPolicy = try Host.policy(persona: nil, file: policy, environment: options.environment, tools: host.registry.orderedTools)

        let records = host.registry.records.filter { record in
            isDirectory.boolValue ? (record.path as NSString).deletingLastPathComponent == directory : record.path == target
        }
        if records.isEmpty { report.check(false, "no plugin library found at \(path)") }
        for record in records {
            let name = record.pluginID ?? (record.path as NSString).lastPathComponent
            switch record.status {
            case .loaded:
                report.check(true, "\(name) \(record.version ?? "") loads (ABI \(record.abi ?? "?"), \(record.isolation ?? "?")): manifest and schemas accepted; tools: \(record.tools.joined(separator: ", ").ifEmpty("none")); providers: \(record.backends.joined(separator: ", ").ifEmpty("none"))")
            case .refused: report.check(false, "\(name) refused: \(record.reason ?? "no reason given")")
            case .disabled: report.check(false, "\(name) is disabled (\(record.reason ?? "")); enable it to test it")
            }
        }
        let loaded = records.filter { $0.status == .loaded }
        guard !loaded.isEmpty else { return try report.finish() }

        let connection = try ClusterOptions.startSimulator(namespace: nil, timeScale: nil)
        defer { connection.simulator?.stop() }
        let invoker = ToolInvoker(environment: host.environment(policy: toolPolicy, cluster: ClusterIdentity(access: connection.access)))
        let call: (String, JSON) async -> ToolCallResult = { name, arguments in
            await invoker.call(name: name, arguments: arguments, progress: nil, elicit: { _ in true })
        }

        if FileManager.default.fileExists(atPath: examplesPath) {
            let tools = Set(loaded.flatMap(\.tools))
            for example in try Self.readExamples(examplesPath) {
                await report.run(example, ownTools: tools, call: call)
            }
        } else if examples == nil {
            report.note("no \(Self.examplesFile) beside the plugin: no examples run")
        }
        for backendID in loaded.flatMap(\.backends) {
            guard let spec = host.registry.backends[backendID]?.spec, spec.kind == FineTuneBackendConformance.kind else { continue }
            await FineTuneBackendConformance(backendID: backendID, capabilities: spec.capabilities).run(into: &report, call: call)
        }
        try report.finish()
    }

    static func readExamples(_ path: String) throws -> [JSON] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8),
              let list = (try? JSON.parse(text))?.array
        else { throw ValidationError("\(path) must be a JSON array of {\"tool\", \"arguments\", \"expect\" | \"expect_error\"}.") }
        return list
    }
}

/// The report: one line a check, and the exit code.
struct PluginTestReport {
    var passed = 0
    var failed = 0

    mutating func check(_ ok: Bool, _ text: String) {
        if ok { passed += 1 } else { failed += 1 }
        print((ok ? "✓ " : "✗ ") + text)
    }

    func note(_ text: String) { print("  " + text) }

    /// The closing line; exit 1 (through the caller's clean-up) when a check failed.
    func finish() throws {
        print("\(passed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode(1) }
    }

    /// One declared example: `{"tool", "arguments", "expect": {…}}` (the result holds
    /// these values) or `"expect_error": "words"` (the call fails saying them).
    mutating func run(_ example: JSON, ownTools: Set<String>, call: (String, JSON) async -> ToolCallResult) async {
        guard let tool = example["tool"]?.string, ownTools.contains(tool) else {
            check(false, "example \(example.serialized()): \"tool\" must name one of the plugin's tools (\(ownTools.sorted().joined(separator: ", ")))")
            return
        }
        let result = await call(tool, example["arguments"] ?? [:])
        let label = "example \(tool) \((example["arguments"] ?? [:]).serialized())"
        if let words = example["expect_error"]?.string {
            check(result.isError && result.text.contains(words),
                  result.isError ? "\(label) fails\(result.text.contains(words) ? "" : " but without \"\(words)\": \(result.text)")"
                                 : "\(label) should fail saying \"\(words)\" but succeeded")
            return
        }
        guard !result.isError else { check(false, "\(label) failed: \(result.text)"); return }
        if let expected = example["expect"], let mismatch = Self.mismatch(expected, in: result.structured ?? .null, at: "result") {
            check(false, "\(label): \(mismatch)")
        } else {
            check(true, "\(label) answers as expected")
        }
    }

    /// nil when every value of `expected` is in `actual` (objects: a subset, recursively).
    static func mismatch(_ expected: JSON, in actual: JSON, at path: String) -> String? {
        if let object = expected.object {
            for (key, value) in object.sorted(by: { $0.key < $1.key }) {
                guard let found = actual[key] else { return "\(path).\(key) is missing" }
                if let problem = mismatch(value, in: found, at: "\(path).\(key)") { return problem }
            }
            return nil
        }
        return expected == actual ? nil : "\(path) is \(actual.serialized()), expected \(expected.serialized())"
    }
}

/// The checks of kind `kfmcp.provider/finetune-backend/1` (docs/finetune-backend.md)
/// a single backend can be put through by `plugin test`, through `fine_tune`.
struct FineTuneBackendConformance {
    static let kind = "kfmcp.provider/finetune-backend/1"
    static let methods: Set<String> = ["lora", "qlora", "full"]
    let backendID: String
    let capabilities: JSON

    func run(into report: inout PluginTestReport, call: (String, JSON) async -> ToolCallResult) async {
        let methods = capabilities["methods"]?.array?.compactMap(\.string) ?? []
        report.check(!methods.isEmpty && Set(methods).isSubset(of: Self.methods),
                     "\(backendID): capabilities.methods is a non-empty list of lora, qlora, full (\(methods))")
        report.check(capabilities["multi_node"]?.bool != nil, "\(backendID): capabilities.multi_node is a boolean")
        report.check((capabilities["memory_factor"]?.double ?? 0) > 0, "\(backendID): capabilities.memory_factor is a number > 0")
        if let selector = capabilities["runtime_selector"] {
            report.check(selector.object != nil, "\(backendID): capabilities.runtime_selector is an object")
        }
        let job: JSON = ["model": "Qwen/Qwen2.5-1.5B-Instruct", "dataset": "tatsu-lab/alpaca", "backend": .string(backendID),
                         "peft_method": .string(methods.first ?? "lora"), "dry_run": true]
        let built = await call("fine_tune", job)
        if built.isError {
            report.check(false, "\(backendID): build_trainer through fine_tune (dry run) failed: \(built.text)")
        } else {
            let trainer = built.structured?["trainjob"]?["spec"]?["trainer"]
            report.check(trainer?.object != nil, "\(backendID): build_trainer answers a trainer section and a runtime, admitted on the simulator (runtime \(built.structured?["runtime"]?.string ?? "?"))")
            let gpus = built.structured?["estimate"]?["recommended_gpus"]?.int
            report.check((gpus ?? 0) >= 1, "\(backendID): estimate answers recommended_gpus, an integer >= 1 (\(gpus.map(String.init) ?? "none"))")
        }
        var unknown = job
        unknown["backend_options"] = ["kfmcp_conformance_no_such_option": 1]
        let refused = await call("fine_tune", unknown)
        report.check(refused.isError && refused.text.contains("backend_options"),
                     "\(backendID): an unknown backend_options key is refused naming backend_options")
    }
}

extension String {
    fileprivate func ifEmpty(_ other: String) -> String { isEmpty ? other : self }
}
