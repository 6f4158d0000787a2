/// The linear modules of a decoder layer LoRA can adapt.
public enum LoRAModule: String, Sendable, CaseIterable {
    case q = "q_proj", k = "k_proj", v = "v_proj", o = "o_proj"
    case gate = "gate_proj", up = "up_proj", down = "down_proj"

    /// Names used by different libraries for the same module.
    static let aliases: [String: LoRAModule] = [
        "output_proj": .o, "out_proj": .o, "w1": .gate, "w3": .up, "w2": .down,
    ]

    public static let attention: [LoRAModule] = [.q, .k, .v, .o]
    public static let all: [LoRAModule] = allCases

    /// Parses module names; "all-linear"/"all_linear" means every module.
    /// Returns the unknown names apart so the caller can report them.
    public static func parse(_ names: [String]) -> (modules: [LoRAModule], unknown: [String]) {
        var modules: [LoRAModule] = []
        var unknown: [String] = []
        for raw in names {
            let name = raw.lowercased()
            if name == "all-linear" || name == "all_linear" {
                modules.append(contentsOf: allCases)
            } else if let m = LoRAModule(rawValue: name) ?? aliases[name] {
                modules.append(m)
            } else {
                unknown.append(raw)
            }
        }
        var seen = Set<LoRAModule>()
        return (modules.filter { seen.insert($0).inserted }, unknown)
    }
}

/// LoRA settings that size the adapters.
public struct LoRASettings: Sendable, Equatable {
    public var rank: Int
    public var modules: [LoRAModule]

    /// Rank 16 on every linear module: the common recipe, and the larger
    /// (safer) choice when the user did not say.
    public static let `default` = LoRASettings(rank: 16, modules: LoRAModule.all)

    public init(rank: Int, modules: [LoRAModule]) {
        self.rank = rank
        self.modules = modules
    }

    /// Trainable adapter parameters: rank × (in + out) per adapted module and layer.
    public func parameters(for model: ModelSpec) -> Double {
        // An encoder-decoder has an attention block in each encoder layer and two in each
        // decoder layer (self and cross); PEFT adapts every module whose name matches.
        let attentionBlocks = Double(model.layers * (model.isEncoderDecoder ? 2 : 1) + model.encoderLayers)
        let mlpBlocks = Double(model.layers + model.encoderLayers)
        return modules.reduce(0.0) { sum, m in
            let (input, output) = model.moduleShape(m)
            let isMLP = [.gate, .up, .down].contains(m)
            // MLP adapters of a mixture of experts exist once per expert.
            let copies = isMLP ? Double(max(model.experts, 1)) * mlpBlocks : attentionBlocks
            return sum + Double(rank) * (input + output) * copies
        }
    }
}
