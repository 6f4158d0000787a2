import PluginKit

/// Where the job finds the model and the dataset. The Trainer's initializers
/// download them into /workspace/model and /workspace/dataset when the runtime
/// has initializer steps; the fallback runtime has none, so the trainer then
/// reads them from the Hugging Face Hub itself.
public struct TrainingSources: Equatable {
    public static let modelDirectory = "/workspace/model"
    public static let datasetDirectory = "/workspace/dataset"

    /// Hub repo id of the model, e.g. "meta-llama/Llama-3.2-1B-Instruct"; nil for s3:// sources.
    public var modelRepo: String?
    /// Hub repo id of the dataset, e.g. "tatsu-lab/alpaca".
    public var datasetRepo: String?
    /// The folder or file inside the dataset repo ("data", "train.json"), or nil for all of it.
    public var datasetSubpath: String?

    public init(_ request: JSON) throws {
        guard let model = request["model"]?.string else {
            throw ToolError("build_trainer needs model (a storage URI).", field: "model")
        }
        guard let dataset = request["dataset"]?.string else {
            throw ToolError("build_trainer needs dataset (a storage URI).", field: "dataset")
        }
        modelRepo = request["model_source"]?.string == "s3" ? nil : Self.repo(model)
        if request["dataset_source"]?.string == "s3" {
            datasetRepo = nil
        } else {
            datasetRepo = Self.repo(dataset)
            let parts = Self.path(dataset)
            datasetSubpath = parts.count > 2 ? parts.dropFirst(2).joined(separator: "/") : nil
        }
    }

    /// The folder or file named inside the dataset repo, from a request.
    public static func subpath(_ request: JSON) -> String? {
        (try? TrainingSources(request))?.datasetSubpath
    }

    /// Where the dataset-initializer put the part of the repo the user named.
    public var localDatasetPath: String {
        datasetSubpath.map { "\(Self.datasetDirectory)/\($0)" } ?? Self.datasetDirectory
    }

    /// The fallback runtime cannot fetch from S3: refuse before creating a job that would fail.
    public func checkFallback(runtime: String) throws {
        if modelRepo == nil {
            throw ToolError("The model is an s3:// URI, but runtime \(runtime) has no model initializer to fetch it. Use a HuggingFace model, or a runtime with initializers for this backend.",
                            field: "model")
        }
        if datasetRepo == nil {
            throw ToolError("The dataset is an s3:// URI, but runtime \(runtime) has no dataset initializer to fetch it. Use a HuggingFace dataset, or a runtime with initializers for this backend.",
                            field: "dataset")
        }
    }

    private static func path(_ uri: String) -> [String] {
        let bare = uri.hasPrefix("hf://") ? String(uri.dropFirst(5)) : uri
        return bare.split(separator: "/").map(String.init)
    }

    private static func repo(_ uri: String) -> String {
        path(uri).prefix(2).joined(separator: "/")
    }
}
