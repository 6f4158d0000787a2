import Foundation
import KFJSON

/// `/openapi/v3` (index and one document per group/version) and `/openapi/v2`, built from the
/// resource catalog: the Trainer CRDs' own `openAPIV3Schema`, and open object schemas for the
/// core types. Every create/update/patch declares the `fieldValidation` query parameter, so
/// kubectl (`create -f`, `apply`) leaves validation to the server (`fieldValidation=Strict`)
/// instead of asking for `--validate=false`.
enum OpenAPIDocuments {
    /// The document for a path under /openapi, or nil (404).
    static func document(path: String) -> JSON? {
        let parts = path.split(separator: "/").map(String.init)
        guard parts.first == "openapi", parts.count >= 2 else { return nil }
        if parts[1] == "v2", parts.count == 2 { return swagger() }
        guard parts[1] == "v3" else { return nil }
        if parts.count == 2 { return index() }
        let gvPath = parts.dropFirst(2).joined(separator: "/")
        guard let gv = groupVersions.first(where: { relativePath($0.group, $0.version) == gvPath }) else { return nil }
        return openAPI3(group: gv.group, version: gv.version)
    }

    private static var groupVersions: [(group: String, version: String)] {
        [("", "v1")] + ResourceCatalog.groupVersions
    }

    private static func relativePath(_ group: String, _ version: String) -> String {
        group.isEmpty ? "api/\(version)" : "apis/\(group)/\(version)"
    }

    private static func index() -> JSON {
        var paths: [String: JSON] = [:]
        for gv in groupVersions {
            let rel = relativePath(gv.group, gv.version)
            paths[rel] = ["serverRelativeURL": .string("/openapi/v3/\(rel)?hash=\(hash(rel))")]
        }
        return ["paths": .object(paths)]
    }

    /// Stable per build: documents change only with the catalog.
    private static func hash(_ text: String) -> String {
        let h = text.utf8.reduce(UInt64(1469598103934665603)) { ($0 ^ UInt64($1)) &* 1099511628211 }
        return String(h, radix: 16, uppercase: true)
    }

    private static func types(_ group: String, _ version: String) -> [ResourceType] {
        ResourceCatalog.stored.filter { $0.group == group && $0.version == version }
    }

    /// `io.k8s.api.core.v1.Pod`, `org.kubeflow.trainer.v1alpha1.TrainJob`.
    static func definitionName(_ type: ResourceType) -> String {
        if type.group.isEmpty { return "io.k8s.api.core.\(type.version).\(type.kind)" }
        return type.group.split(separator: ".").reversed().joined(separator: ".") + ".\(type.version).\(type.kind)"
    }

    private static func gvk(_ type: ResourceType) -> JSON {
        ["group": .string(type.group), "version": .string(type.version), "kind": .string(type.kind)]
    }

    /// The CRD's schema, descriptions included (what `kubectl explain` prints), for Trainer types;
    /// an open object for the rest. Read per request: only explain and validation clients ask.
    private static func schema(_ type: ResourceType, openOnly: Bool) -> JSON {
        var schema: JSON = [
            "type": "object",
            "properties": ["apiVersion": ["type": "string"], "kind": ["type": "string"], "metadata": ["type": "object"]],
            "x-kubernetes-preserve-unknown-fields": true,
        ]
        if !openOnly, type.group == ResourceCatalog.trainerGroup,
           let data = try? BundledResources.data("schemas/described/\(type.plural).json"),
           let crdSchema = try? JSON.parse(utf8: data) {
            schema = crdSchema
        }
        schema["x-kubernetes-group-version-kind"] = [gvk(type)]
        return schema
    }

    private static func operations(_ type: ResourceType, swagger: Bool) -> [String: JSON] {
        let ref: JSON = swagger ? ["$ref": .string("#/definitions/\(definitionName(type))")]
            : ["$ref": .string("#/components/schemas/\(definitionName(type))")]
        let fieldValidation: JSON = swagger
            ? ["name": "fieldValidation", "in": "query", "type": "string", "uniqueItems": true]
            : ["name": "fieldValidation", "in": "query", "schema": ["type": "string", "uniqueItems": true]]
        let response: JSON = swagger ? ["200": ["description": "OK", "schema": ref]]
            : ["200": ["description": "OK", "content": ["application/json": ["schema": ref]]]]
        func op(_ verb: String, _ action: String, validates: Bool) -> JSON {
            var o: JSON = ["operationId": .string(verb + type.kind), "responses": response,
                           "x-kubernetes-action": .string(action), "x-kubernetes-group-version-kind": gvk(type)]
            if validates { o["parameters"] = [fieldValidation] }
            return o
        }
        let prefix = "/" + relativePath(type.group, type.version) + (type.namespaced ? "/namespaces/{namespace}" : "")
        return [
            prefix + "/" + type.plural: ["get": op("list", "list", validates: false), "post": op("create", "post", validates: true)],
            prefix + "/" + type.plural + "/{name}": [
                "get": op("read", "get", validates: false), "put": op("replace", "put", validates: true),
                "patch": op("patch", "patch", validates: true), "delete": op("delete", "delete", validates: false),
            ],
        ]
    }

    private static func openAPI3(group: String, version: String) -> JSON {
        var paths: [String: JSON] = [:]
        var schemas: [String: JSON] = [:]
        for type in types(group, version) {
            paths.merge(operations(type, swagger: false)) { a, _ in a }
            schemas[definitionName(type)] = schema(type, openOnly: false)
        }
        return ["openapi": "3.0.0", "info": ["title": "Kubernetes", "version": "v1.32.0"],
                "paths": .object(paths), "components": ["schemas": .object(schemas)]]
    }

    private static func swagger() -> JSON {
        var paths: [String: JSON] = [:]
        var definitions: [String: JSON] = [:]
        for gv in groupVersions {
            for type in types(gv.group, gv.version) {
                paths.merge(operations(type, swagger: true)) { a, _ in a }
                definitions[definitionName(type)] = schema(type, openOnly: true)
            }
        }
        return ["swagger": "2.0", "info": ["title": "Kubernetes", "version": "v1.32.0"],
                "paths": .object(paths), "definitions": .object(definitions)]
    }
}
