/// What one micro-batch's activations take, layer by layer, for a decoder-only or an
/// encoder-decoder model (MemoryModel adds checkpointing, offloading and the backend's
/// memory factor).
///
/// Per token and layer: MemoryModel's layer coefficients (after Korthikanti et al.,
/// arXiv:2205.05198 §4.1). An encoder-decoder's decoder layer also runs cross-attention:
/// its query side (input, query, context and output-projection input: ~7 bytes × hidden
/// per target token at 16-bit) and the keys and values it projects from the encoder's
/// output (4 bytes × hidden per source token). T5's relative position bias is added to
/// the attention scores, which transformers computes in eager attention (T5Attention), so
/// the scores, their softmax and dropout mask stay: 5 bytes × heads × query × key length
/// per sequence (the paper's 5as²b).
struct ActivationMemory {
    /// Tokens through the decoder (the only stack of a decoder-only model), which the logits cover.
    let decoderTokens: Double
    let encoderTokens: Double
    /// One decoder layer's and one encoder layer's working set, in bytes.
    let decoderLayer: Double
    let encoderLayer: Double
    let layers: Double
    let encoderLayers: Double
    /// What a checkpointed layer keeps: its input (2 bytes × hidden per token at 16-bit).
    let checkpoints: Double

    static let crossAttentionQueryCoefficient = 7.0
    static let crossAttentionKeyValueCoefficient = 4.0
    static let attentionScoreBytes = 5.0

    init(model: ModelSpec, request r: MemoryRequest, computeBytes: Double) {
        let scale = computeBytes / 2
        let hidden = Double(model.hiddenSize)
        // DPO runs chosen and rejected completions as one batch (TRL's concatenated_forward).
        let sequences = Double(r.batchSize) * (r.preference ? 2 : 1)
        let sourceLength = Double(r.seqLen)
        let targetLength = model.isEncoderDecoder ? Double(r.targetLen ?? r.seqLen) : sourceLength
        decoderTokens = sequences * targetLength
        encoderTokens = model.isEncoderDecoder ? sequences * sourceLength : 0
        let perToken = (MemoryModel.layerHiddenCoefficient * hidden
            + MemoryModel.layerMLPCoefficient * Double(model.activeIntermediateSize)) * scale
        func scores(_ queries: Double, _ keys: Double) -> Double {
            model.isEncoderDecoder
                ? Self.attentionScoreBytes * Double(model.attentionHeads) * sequences * queries * keys * scale : 0
        }
        var decoder = decoderTokens * perToken + scores(targetLength, targetLength)
        if model.isEncoderDecoder {
            decoder += (decoderTokens * Self.crossAttentionQueryCoefficient + encoderTokens * Self.crossAttentionKeyValueCoefficient)
                * hidden * scale + scores(targetLength, sourceLength)
        }
        decoderLayer = decoder
        encoderLayer = encoderTokens * perToken + scores(sourceLength, sourceLength)
        layers = Double(model.layers)
        encoderLayers = Double(model.encoderLayers)
        checkpoints = (decoderTokens * layers + encoderTokens * encoderLayers)
            * MemoryModel.checkpointBytesPerHidden * hidden * scale
    }

    /// Every layer's working set kept (no checkpointing).
    var allLayers: Double { decoderLayer * layers + encoderLayer * encoderLayers }
    /// The largest layer's, recomputed one at a time (checkpointing).
    var largestLayer: Double { max(decoderLayer, encoderLayer) }
}
