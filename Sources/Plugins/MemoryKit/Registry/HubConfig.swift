import CCurl
import PluginKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A model's architecture from its Hugging Face Hub `config.json`, for models
/// outside the registry. The Hub is outside the cluster, so this does not go
/// through the host's Kubernetes client: the planning plugin fetches it itself
/// (libcurl, already loaded by the host) and estimate_resources is marked
/// open-world. Answers are cached on disk, so a model is fetched once.
///
/// Environment: `HF_ENDPOINT` (the Hub's base URL, as huggingface_hub reads
/// it; tests point it at a local fake hub), `HF_HUB_OFFLINE=1` (never fetch),
/// `KFMCP_HF_CACHE_DIR` (default `$XDG_CACHE_HOME/kubeflow-mcp/hf-configs`,
/// else `~/.cache/kubeflow-mcp/hf-configs`).
public struct HubConfig: Sendable {
    public var baseURL: String
    public var cacheDirectory: String?
    public var offline: Bool

    public enum Lookup: Sendable {
        case found(ModelSpec, cached: Bool)
        /// Not fetched (offline) or not fetchable; the sentence says why.
        case unavailable(String)
    }

    static let maxConfigBytes = 1 << 20

    public init(baseURL: String = "https://huggingface.co", cacheDirectory: String?, offline: Bool) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.cacheDirectory = cacheDirectory
        self.offline = offline
    }

    /// From the process environment (read per call: four getenv calls, not the whole environment).
    public static func fromEnvironment() -> HubConfig {
        var env: [String: String] = [:]
        for key in ["KFMCP_HF_CACHE_DIR", "XDG_CACHE_HOME", "HOME", "HF_HUB_OFFLINE", "HF_ENDPOINT"] {
            if let value = getenv(key) { env[key] = String(cString: value) }
        }
        return fromEnvironment(env)
    }

    public static func fromEnvironment(_ env: [String: String]) -> HubConfig {
        let cache = env["KFMCP_HF_CACHE_DIR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 + "/kubeflow-mcp/hf-configs" }
            ?? env["HOME"].map { $0 + "/.cache/kubeflow-mcp/hf-configs" }
        let offline = ["1", "true", "yes", "on"].contains((env["HF_HUB_OFFLINE"] ?? "").lowercased())
        return HubConfig(baseURL: env["HF_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://huggingface.co",
                         cacheDirectory: cache, offline: offline)
    }

    /// "org/name" when the text is a Hub repository id and nothing else (it
    /// goes into a URL and a file name); nil otherwise.
    public static func repositoryID(_ raw: String) -> String? {
        var s = raw.trimmingWhitespace()
        for scheme in ["hf://", "huggingface://", "https://huggingface.co/"] where s.lowercased().hasPrefix(scheme) {
            s = String(s.dropFirst(scheme.count))
        }
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        for part in parts {
            guard let first = part.first, first.isASCII, first.isLetter || first.isNumber, part.count <= 96,
                !part.contains(".."), !part.hasSuffix("."),
                part.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") })
            else { return nil }
        }
        return s
    }

    /// The cached config, else (online, and `fetch`) the Hub's.
    public func lookup(_ raw: String, fetch shouldFetch: Bool = true) -> Lookup {
        guard let id = Self.repositoryID(raw) else {
            return .unavailable("\(raw) is not a Hugging Face repository id (org/name)")
        }
        if let cached = readCache(id), let spec = Self.spec(id: id, config: cached, source: sourceURL(id)) {
            return .found(spec, cached: true)
        }
        if offline { return .unavailable("HF_HUB_OFFLINE is set, so the Hugging Face Hub was not asked") }
        if !shouldFetch { return .unavailable("not cached") }
        switch fetch("\(baseURL)/\(id)/resolve/main/config.json") {
        case .failure(let failure):
            return .unavailable(failure.reason)
        case .success(let text):
            guard let config = try? JSON.parse(text), let spec = Self.spec(id: id, config: config, source: sourceURL(id)) else {
                return .unavailable("\(id)'s config.json on the Hub does not describe a decoder (hidden_size, num_hidden_layers, num_attention_heads, vocab_size)")
            }
            writeCache(id, text)
            return .found(spec, cached: false)
        }
    }

    func sourceURL(_ id: String) -> String { "\(baseURL)/\(id)/blob/main/config.json" }

    /// The memory model's view of a transformers config.json (multimodal: its text_config).
    public static func spec(id: String, config: JSON, source: String) -> ModelSpec? {
        let c = config["text_config"].flatMap { $0.isNull ? nil : $0 } ?? config
        func int(_ keys: String...) -> Int? {
            for k in keys { if let v = c[k]?.int ?? config[k]?.int, v > 0 { return v } }
            return nil
        }
        // Encoder-decoders (T5: num_layers + num_decoder_layers; BART: encoder_layers + decoder_layers).
        let encoderDecoder = config["is_encoder_decoder"]?.bool == true
        let encoderLayers = encoderDecoder ? int("encoder_layers", "num_layers") ?? 0 : 0
        guard let hidden = int("hidden_size", "n_embd", "d_model"),
            let layers = encoderDecoder ? int("decoder_layers", "num_decoder_layers", "num_layers")
                : int("num_hidden_layers", "n_layer", "num_layers"),
            let heads = int("num_attention_heads", "n_head", "num_heads", "decoder_attention_heads"), let vocab = int("vocab_size"),
            hidden <= 65536, layers <= 1024, encoderLayers <= 1024, heads <= 1024, vocab <= 4_000_000
        else { return nil }
        let experts = int("num_local_experts", "num_experts", "n_routed_experts") ?? 0
        let intermediate = (experts > 0 ? int("moe_intermediate_size") : nil)
            ?? int("intermediate_size", "ffn_hidden_size", "n_inner", "d_ff", "decoder_ffn_dim") ?? 4 * hidden
        let tied = c["tie_word_embeddings"]?.bool ?? config["tie_word_embeddings"]?.bool ?? false
        var spec = ModelSpec(
            id: id, paramsBillion: 0, layers: layers, hiddenSize: hidden, attentionHeads: heads,
            kvHeads: int("num_key_value_heads", "multi_query_group_num") ?? heads, headDim: int("head_dim", "d_kv") ?? hidden / heads,
            intermediateSize: intermediate, vocabSize: vocab,
            maxContext: int("max_position_embeddings", "n_positions", "seq_length") ?? 4096,
            tiedEmbeddings: tied, gated: false, experts: experts, expertsPerToken: experts > 0 ? int("num_experts_per_tok") ?? 2 : 0,
            family: c["model_type"]?.string ?? config["model_type"]?.string ?? "unknown", source: source,
            note: "Read from the Hugging Face Hub's config.json; parameter count computed from its layer figures.",
            encoderLayers: encoderLayers,
            // T5 v1.1 and mT5 gate their MLP ("gated-gelu"); BART and the original T5 do not.
            mlpMatrices: encoderDecoder && !(config["feed_forward_proj"]?.string ?? "").hasPrefix("gated") ? 2 : 3)
        spec.paramsBillion = rounded(spec.computedParameters / 1e9, 2)
        return spec.paramsBillion > 0 ? spec : nil
    }

    // MARK: Cache: one file per repository ("org--name.json").

    func cachePath(_ id: String) -> String? {
        cacheDirectory.map { $0 + "/" + id.replacing("/", with: "--") + ".json" }
    }

    func readCache(_ id: String) -> JSON? {
        guard let path = cachePath(id), let bytes = Self.readFile(path, limit: Self.maxConfigBytes) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.utf8.elementsEqual(bytes) else { return nil }  // not UTF-8 (decoding repaired it)
        return try? JSON.parse(text)
    }

    func writeCache(_ id: String, _ text: String) {
        guard let dir = cacheDirectory, let path = cachePath(id) else { return }
        Self.makeDirectories(dir)
        // Written whole, then renamed: a concurrent reader never sees half a file.
        let temporary = path + ".\(getpid()).tmp"
        guard Self.writeFile(temporary, Array(text.utf8)) else { unlink(temporary); return }
        if rename(temporary, path) != 0 { unlink(temporary) }
    }

    // With libc rather than Foundation's FileManager, so the plugin does not link libFoundation.

    /// The file's bytes; nil when it cannot be read or holds more than `limit` bytes.
    static func readFile(_ path: String, limit: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return nil }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<n])
            if bytes.count > limit { return nil }
        }
    }

    /// The whole of `bytes` in a new (or truncated) file; false on any failure.
    static func writeFile(_ path: String, _ bytes: [UInt8]) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard fd >= 0 else { return false }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { close(fd); return false }
            done += n
        }
        return close(fd) == 0
    }

    /// `mkdir -p`: each missing directory on the way, as FileManager's createDirectory does.
    static func makeDirectories(_ path: String) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o777) != 0 && errno != EEXIST { return }
            prefix += "/"
        }
    }

    // MARK: One GET with libcurl.

    final class Body {
        var bytes: [UInt8] = []
        var overflow = false
    }

    /// A fetch that did not give a config: the sentence says why.
    struct FetchFailure: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    func fetch(_ url: String) -> Result<String, FetchFailure> {
        guard let h = curl_easy_init() else { return .failure(FetchFailure("libcurl could not start a request")) }
        defer { curl_easy_cleanup(h) }
        let body = Body()
        let result: CURLcode = url.withCString { cURL in
            _ = kfcurl_setopt_pointer(h, CURLOPT_URL, cURL)
            _ = kfcurl_setopt_long(h, CURLOPT_NOSIGNAL, 1)
            _ = kfcurl_setopt_long(h, CURLOPT_FOLLOWLOCATION, 1)
            _ = kfcurl_setopt_long(h, CURLOPT_MAXREDIRS, 5)
            _ = kfcurl_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, 3000)
            _ = kfcurl_setopt_long(h, CURLOPT_TIMEOUT_MS, 10000)
            // Only http(s), also after a redirect.
            _ = kfcurl_setopt_long(h, CURLOPT_PROTOCOLS, Int(CURLPROTO_HTTP | CURLPROTO_HTTPS))
            _ = kfcurl_setopt_long(h, CURLOPT_REDIR_PROTOCOLS, Int(CURLPROTO_HTTP | CURLPROTO_HTTPS))
            _ = "kubeflow-mcp-planning/1".withCString { kfcurl_setopt_pointer(h, CURLOPT_USERAGENT, $0) }
            _ = kfcurl_setopt_pointer(h, CURLOPT_WRITEDATA, Unmanaged.passUnretained(body).toOpaque())
            _ = kfcurl_setopt_write_callback(h, CURLOPT_WRITEFUNCTION) { data, size, count, user in
                let body = Unmanaged<Body>.fromOpaque(user!).takeUnretainedValue()
                let n = size * count
                guard body.bytes.count + n <= HubConfig.maxConfigBytes else {
                    body.overflow = true
                    return 0
                }
                data.map { body.bytes.append(contentsOf: UnsafeRawBufferPointer(start: $0, count: n)) }
                return n
            }
            return curl_easy_perform(h)
        }
        var status = 0
        _ = kfcurl_getinfo_long(h, CURLINFO_RESPONSE_CODE, &status)
        if body.overflow { return .failure(FetchFailure("the Hub's config.json is larger than 1 MB")) }
        guard result == CURLE_OK else {
            return .failure(FetchFailure("the Hugging Face Hub (\(baseURL)) could not be reached: \(String(cString: curl_easy_strerror(result)))"))
        }
        switch status {
        case 200: return .success(String(decoding: body.bytes, as: UTF8.self))
        case 401, 403: return .failure(FetchFailure("the Hub refused config.json (HTTP \(status)): the model is gated or private"))
        case 404: return .failure(FetchFailure("the Hub has no such model (HTTP 404)"))
        default: return .failure(FetchFailure("the Hub answered HTTP \(status)"))
        }
    }
}
