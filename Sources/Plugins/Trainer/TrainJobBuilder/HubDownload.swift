import PluginKit

/// run_custom_training's model and dataset on a runtime without initializer steps (stock
/// torch-distributed), where v2.3.0 denies `spec.initializer`: the training script fetches them
/// from the Hugging Face Hub itself, into the directories the initializers would have used
/// (/workspace/model, /workspace/dataset), with the initializers' ignore patterns, before the
/// function runs. `huggingface_hub` reads the token from HF_TOKEN.
enum HubDownload {
    static let package = "huggingface_hub"

    static func directory(_ role: InitializerSource.Role) -> String { "/workspace/\(role.rawValue)" }

    /// A double-quoted Python string literal (JSON's escapes are Python's), so the code needs no
    /// single quotes and its shell quoting stays readable.
    private static func py(_ s: String) -> String { JSON.string(s).serialized() }

    /// Shell lines, one `python -c` per source; empty for none.
    static func script(_ sources: [InitializerSource]) -> String {
        sources.map { source in
            let bare = source.storageUri.replacing("hf://", with: "")
            let parts = bare.split(separator: "/").map(String.init)
            var call = "snapshot_download(repo_id=\(py(parts.prefix(2).joined(separator: "/")))"
                + ", repo_type=\(py(source.role == .model ? "model" : "dataset"))"
                + ", local_dir=\(py(directory(source.role)))"
            if parts.count > 2 {
                let sub = parts.dropFirst(2).joined(separator: "/")
                call += ", allow_patterns=[\(py(sub)), \(py(sub + "/*"))]"
            }
            if let ignore = source.ignorePatterns, !ignore.isEmpty {
                call += ", ignore_patterns=[\(ignore.map(py).joined(separator: ", "))]"
            }
            let code = "from huggingface_hub import snapshot_download; \(call))"
            return "echo \(ShellQuote.quote("Downloading \(source.storageUri) to \(directory(source.role))"))\n"
                + "python -c \(ShellQuote.quote(code)) || exit 1\n"
        }.joined()
    }
}
