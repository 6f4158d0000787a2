import PluginKit

/// One model's architecture: what the memory model needs, as the model's
/// Hugging Face config.json gives it.
public struct ModelSpec: Sendable, Equatable {
    /// "org/name" on the Hugging Face Hub, or the name the user gave for hints.
    public var id: String
    public var paramsBillion: Double
    public var layers: Int
    public var hiddenSize: Int
    public var attentionHeads: Int
    public var kvHeads: Int
    public var headDim: Int
    public var intermediateSize: Int
    public var vocabSize: Int
    public var maxContext: Int
    public var tiedEmbeddings: Bool
    public var gated: Bool
    /// 0 for a dense model; the expert count of a mixture-of-experts model.
    public var experts: Int
    public var expertsPerToken: Int
    public var family: String
    /// Where the figures come from (a config.json URL), or how they were derived.
    public var source: String
    public var note: String?
    /// 0 for a decoder-only model; the encoder's layers of an encoder-decoder model
    /// (T5, BART), whose `layers` are then the decoder's.
    public var encoderLayers = 0
    /// Linear matrices of one MLP of width `intermediateSize`: 3 for a gated MLP (SwiGLU,
    /// T5 v1.1's gated-GELU), 2 for a plain one (BART, the original T5, BLOOM).
    public var mlpMatrices = 3

    public var parameters: Double { paramsBillion * 1e9 }

    public var isEncoderDecoder: Bool { encoderLayers > 0 }

    /// One attention block's projections (q, k, v, o).
    var attentionLinearParameters: Double {
        let h = Double(hiddenSize), hd = Double(headDim)
        return h * Double(attentionHeads) * hd * 2 + h * Double(kvHeads) * hd * 2
    }

    /// One layer's MLP, every expert of a mixture of experts included (all are held).
    var mlpLinearParameters: Double {
        Double(mlpMatrices) * Double(hiddenSize) * Double(intermediateSize) * Double(max(experts, 1))
    }

    /// A decoder layer's linear layers: what LoRA adapts and 4-bit quantization
    /// shrinks, and what FSDP gathers at a time. An encoder-decoder's decoder layer
    /// also has cross-attention over the encoder's output (T5, BART): the largest layer.
    /// Embeddings, the output head and norms are not in it.
    public var linearParametersPerLayer: Double {
        attentionLinearParameters * (isEncoderDecoder ? 2 : 1) + mlpLinearParameters
    }

    /// An encoder layer's: self-attention and MLP.
    public var linearParametersPerEncoderLayer: Double { attentionLinearParameters + mlpLinearParameters }

    public var linearParameters: Double {
        linearParametersPerLayer * Double(layers) + linearParametersPerEncoderLayer * Double(encoderLayers)
    }

    /// The parameter count the layer figures add up to (embeddings counted once when tied).
    public var computedParameters: Double {
        let router = Double(hiddenSize * experts)
        let embeddings = Double(vocabSize * hiddenSize) * (tiedEmbeddings ? 1 : 2)
        return linearParameters + router * Double(layers) + embeddings
    }

    /// The MLP width a token goes through (a mixture of experts runs several).
    public var activeIntermediateSize: Int { intermediateSize * max(expertsPerToken, 1) }

    /// The shape of one linear module LoRA can target: (in, out) features.
    public func moduleShape(_ module: LoRAModule) -> (Double, Double) {
        let h = Double(hiddenSize), q = Double(attentionHeads * headDim), kv = Double(kvHeads * headDim)
        let i = Double(intermediateSize)
        switch module {
        case .q: return (h, q)
        case .k, .v: return (h, kv)
        case .o: return (q, h)
        case .gate, .up: return (h, i)
        case .down: return (i, h)
        }
    }

    public var json: JSON {
        var o: JSON = [
            "id": .string(id), "params_billion": .double(paramsBillion), "num_layers": .int(layers),
            "hidden_size": .int(hiddenSize), "num_attention_heads": .int(attentionHeads),
            "num_key_value_heads": .int(kvHeads), "head_dim": .int(headDim),
            "intermediate_size": .int(intermediateSize), "vocab_size": .int(vocabSize),
            "max_context": .int(maxContext), "tie_word_embeddings": .bool(tiedEmbeddings),
            "gated": .bool(gated), "family": .string(family), "source": .string(source),
        ]
        if isEncoderDecoder { o["num_encoder_layers"] = .int(encoderLayers) }
        if mlpMatrices != 3 { o["mlp_matrices"] = .int(mlpMatrices) }
        if experts > 0 {
            o["num_experts"] = .int(experts)
            o["experts_per_token"] = .int(expertsPerToken)
        }
        if let note { o["note"] = .string(note) }
        return o
    }
}

/// A registry hit: the model and how the name was matched.
public struct ModelMatch: Sendable {
    public var model: ModelSpec
    /// "exact", "normalized" (case, hf://, -Instruct/-it/-Chat...), "name"
    /// (without the org) or "closest" (trailing name parts dropped).
    public var matchedBy: String
}

