/// A GPU model and its memory.
public struct GPUType: Sendable, Equatable {
    /// The catalog's name for it ("A100-80GB").
    public var name: String
    /// Memory in GiB, as nvidia-smi reports it (MiB / 1024).
    public var memoryGiB: Double
    /// Tokens that must all appear in a node's `nvidia.com/gpu.product` label.
    var labelTokens: [String]
    /// Rough price class, lowest first: of two GPUs that both fit, the lower
    /// class is recommended (an A100 before an H100 of the same memory).
    public var tier: Int
}

/// GPUs people fine-tune on, and how to recognize them from the
/// `nvidia.com/gpu.product` node label (set by NVIDIA GPU feature discovery).
public enum GPUCatalog {
    /// Most specific first: a label is matched against the entries in order.
    public static let all: [GPUType] = [
        GPUType(name: "B200", memoryGiB: 179.1, labelTokens: ["B200"], tier: 14),
        GPUType(name: "H200", memoryGiB: 140.4, labelTokens: ["H200"], tier: 13),
        GPUType(name: "H100-NVL-94GB", memoryGiB: 93.6, labelTokens: ["H100", "NVL"], tier: 12),
        GPUType(name: "H100-80GB", memoryGiB: 79.6, labelTokens: ["H100"], tier: 11),
        GPUType(name: "A100-80GB", memoryGiB: 80.0, labelTokens: ["A100", "80GB"], tier: 10),
        GPUType(name: "A100-40GB", memoryGiB: 40.0, labelTokens: ["A100"], tier: 8),
        GPUType(name: "L40S", memoryGiB: 45.0, labelTokens: ["L40S"], tier: 7),
        GPUType(name: "RTX-A6000", memoryGiB: 48.0, labelTokens: ["A6000"], tier: 6),
        GPUType(name: "V100-32GB", memoryGiB: 32.0, labelTokens: ["V100", "32GB"], tier: 5),
        GPUType(name: "V100-16GB", memoryGiB: 16.0, labelTokens: ["V100"], tier: 3),
        GPUType(name: "RTX-4090", memoryGiB: 24.0, labelTokens: ["4090"], tier: 4),
        GPUType(name: "A10G", memoryGiB: 22.5, labelTokens: ["A10G"], tier: 2),
        GPUType(name: "L4", memoryGiB: 22.5, labelTokens: ["L4"], tier: 1),
        GPUType(name: "T4", memoryGiB: 15.0, labelTokens: ["T4"], tier: 0),
    ]

    /// Share of a GPU's memory a job can count on (allocator fragmentation).
    public static let usableFraction = 0.95

    /// The catalog entry by its name, case-insensitively ("a100-80gb", "H100").
    public static func named(_ name: String) -> GPUType? {
        let wanted = name.uppercased()
        return all.first { $0.name.uppercased() == wanted } ?? type(forProduct: name)
    }

    /// The GPU behind a product label such as "NVIDIA-A100-SXM4-80GB" or
    /// "Tesla-T4". An unknown label with a size in it ("...-48GB") still gives
    /// its memory; otherwise nil.
    public static func type(forProduct label: String) -> GPUType? {
        let tokens = Set(label.uppercased().split { $0 == "-" || $0 == " " || $0 == "_" }.map(String.init))
        if let known = all.first(where: { $0.labelTokens.allSatisfy(tokens.contains) }) { return known }
        for t in tokens where t.hasSuffix("GB") {
            if let size = Double(t.dropLast(2)), size > 0 {
                return GPUType(name: label, memoryGiB: size, labelTokens: [], tier: Int(size / 8))
            }
        }
        return nil
    }

    /// Whether `bytes` per GPU fit this GPU.
    public static func fits(_ bytes: Double, on gpu: GPUType) -> Bool {
        gib(bytes) <= gpu.memoryGiB * usableFraction
    }
}
