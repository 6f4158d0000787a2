import MemoryKit
import PluginKit

/// validate_config: everything about a training setup that can be checked
/// without the cluster — argument ranges, resource keys, URI schemes, and
/// what the Kubeflow Trainer webhook would reject though the SDK lets it
/// through (from the backends' declared `admission_rules`).
///
/// Pure: the loaded backends come in as data.
public enum ConfigValidation {
    public struct Report: Sendable {
        public var errors: [ConfigIssue]
        public var warnings: [ConfigIssue]
        public var valid: Bool { errors.isEmpty }

        public var json: JSON {
            func rows(_ list: [ConfigIssue]) -> JSON {
                .array(list.map { ["field": .string($0.field), "message": .string($0.message)] })
            }
            return ["valid": .bool(valid), "errors": rows(errors), "warnings": rows(warnings)]
        }
    }

    /// Bare resource names Kubernetes knows, and the SDK's aliases.
    static let standardResources: Set<String> = ["cpu", "memory", "gpu", "storage", "ephemeral-storage", "pods"]
    static let gpuKeys: Set<String> = ["gpu", "nvidia.com/gpu", "amd.com/gpu"]

    public static func validate(_ a: JSON, backends: [JSON], registry: ModelRegistry = .shared) -> Report {
        var issues: [ConfigIssue] = []
        let trainerType = enumValue(a, "trainer_type", EstimateInput.TrainerType.self, &issues) ?? .builtin
        let method = enumValue(a, "method", FineTuneMethod.self, &issues)
        let precision = enumValue(a, "precision", Precision.self, &issues)

        // Locations.
        var model: ModelSpec?
        for field in ["model", "dataset"] {
            guard let text = string(a, field, &issues) else {
                if trainerType == .builtin {
                    issues.append(.error(field, "\(field) is required for a built-in trainer (fine_tune)."))
                }
                continue
            }
            switch StorageURI.parse(text, field: field) {
            case .failure(let issue): issues.append(issue)
            case .success(let uri):
                if uri.bare {
                    issues.append(.warning(field, "\(field) \(text) has no scheme; it is read as hf://\(text)."))
                }
                if field == "model" && uri.scheme == .hf && uri.repository.split(separator: "/").count < 2 {
                    issues.append(.warning(field, "Model \(text) has no organisation; Hugging Face ids are usually org/name."))
                }
                if field == "model", uri.scheme == .hf {
                    model = registry.find(uri.repository)?.model
                    if model == nil {
                        issues.append(.warning(field, "Model \(uri.repository) is not in the planner's registry: estimate_resources will need params_billion."))
                    }
                }
            }
        }

        // Numbers.
        let numNodes = positive(a, "num_nodes", &issues, max: 1024) ?? 1
        _ = positive(a, "batch_size", &issues, max: 4096)
        _ = positive(a, "epochs", &issues, max: 100_000)
        _ = positive(a, "gpus_per_node", &issues, max: 64)
        if let seq = positive(a, "seq_len", &issues, max: 10_000_000), let model, seq > model.maxContext {
            issues.append(.error("seq_len", "seq_len \(seq) exceeds \(model.id)'s context length of \(model.maxContext) tokens."))
        }
        if let ns = string(a, "namespace", &issues), !KubeName.isDNS1123Label(ns) {
            issues.append(.error("namespace", "Namespace \(ns) is not a valid name (lower-case letters, digits and '-', at most 63)."))
        }
        if method == .full, let p = precision, p == .int8 || p == .nf4 {
            issues.append(.error("precision", "A full fine-tune trains every weight in 16 or 32 bits; \(p.rawValue) applies to lora/qlora."))
        }

        // LoRA.
        let loraFields = ["lora_rank", "lora_alpha", "lora_dropout", "lora_target_modules"]
        if method == .full {
            for f in loraFields where a[f] != nil && a[f] != .null {
                issues.append(.error(f, "\(f) is a LoRA setting but method is full. Drop it or use method lora/qlora."))
            }
        }
        if let rank = positive(a, "lora_rank", &issues, max: 1024), rank > 256 {
            issues.append(.warning("lora_rank", "lora_rank \(rank) is unusually high (8–64 is typical); memory and time grow with it."))
        }
        if let alpha = number(a, "lora_alpha", &issues), alpha <= 0 {
            issues.append(.error("lora_alpha", "lora_alpha must be positive; got \(alpha)."))
        }
        if let dropout = number(a, "lora_dropout", &issues), !(0..<1).contains(dropout) {
            issues.append(.error("lora_dropout", "lora_dropout must be in [0, 1); got \(dropout)."))
        }
        if let list = a["lora_target_modules"], !list.isNull {
            if let names = list.array?.compactMap(\.string), names.count == list.array?.count, !names.isEmpty {
                let unknown = LoRAModule.parse(names).unknown
                if !unknown.isEmpty {
                    issues.append(.error("lora_target_modules", "Unknown module(s) \(unknown.joined(separator: ", ")); use \(LoRAModule.allCases.map(\.rawValue).joined(separator: ", ")) or all-linear."))
                }
            } else {
                issues.append(.error("lora_target_modules", "lora_target_modules must be a non-empty list of module names."))
            }
        }

        // Resources.
        let gpusPerNode = resources(a, &issues) ?? (a["gpus_per_node"]?.int)

        // Runtime and backend.
        var backend: BackendProfile?
        if let id = string(a, "backend", &issues) {
            do {
                backend = try BackendProfile.find(id, in: backends)
                if let methods = backend?.methods, let method, !methods.contains(method.rawValue) {
                    issues.append(.error("method", "Backend \(id) supports \(methods.joined(separator: ", ")), not \(method.rawValue)."))
                }
                if trainerType != .builtin {
                    issues.append(.error("backend", "A backend builds a built-in trainer; trainer_type \(trainerType.rawValue) runs your own code. Drop backend or use trainer_type builtin."))
                }
            } catch let e as ToolError {
                issues.append(.error("backend", e.message))
            } catch {}
        }
        if let runtime = string(a, "runtime", &issues) {
            if !KubeName.isDNS1123Subdomain(runtime) {
                issues.append(.error("runtime", "Runtime \(runtime) is not a valid name (lower-case letters, digits, '-' and '.')."))
            }
            let prefix = runtime.split(separator: "-").first.map(String.init) ?? ""
            let owner = backend ?? backends.map(BackendProfile.init(backend:)).first { $0.framework == prefix }
            if let owner, let framework = owner.framework {
                if runtime.hasPrefix(framework + "-") {
                    if trainerType != .builtin {
                        issues.append(.error("runtime", "Runtime \(runtime) is a \(framework) built-in trainer runtime; a \(trainerType.rawValue) trainer needs a custom runtime such as torch-distributed."))
                    }
                    if let rules = owner.admissionRules {
                        issues += rules.violations(runtime: runtime, method: method, numNodes: numNodes, gpusPerNode: gpusPerNode)
                    }
                } else if backend != nil {
                    issues.append(.warning("runtime", "Backend \(owner.id ?? "") uses runtimes labelled trainer.kubeflow.org/framework=\(framework); check that \(runtime) carries that label (check_prerequisites does)."))
                }
            }
        }

        return Report(errors: issues.filter { $0.severity == .error }, warnings: issues.filter { $0.severity == .warning })
    }

