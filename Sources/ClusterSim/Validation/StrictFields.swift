import KFJSON

/// `fieldValidation=Strict` (kubectl's default for create/replace/apply): fields the schema
/// pruned are an error, as kube-apiserver's strict decoding reports them.
enum StrictFields {
    /// Dotted paths present in `sent` and gone from `stored` (pruned as unknown).
    static func unknown(sent: JSON, stored: JSON, path: String = "") -> [String] {
        switch (sent, stored) {
        case (.object(let a), .object(let b)):
            return a.keys.sorted().flatMap { key -> [String] in
                let child = path.isEmpty ? key : path + "." + key
                guard let kept = b[key] else { return [child] }
                return unknown(sent: a[key]!, stored: kept, path: child)
            }
        case (.array(let a), .array(let b)):
            return zip(a, b).enumerated().flatMap { i, pair in unknown(sent: pair.0, stored: pair.1, path: "\(path)[\(i)]") }
        default:
            return []
        }
    }

    /// The unknown fields of a write (a Secret's `stringData` is folded into `data`, not unknown).
    static func fields(_ type: ResourceType, sent: JSON, stored: JSON) -> [String] {
        guard type.kind != "Secret" else { return [] }
        return unknown(sent: sent, stored: stored).filter { !$0.hasPrefix("status") && !$0.hasPrefix("metadata") }
    }

    static func check(_ type: ResourceType, sent: JSON, stored: JSON) throws(APIError) {
        let fields = fields(type, sent: sent, stored: stored)
        guard !fields.isEmpty else { return }
        let list = fields.map { "unknown field \"\($0)\"" }.joined(separator: ", ")
        throw APIError.badRequest("\(type.kind) in version \"\(type.version)\" cannot be handled as a \(type.kind): "
                                      + "strict decoding error: \(list)")
    }
}
