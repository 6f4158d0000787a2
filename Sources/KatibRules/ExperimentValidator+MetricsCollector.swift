import KFJSON

/// validateMetricsCollector.
extension ExperimentValidator {
    public func metricsCollectorProblems(_ spec: JSON?) -> [KatibFieldError] {
        var errors: [KatibFieldError] = []
        let mc = spec ?? [:]
        let kind = mc["collector"]?["kind"]?.string ?? ""
        let path = "spec.metricsCollectorSpec"
        if ["StdOut", "TensorFlowEvent", "File", "Prometheus"].contains(kind), case .failure(let missing) = config.metricsCollector(kind) {
            errors.append(.invalid("\(path).collector.kind", .string(kind), "GetMetricsCollectorConfigData failed: \(missing.message)"))
        }
        let source = mc["source"].flatMap { $0.isNull ? nil : $0 }
        let fsPath = source?["fileSystemPath"].flatMap { $0.isNull ? nil : $0 }
        let isAbsolute = { (p: JSON?) in (p?["path"]?.string ?? "").hasPrefix("/") }
        switch kind {
        case "Push", "StdOut": return errors
        case "File":
            if fsPath == nil || fsPath?["kind"] != "File" || !isAbsolute(fsPath) {
                errors.append(.required("\(path).source.fileSystemPath.path", "file path where metrics file exists is required"))
            }
            let format = fsPath?["format"]?.string ?? ""
            if format != "TEXT" && format != "JSON" {
                errors.append(.required("\(path).source.fileSystemPath.format", "format of metrics file is required for metrics collector"))
            }
            if format == "JSON", let filter = source?["filter"], !filter.isNull {
                errors.append(.invalid("\(path).source.filter", "", "filter must be nil when format of metrics file is json"))
            }
        case "TensorFlowEvent":
            if fsPath == nil || fsPath?["kind"] != "Directory" || !isAbsolute(fsPath) {
                errors.append(.required("\(path).source",
                                        "directory path where tensorflow event files exist is required by .spec.metricsCollectorSpec.source.fileSystemPath.path"))
            }
            if let format = fsPath?["format"]?.string, !format.isEmpty {
                errors.append(.invalid("\(path).source.fileSystemPath.format", .string(format), "must be empty"))
            }
        case "Prometheus":
            let port = ExperimentDefaulter.portText(source?["httpGet"]?["port"])
            if (Int(port) ?? 0) <= 0 {
                errors.append(.invalid("\(path).source.httpGet.port", .string(port),
                                       "must be a positive integer value for metrics collector kind: \(kind)"))
            }
            let httpPath = source?["httpGet"]?["path"]?.string ?? ""
            if !httpPath.hasPrefix("/") {
                errors.append(.invalid("\(path).source.httpGet.path", .string(httpPath), "path is invalid for metrics collector kind: \(kind)"))
            }
        case "Custom":
            if ExperimentDefaulter.isAbsent(mc["collector"]?["customCollector"]) {
                errors.append(.required("\(path).collector.customCollector", "metrics collector kind: \(kind) is required"))
            }
            if let fsPath, !isAbsolute(fsPath) || !["Directory", "File"].contains(fsPath["kind"]?.string ?? "") {
                errors.append(.invalid("\(path).source.fileSystemPath", "", ".spec.metricsCollectorSpec.source is invalid"))
            }
        default:
            errors.append(.invalid("\(path).collector.kind", .string(kind), "invalid metrics collector kind: \(kind)"))
        }
        for format in (source?["filter"]?["metricsFormat"]?.array ?? []).compactMap(\.string) {
            if let compiles = regexCompiles, !compiles(format) {
                errors.append(.invalid("\(path).source.filter.metricsFormat", .string(format), "invalid filter: error parsing regexp"))
            } else if !Self.hasTwoGroups(format) {
                errors.append(.invalid("\(path).source.filter.metricsFormat", .string(format), "two top subexpressions are required"))
            }
        }
        return errors
    }

    /// `.*\(.*\).*\(.*\).*`: an opening and a closing parenthesis, twice, in that order.
    static func hasTwoGroups(_ pattern: String) -> Bool {
        var wanted: [Character] = ["(", ")", "(", ")"]
        for c in pattern where !wanted.isEmpty && c == wanted[0] { wanted.removeFirst() }
        return wanted.isEmpty
    }
}