    /// Checks resources_per_node; returns its GPU count when it has one.
    static func resources(_ a: JSON, _ issues: inout [ConfigIssue]) -> Int? {
        guard let r = a["resources_per_node"], !r.isNull else { return nil }
        guard let map = r.object else {
            issues.append(.error("resources_per_node", "resources_per_node must be an object such as {\"gpu\": 2, \"memory\": \"64Gi\"}."))
            return nil
        }
        var gpus: Int?
        for (key, value) in map.sorted(by: { $0.key < $1.key }) {
            let lower = key.lowercased()
            let field = "resources_per_node.\(key)"
            let isStandard = standardResources.contains(lower) || lower.hasPrefix("mig-")
            if !key.contains("/") && !isStandard {
                issues.append(.error(field, "\(key) is not a resource name; use cpu, memory, gpu, storage, ephemeral-storage, mig-<profile> or a domain-qualified name such as nvidia.com/gpu."))
                continue
            }
            let amount: Double?
            if let d = value.double {
                amount = d
            } else if let s = value.string {
                amount = Quantity.parse(s)
                if amount == nil {
                    issues.append(.error(field, "\(s) is not a Kubernetes quantity (e.g. 4, 500m, 64Gi)."))
                    continue
                }
            } else {
                issues.append(.error(field, "\(key) must be a number or a quantity string."))
                continue
            }
            guard let amount else { continue }
            if amount < 0 { issues.append(.error(field, "\(key) cannot be negative.")) }
            let isGPU = gpuKeys.contains(lower) || lower.hasPrefix("mig-") || lower.hasPrefix("nvidia.com/mig-")
            if isGPU {
                if amount.rounded() != amount {
                    issues.append(.error(field, "GPUs are whole devices; \(key) must be a whole number, got \(amount)."))
                } else if gpuKeys.contains(lower) {
                    gpus = (gpus ?? 0) + Int(amount)
                }
            } else if key.contains("/") && amount.rounded() != amount {
                issues.append(.error(field, "Extended resource \(key) must be a whole number."))
            }
        }
        if let gpus, gpus > 64 {
            issues.append(.error("resources_per_node", "\(gpus) GPUs per node is more than any node has; use at most 64."))
        }
        return gpus
    }