/// Lookup of models by the names people write: `hf://org/name`, `org/name`,
/// any case, with or without `-Instruct`/`-it`/`-Chat`/`-Base` and the org.
/// Offline by design: an unknown model is an error asking for params_billion.
public struct ModelRegistry: Sendable {
    public let models: [ModelSpec]
    /// Each model's id taken apart once (lookups run on every estimate).
    let names: [ModelName]

    public init(models: [ModelSpec]) {
        self.models = models
        names = models.map { ModelName($0.id) }
    }

    /// The registry shipped with the plugin.
    public static let shared: ModelRegistry = {
        guard let entries = try? JSON.parse(modelRegistryJSON).array else { return ModelRegistry(models: []) }
        return ModelRegistry(models: entries.compactMap(ModelRegistry.spec))
    }()

    static func spec(_ e: JSON) -> ModelSpec? {
        guard let id = e["id"]?.string, let params = e["params_billion"]?.double,
            let layers = e["num_layers"]?.int, let hidden = e["hidden_size"]?.int,
            let heads = e["num_attention_heads"]?.int, let inter = e["intermediate_size"]?.int,
            let vocab = e["vocab_size"]?.int
        else { return nil }
        return ModelSpec(
            id: id, paramsBillion: params, layers: layers, hiddenSize: hidden, attentionHeads: heads,
            kvHeads: e["num_key_value_heads"]?.int ?? heads, headDim: e["head_dim"]?.int ?? hidden / heads,
            intermediateSize: inter, vocabSize: vocab, maxContext: e["max_context"]?.int ?? 4096,
            tiedEmbeddings: e["tie_word_embeddings"]?.bool ?? false, gated: e["gated"]?.bool ?? false,
            experts: e["num_experts"]?.int ?? 0, expertsPerToken: e["experts_per_token"]?.int ?? 0,
            family: e["family"]?.string ?? "", source: e["source"]?.string ?? "", note: e["note"]?.string,
            encoderLayers: e["num_encoder_layers"]?.int ?? 0, mlpMatrices: e["mlp_matrices"]?.int ?? 3)
    }

    /// Finds a model, or nil. See `lookup` for the error a person sees.
    public func find(_ name: String) -> ModelMatch? {
        let wanted = ModelName(name)
        if let i = names.firstIndex(where: { $0.lowercasedID == wanted.lowercasedID }) {
            return ModelMatch(model: models[i], matchedBy: "exact")
        }
        if wanted.org != nil, let i = names.firstIndex(where: { $0.normalizedID == wanted.normalizedID }) {
            return ModelMatch(model: models[i], matchedBy: "normalized")
        }
        if let i = names.firstIndex(where: { $0.normalizedName == wanted.normalizedName }) {
            return ModelMatch(model: models[i], matchedBy: "name")
        }
        // Fine-tunes and repackagings keep the base name and add parts at the
        // end ("...-8B-Instruct-bnb-4bit", "...-7B-Math"): same architecture.
        var parts = wanted.normalizedName.split(separator: "-").map(String.init)
        while parts.count > 1 {
            parts.removeLast()
            let shorter = parts.joined(separator: "-")
            guard ModelName.hasSizeToken(shorter) else { break }
            if let i = names.firstIndex(where: { $0.normalizedName == shorter }) {
                return ModelMatch(model: models[i], matchedBy: "closest")
            }
        }
        return nil
    }

    /// Finds a model or throws the error that tells the user what to pass.
    public func lookup(_ name: String) throws -> ModelMatch {
        if let match = find(name) { return match }
        throw ToolError(
            "Model \(name) is not in the planner's registry of \(models.count) models. Pass params_billion (the parameter count in billions, e.g. 7.6) to estimate it from its size; see the registry with list_model_registry.",
            field: "model")
    }
}

/// A model name taken apart for matching.
struct ModelName: Sendable {
    let org: String?
    let lowercasedID: String
    let normalizedName: String
    var normalizedID: String { (org.map { $0 + "/" } ?? "") + normalizedName }

    /// Name parts that say how a model was tuned or published, not what it is.
    static let variantParts: Set<String> = ["instruct", "it", "chat", "hf", "base", "pt"]

    init(_ raw: String) {
        var s = raw.trimmingWhitespace().lowercased()
        for scheme in ["hf://", "huggingface://", "https://huggingface.co/"] where s.hasPrefix(scheme) {
            s = String(s.dropFirst(scheme.count))
        }
        while s.hasSuffix("/") { s.removeLast() }
        let pieces = s.split(separator: "/", maxSplits: 1).map(String.init)
        org = pieces.count == 2 ? pieces[0] : nil
        lowercasedID = s
        var name = pieces.last ?? s
        if name.hasPrefix("meta-llama-") { name = String(name.dropFirst("meta-".count)) }
        normalizedName = name.split(separator: "-").map(String.init)
            .filter { !Self.variantParts.contains($0) }.joined(separator: "-")
    }

    /// True when a name still carries a size ("8b", "0.5b", "135m", "8x7b").
    static func hasSizeToken(_ name: String) -> Bool {
        name.split(separator: "-").contains { part in
            guard let last = part.last, last == "b" || last == "m" else { return false }
            let number = part.dropLast().split(separator: "x").last ?? ""
            return !number.isEmpty && Double(number) != nil
        }
    }
}
