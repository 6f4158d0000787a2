/// A GPU model and its memory.
public struct GPUType: Sendable, Equatable {
    /// The catalog's name for it ("A100-80GB").
    public var name: String
    /// Memory in GiB, as nvidia-smi reports it (MiB / 1024).
    public var memoryGiB: Double
    /// Tokens that must all appear in a node's `nvidia.com/gpu.product` label.
    var labelTokens: [String]
}

/// GPUs people fine-tune on, and how to recognize them from the
/// `nvidia.com/gpu.product` node label (set by NVIDIA GPU feature discovery).
public enum GPUCatalog {
    /// Most specific first: a label is matched against the entries in order.
    public static let all: [GPUType] = [
        GPUType(name: "B200", memoryGiB: 179.1, labelTokens: ["B200"]),
        GPUType(name: "H200", memoryGiB: 140.4, labelTokens: ["H200"]),
        GPUType(name: "H100-NVL-94GB", memoryGiB: 93.6, labelTokens: ["H100", "NVL"]),
        GPUType(name: "H100-80GB", memoryGiB: 79.6, labelTokens: ["H100"]),
        GPUType(name: "A100-80GB", memoryGiB: 80.0, labelTokens: ["A100", "80GB"]),
        GPUType(name: "A100-40GB", memoryGiB: 40.0, labelTokens: ["A100"]),
        GPUType(name: "L40S", memoryGiB: 45.0, labelTokens: ["L40S"]),
        GPUType(name: "RTX-A6000", memoryGiB: 48.0, labelTokens: ["A6000"]),
        GPUType(name: "V100-32GB", memoryGiB: 32.0, labelTokens: ["V100", "32GB"]),
        GPUType(name: "V100-16GB", memoryGiB: 16.0, labelTokens: ["V100"]),
        GPUType(name: "RTX-4090", memoryGiB: 24.0, labelTokens: ["4090"]),
        GPUType(name: "A10G", memoryGiB: 22.5, labelTokens: ["A10G"]),
        GPUType(name: "L4", memoryGiB: 22.5, labelTokens: ["L4"]),
        GPUType(name: "T4", memoryGiB: 15.0, labelTokens: ["T4"]),
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
                return GPUType(name: label, memoryGiB: size, labelTokens: [])
            }
        }
        return nil
    }

    /// Whether `bytes` per GPU fit this GPU.
    public static func fits(_ bytes: Double, on gpu: GPUType) -> Bool {
        gib(bytes) <= gpu.memoryGiB * usableFraction
    }
}
