import Foundation
import KFJSON

/// Reads the `application/vnd.kubernetes.protobuf` bodies kubectl's typed clients send
/// (`kubectl create namespace|secret|configmap|serviceaccount`): the `k8s\0` envelope
/// (runtime.Unknown), then the object's metadata and data fields; and the SelfSubjectAccessReview
/// `kubectl auth can-i` sends. Kinds it does not know
/// get 415, as kube-apiserver answers media types a resource does not speak.
enum ProtobufBody {
    static func decode(_ body: Data) throws(APIError) -> JSON {
        let bytes = [UInt8](body)
        guard bytes.count >= 4, bytes[0...3] == [0x6b, 0x38, 0x73, 0x00] else { throw APIError.protobufUnsupported }
        var apiVersion = "", kind = "", raw: [UInt8] = []
        for (field, value) in try fields(bytes[4...]) {
            if field == 1, case .bytes(let typeMeta) = value {
                for (f, v) in try fields(typeMeta[...]) {
                    if f == 1 { apiVersion = v.string } else if f == 2 { kind = v.string }
                }
            } else if field == 2, case .bytes(let r) = value {
                raw = r
            }
        }
        if apiVersion == "authorization.k8s.io/v1" && kind == "SelfSubjectAccessReview" {
            return try selfSubjectAccessReview(raw)
        }
        var object: [String: JSON] = ["apiVersion": .string(apiVersion), "kind": .string(kind)]
        let known: Set<String> = ["Namespace", "Secret", "ConfigMap", "ServiceAccount"]
        guard apiVersion == "v1", known.contains(kind) else { throw APIError.protobufUnsupported }
        var data: [String: JSON] = [:], stringData: [String: JSON] = [:]
        for (field, value) in try fields(raw[...]) {
            switch (field, value) {
            case (1, .bytes(let meta)): object["metadata"] = try metadata(meta)
            case (2, .bytes(let entry)) where kind == "Secret":
                let (k, v) = try mapEntry(entry)
                data[k] = .string(Data(v).base64EncodedString())
            case (2, .bytes(let entry)) where kind == "ConfigMap":
                let (k, v) = try mapEntry(entry)
                data[k] = .string(String(decoding: v, as: UTF8.self))
            case (3, .bytes(let t)) where kind == "Secret": object["type"] = .string(String(decoding: t, as: UTF8.self))
            case (4, .bytes(let entry)) where kind == "Secret":
                let (k, v) = try mapEntry(entry)
                stringData[k] = .string(String(decoding: v, as: UTF8.self))
            default: break
            }
        }
        if !data.isEmpty { object["data"] = .object(data) }
        if !stringData.isEmpty { object["stringData"] = .object(stringData) }
        return .object(object)
    }

    /// `kubectl auth can-i`: spec (2) → resourceAttributes (1: namespace, verb, group, version,
    /// resource, subresource, name) or nonResourceAttributes (2: path, verb), per
    /// k8s.io/api/authorization/v1/generated.proto.
    private static func selfSubjectAccessReview(_ raw: [UInt8]) throws(APIError) -> JSON {
        var spec: [String: JSON] = [:]
        for case (2, .bytes(let specBytes)) in try fields(raw[...]) {
            for case let (field, .bytes(attributes)) in try fields(specBytes[...]) {
                let names = field == 1 ? ["namespace", "verb", "group", "version", "resource", "subresource", "name"]
                    : field == 2 ? ["path", "verb"] : []
                var out: [String: JSON] = [:]
                for (f, v) in try fields(attributes[...]) where f >= 1 && f <= names.count {
                    out[names[f - 1]] = .string(v.string)
                }
                if !names.isEmpty { spec[field == 1 ? "resourceAttributes" : "nonResourceAttributes"] = .object(out) }
            }
        }
        return ["apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "metadata": [:],
                "spec": .object(spec)]
    }

    private static func metadata(_ bytes: [UInt8]) throws(APIError) -> JSON {
        var meta: [String: JSON] = [:]
        var labels: [String: JSON] = [:], annotations: [String: JSON] = [:]
        for (field, value) in try fields(bytes[...]) {
            switch field {
            case 1: meta["name"] = .string(value.string)
            case 2: meta["generateName"] = .string(value.string)
            case 3: meta["namespace"] = .string(value.string)
            case 11, 12:
                guard case .bytes(let entry) = value else { continue }
                let (k, v) = try mapEntry(entry)
                if field == 11 { labels[k] = .string(String(decoding: v, as: UTF8.self)) }
                else { annotations[k] = .string(String(decoding: v, as: UTF8.self)) }
            default: break
            }
        }
        if !labels.isEmpty { meta["labels"] = .object(labels) }
        if !annotations.isEmpty { meta["annotations"] = .object(annotations) }
        return .object(meta)
    }

    private static func mapEntry(_ bytes: [UInt8]) throws(APIError) -> (String, [UInt8]) {
        var key = "", value: [UInt8] = []
        for (field, v) in try fields(bytes[...]) {
            if field == 1 { key = v.string } else if field == 2, case .bytes(let b) = v { value = b }
        }
        return (key, value)
    }

    enum Value {
        case varint(UInt64)
        case bytes([UInt8])
        case fixed

        var string: String { if case .bytes(let b) = self { return String(decoding: b, as: UTF8.self) }; return "" }
    }

    /// The (field number, value) pairs of one message, in order.
    static func fields(_ bytes: ArraySlice<UInt8>) throws(APIError) -> [(Int, Value)] {
        var out: [(Int, Value)] = []
        var i = bytes.startIndex
        func varint() throws(APIError) -> UInt64 {
            var result: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard i < bytes.endIndex, shift < 64 else { throw APIError.badRequest("protobuf body is truncated") }
                let b = bytes[i]
                i += 1
                result |= UInt64(b & 0x7f) << shift
                if b & 0x80 == 0 { return result }
                shift += 7
            }
        }
        while i < bytes.endIndex {
            let key = try varint()
            let field = Int(key >> 3)
            switch key & 7 {
            case 0: out.append((field, .varint(try varint())))
            case 1, 5:
                let width = key & 7 == 1 ? 8 : 4
                guard bytes.endIndex - i >= width else { throw APIError.badRequest("protobuf body is truncated") }
                i += width
                out.append((field, .fixed))
            case 2:
                let length = try varint()
                guard length <= UInt64(bytes.endIndex - i) else { throw APIError.badRequest("protobuf body is truncated") }
                let end = i + Int(length)
                out.append((field, .bytes(Array(bytes[i..<end]))))
                i = end
            default: throw APIError.badRequest("protobuf body has an unsupported wire type")
            }
        }
        return out
    }
}