    // MARK: Readers that record type errors instead of throwing.

    static func string(_ a: JSON, _ key: String, _ issues: inout [ConfigIssue]) -> String? {
        guard let v = a[key], !v.isNull else { return nil }
        guard let s = v.string else {
            issues.append(.error(key, "\(key) must be a string."))
            return nil
        }
        let t = s.trimmingWhitespace()
        return t.isEmpty ? nil : t
    }

    static func number(_ a: JSON, _ key: String, _ issues: inout [ConfigIssue]) -> Double? {
        guard let v = a[key], !v.isNull else { return nil }
        guard let d = v.double else {
            issues.append(.error(key, "\(key) must be a number."))
            return nil
        }
        return d
    }

    static func positive(_ a: JSON, _ key: String, _ issues: inout [ConfigIssue], max: Int) -> Int? {
        guard let v = a[key], !v.isNull else { return nil }
        guard let i = v.int else {
            issues.append(.error(key, "\(key) must be a whole number."))
            return nil
        }
        guard (1...max).contains(i) else {
            issues.append(.error(key, "\(key) must be between 1 and \(max); got \(i)."))
            return nil
        }
        return i
    }

    static func enumValue<E: RawRepresentable & CaseIterable>(_ a: JSON, _ key: String, _ type: E.Type,
                                                              _ issues: inout [ConfigIssue]) -> E? where E.RawValue == String {
        guard let s = string(a, key, &issues) else { return nil }
        guard let e = E(rawValue: s.lowercased()) else {
            issues.append(.error(key, "\(key) must be one of \(E.allCases.map(\.rawValue).joined(separator: ", ")); got \(s)."))
            return nil
        }
        return e
    }
}

/// Kubernetes resource quantities ("500m", "64Gi", "1e3", "4").
enum Quantity {
    static let suffixes: [(String, Double)] = [
        ("Ki", 1024), ("Mi", 1_048_576), ("Gi", 1_073_741_824), ("Ti", 1_099_511_627_776),
        ("Pi", 1_125_899_906_842_624), ("Ei", 1_152_921_504_606_846_976),
        ("n", 1e-9), ("u", 1e-6), ("m", 1e-3), ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("P", 1e15), ("E", 1e18),
    ]

    static func parse(_ text: String) -> Double? {
        let s = text.trimmingWhitespace()
        guard !s.isEmpty else { return nil }
        for (suffix, factor) in suffixes where s.hasSuffix(suffix) {
            let number = String(s.dropLast(suffix.count))
            // "1E" is an exponent-less number with the exa suffix; "1e3" is decimal exponent.
            guard let value = plainNumber(number) else { return nil }
            return value * factor
        }
        if let value = plainNumber(s) { return value }
        // Decimal exponent: 1e3, 2E-2.
        let lower = s.lowercased()
        if let e = lower.firstIndex(of: "e"), let mantissa = plainNumber(String(lower[..<e])),
            let exponent = Int(lower[lower.index(after: e)...]) {
            var v = mantissa
            for _ in 0..<abs(exponent) { v = exponent > 0 ? v * 10 : v / 10 }
            return v
        }
        return nil
    }

    /// Digits with at most one '.', an optional sign.
    static func plainNumber(_ s: String) -> Double? {
        var body = Substring(s)
        if body.first == "+" || body.first == "-" { body = body.dropFirst() }
        guard !body.isEmpty, body.filter({ $0 == "." }).count <= 1, body.contains(where: \.isNumber),
            body.allSatisfy({ $0.isNumber || $0 == "." })
        else { return nil }
        return Double(s)
    }
}
