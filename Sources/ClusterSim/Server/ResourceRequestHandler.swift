import FlyingFox
import Foundation
import KFJSON

/// One request against a resource path: authorize, then get/list/watch/create/update/patch/delete.
struct ResourceRequestHandler {
    let api: APIHandler
    let target: APIPath.ResourcePath
    let method: String
    let query: QueryParameters
    let body: Data
    let contentType: String
    let user: SimUser
    /// The Accept header: `as=Table` asks for server-side printing (kubectl get).
    var accept = ""

    private var type: ResourceType { target.type }
    private var store: ObjectStore { api.store }
    /// The namespace an object lives in (nil for cluster-scoped types and all-namespace lists).
    private var namespace: String? { type.namespaced ? target.namespace : nil }

    func respond() async throws -> HTTPResponse {
        if type == ResourceCatalog.accessReviews || type == ResourceCatalog.subjectReviews {
            guard method == "POST", target.name == nil else { throw APIError.methodNotAllowed() }
            if type == ResourceCatalog.subjectReviews { return Responses.json(api.authorizer.whoAmI(user), status: 201) }
            return Responses.json(api.authorizer.review(try parseBody(), user: user), status: 201)
        }
        if type == ResourceCatalog.tokenReviews {
            guard method == "POST", target.name == nil else { throw APIError.methodNotAllowed() }
            return Responses.json(try api.authorizer.tokenReview(try parseBody(), reviewer: user), status: 201)
        }
        let verb = try self.verb()
        let attributes = RequestAttributes(verb: verb, type: type, subresource: target.subresource,
                                           namespace: namespace, name: target.name)
        guard api.authorizer.allows(user, attributes) else {
            throw APIError.forbidden(type, name: target.name, user: user.name, verb: verb,
                                     subresource: target.subresource, namespace: namespace)
        }
        if let sub = target.subresource, !(sub == "status" && type.hasStatus),
           !(sub == "log" && type == ResourceCatalog.pods && verb == "get") {
            throw APIError.pathNotFound()
        }
        switch (verb, target.subresource) {
        case ("get", "log"): return try PodLogs(api: api, namespace: target.namespace ?? "", pod: target.name ?? "",
                                                query: query).respond()
        case ("get", _) where TableOutput.wanted(accept: accept):
            let object = try existing().object
            return Responses.json(TableOutput.table(type, [object], resourceVersion: object.resourceVersion))
        case ("get", _): return Responses.json(try existing().text)
        case ("list", _): return try list()
        case ("watch", _): return try watch()
        case ("create", _): return try create()
        case ("update", _): return try replace()
        case ("patch", _): return try patch()
        case ("delete", _): return try delete()
        case ("deletecollection", _): return try deleteCollection()
        default: throw APIError.methodNotAllowed()
        }
    }

    private func verb() throws(APIError) -> String {
        switch (method, target.name) {
        case ("GET", nil): return query.bool("watch") ? "watch" : "list"
        case ("GET", _): return "get"
        case ("POST", nil): return "create"
        case ("PUT", _?): return "update"
        case ("PATCH", _?): return "patch"
        case ("DELETE", nil): return "deletecollection"
        case ("DELETE", _?): return "delete"
        default: throw APIError.methodNotAllowed()
        }
    }

    private func parseBody() throws(APIError) -> JSON {
        if contentType.contains("protobuf") { return try ProtobufBody.decode(body) }
        do { return try JSON.parse(utf8: body) } catch {
            throw APIError.badRequest("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml: \(error)")
        }
    }

    private func existing() throws(APIError) -> StoredObject {
        guard let name = target.name, let obj = store.get(type, namespace: namespace, name: name) else {
            throw APIError.notFound(type, target.name ?? "")
        }
        return obj
    }

    private func selectors() throws(APIError) -> (LabelSelector?, FieldSelector?) {
        let labels = try query["labelSelector"].map { (s: String) throws(APIError) in try LabelSelector(parsing: s) }
        let fields = try query["fieldSelector"].map { (s: String) throws(APIError) in try FieldSelector(parsing: s) }
        try fields?.check(for: type)
        return (labels, fields)
    }

    // MARK: Reads

    /// LIST with selectors and `limit`/`continue` paging. The continue token is the
    /// base64 of the last key returned; the next page starts after it.
    private func list() throws(APIError) -> HTTPResponse {
        let (labels, fields) = try selectors()
        let (all, revision) = store.list(type, namespace: namespace)
        var items = all.filter { (labels?.matches($0.labels) ?? true) && (fields?.matches($0.object) ?? true) }
        if let token = query["continue"], !token.isEmpty {
            guard let data = Data(base64Encoded: token), let after = String(data: data, encoding: .utf8) else {
                throw APIError.badRequest("continue key is not valid: illegal base64 data")
            }
            items = items.filter { $0.key > after }
        }
        var metadata = "\"resourceVersion\":\"\(revision)\""
        if let limit = query.int("limit"), limit > 0, items.count > limit {
            let remaining = items.count - limit
            items = Array(items.prefix(limit))
            let token = Data(items.last!.key.utf8).base64EncodedString()
            metadata = "\"continue\":\"\(token)\",\"remainingItemCount\":\(remaining)," + metadata
        }
        if TableOutput.wanted(accept: accept) {
            return Responses.json(TableOutput.table(type, items.map(\.object), resourceVersion: String(revision)))
        }
        var text = "{\"apiVersion\":\"\(type.groupVersion)\",\"items\":["
        text.reserveCapacity(items.reduce(256) { $0 + $1.text.utf8.count + 1 })
        for (i, item) in items.enumerated() {
            if i > 0 { text += "," }
            text += item.text
        }
        text += "],\"kind\":\"\(type.listKind)\",\"metadata\":{\(metadata)}}"
        return Responses.json(text)
    }

    /// `watch=true`: newline-delimited events, chunked, until `timeoutSeconds` or the client leaves.
    private func watch() throws(APIError) -> HTTPResponse {
        let (labels, fields) = try selectors()
        let since = query.int("resourceVersion").flatMap { $0 == 0 ? nil : $0 }
        let events = try store.watch(type, namespace: namespace, sinceRevision: since)
        let (out, continuation) = AsyncStream<Data>.makeStream(bufferingPolicy: .unbounded)
        let pump = Task {
            for await event in events {
                guard labels?.matches(event.object.labels) ?? true, fields?.matches(event.object.object) ?? true else {
                    continue
                }
                if case .terminated = continuation.yield(Data(event.line.utf8)) { break }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in pump.cancel() }
        if let timeout = query.int("timeoutSeconds"), timeout > 0 {
            Task {
                try? await Task.sleep(nanoseconds: UInt64(timeout) * 1_000_000_000)
                continuation.finish()
            }
        }
        return Responses.streaming(out, contentType: "application/json")
    }

    // MARK: Writes

    /// `?dryRun=All`: the request is validated and answered as usual, and nothing is kept.
    private var isDryRun: Bool { query["dryRun"] == "All" }

    private func create() throws(APIError) -> HTTPResponse {
        let object = try parseBody()
        guard object.object != nil else { throw APIError.badRequest("the body of the request must be a JSON object") }
        return try create(object)
    }

    /// POST, and a server-side apply of an object that does not exist yet.
    private func create(_ sent: JSON) throws(APIError) -> HTTPResponse {
        var object = sent
        try checkTypeMeta(&object)
        if let ns = target.namespace, type.namespaced {
            if !object.namespace.isEmpty && object.namespace != ns {
                throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
            object.set(.string(ns), at: ["metadata", "namespace"])
            guard store.get(ResourceCatalog.namespaces, namespace: nil, name: ns) != nil else {
                throw APIError.notFound(ResourceCatalog.namespaces, ns)
            }
        } else if type.namespaced {
            throw APIError.methodNotAllowed()
        }
        if object.name.isEmpty, let prefix = object["metadata"]?["generateName"]?.string, !prefix.isEmpty {
            object.set(.string(prefix + RandomName.suffix()), at: ["metadata", "name"])
        }
        for field in ["uid", "resourceVersion", "creationTimestamp", "generation", "deletionTimestamp"] {
            object.set(nil, at: ["metadata", field])
        }
        if type.hasStatus && !type.group.isEmpty { object["status"] = nil }
        if type == ResourceCatalog.pods && object["status"]?["phase"] == nil { object["status"] = ["phase": "Pending"] }
        let katib = AdmissionWebhooks(store: store, type: type, subresource: nil, namespace: namespace)
        let admitted = try katib.admit(object, old: nil) { (o: JSON) throws(APIError) in
            let admitted = try api.admission.admit(type, api.webhooks.mutate(type, o, old: nil), old: nil)
            try api.webhooks.check(type, admitted)
            return admitted
        }
        let warnings = try unknownFields(sent: object, stored: admitted)
        if isDryRun {
            // As kube-apiserver: a dry run answers what the create would, AlreadyExists included.
            if store.get(type, namespace: type.namespaced ? target.namespace : nil, name: object.name) != nil {
                throw APIError.alreadyExists(type, object.name)
            }
            // kube-apiserver's dry run answers the object as it would be stored, a fresh uid and
            // creation time included (nothing is kept, so no resourceVersion).
            var answered = admitted
            answered.set(.string(RandomName.uid()), at: ["metadata", "uid"])
            answered.set(.string(Timestamp.now()), at: ["metadata", "creationTimestamp"])
            if !type.group.isEmpty { answered.set(.int(1), at: ["metadata", "generation"]) }
            return Responses.json(answered, status: 201).warning(warnings)
        }
        return Responses.json(try store.create(type, admitted).text, status: 201).warning(warnings)
    }

    /// `fieldValidation`: `Strict` answers 400 naming the fields the schema does not know,
    /// `Ignore` drops them silently, and `Warn` (kube-apiserver's default when the parameter
    /// is absent) drops them with one `Warning` header each, which kubectl prints.
    private func unknownFields(sent: JSON, stored: JSON) throws(APIError) -> [String] {
        switch query["fieldValidation"] ?? "Warn" {
        case "Strict": try StrictFields.check(type, sent: sent, stored: stored); return []
        case "Ignore": return []
        case "Warn": return StrictFields.fields(type, sent: sent, stored: stored).map { "unknown field \"\($0)\"" }
        case let other:
            throw APIError.badRequest("fieldValidation parameter \"\(other)\" is invalid: must be one of: Ignore, Warn, Strict")
        }
    }

    private func replace() throws(APIError) -> HTTPResponse {
        var object = try parseBody()
        try checkTypeMeta(&object)
        let name = target.name ?? ""
        if object.name != name {
            throw APIError.badRequest("the name of the object (\(object.name)) does not match the name on the URL (\(name))")
        }
        let requestedVersion = object.resourceVersion
        let isStatus = target.subresource == "status"
        let admit = updateAdmission(name)
        var warnings: [String] = []
        let stored = try store.update(type, namespace: namespace, name: name, dryRun: isDryRun) { (current: JSON) throws(APIError) -> JSON in
            if requestedVersion.isEmpty && !type.group.isEmpty {
                throw APIError.invalid(type, name, [.invalid("metadata.resourceVersion", .string("0x0"),
                                                             "must be specified for an update")])
            }
            if !requestedVersion.isEmpty && requestedVersion != current.resourceVersion {
                throw APIError.conflict(type, name)
            }
            var next: JSON
            if isStatus {
                next = current
                next["status"] = object["status"]
            } else {
                next = object
                next.set(current["metadata"]?["namespace"], at: ["metadata", "namespace"])
                if type.hasStatus { next["status"] = current["status"] }
            }
            let admitted = try admit(next, current)
            warnings = try unknownFields(sent: next, stored: admitted)
            return admitted
        }
        return Responses.json(stored.text).warning(warnings)
    }

    private func patch() throws(APIError) -> HTTPResponse {
        // Custom resources have no strategic merge (no Go struct tags to merge lists by): 415, as for CRs.
        guard let kind = PatchKind(contentType: contentType), kind != .strategicMerge || !type.isCustom else {
            throw APIError.unsupportedMediaType(type)
        }
        if kind == .apply { return try serverSideApply() }
        let patchBody = try parseBody()
        let name = target.name ?? ""
        let isStatus = target.subresource == "status"
        let admit = updateAdmission(name)
        var warnings: [String] = []
        let stored = try store.update(type, namespace: namespace, name: name, dryRun: isDryRun) { (current: JSON) throws(APIError) -> JSON in
            var patched = try Patch.apply(kind, patch: patchBody, to: current)
            let requestedVersion = patched.resourceVersion
            if !requestedVersion.isEmpty && requestedVersion != current.resourceVersion {
                throw APIError.conflict(type, name)
            }
            if isStatus {
                var next = current
                next["status"] = patched["status"]
                patched = next
            } else if type.hasStatus {
                patched["status"] = current["status"]
            }
            let admitted = try admit(patched, current)
            warnings = try unknownFields(sent: patched, stored: admitted)
            return admitted
        }
        return Responses.json(stored.text).warning(warnings)
    }

    /// `PATCH` with `application/apply-patch+yaml` (`kubectl apply --server-side`): creates the
    /// object when it does not exist (201), else merges the configuration in as its field manager.
    private func serverSideApply() throws(APIError) -> HTTPResponse {
        guard let manager = query["fieldManager"], !manager.isEmpty else {
            throw APIError(code: 422, reason: "Invalid",
                           message: "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
                           details: ["group": "meta.k8s.io", "kind": "PatchOptions",
                                     "causes": [["reason": "FieldValueRequired", "field": "fieldManager",
                                                 "message": "Required value: is required for apply patch"]]])
        }
        var config: JSON
        do { config = try YAMLConversion.document(String(decoding: body, as: UTF8.self)) } catch {
            throw APIError.badRequest("error decoding YAML: \(error)")
        }
        guard config.object != nil else { throw APIError.badRequest("the body of the request must be an object") }
        try checkTypeMeta(&config)
        let name = target.name ?? ""
        if config.name.isEmpty { config.set(.string(name), at: ["metadata", "name"]) }
        guard config.name == name else {
            throw APIError.badRequest("the name of the object (\(config.name)) does not match the name on the URL (\(name))")
        }
        let isStatus = target.subresource == "status"
        let force = query.bool("force")
        let now = Timestamp.now()
        guard store.get(type, namespace: namespace, name: name) != nil else {
            guard !isStatus else { throw APIError.notFound(type, name) }
            return try create(try ServerSideApply.apply(config, to: nil, manager: manager, force: force,
                                                        apiVersion: type.groupVersion, now: now))
        }
        let admit = updateAdmission(name)
        var warnings: [String] = []
        let stored = try store.update(type, namespace: namespace, name: name, dryRun: isDryRun) { (current: JSON) throws(APIError) -> JSON in
            var applied = try ServerSideApply.apply(config, to: current, manager: manager, force: force,
                                                    apiVersion: type.groupVersion, now: now)
            if type.hasStatus && !isStatus { applied["status"] = current["status"] }
            let admitted = try admit(applied, current)
            warnings = try unknownFields(sent: applied, stored: admitted)
            return admitted
        }
        return Responses.json(stored.text).warning(warnings)
    }

    /// What an update passes, in the API server's order: Katib's mutating webhooks, Trainer's
    /// defaulting, the server's own checks, Trainer's then Katib's validating webhooks. Made before
    /// the store's lock, since the webhooks read the cluster.
    private func updateAdmission(_ name: String) -> (JSON, JSON) throws(APIError) -> JSON {
        let trainer = webhookSnapshot(name)
        let katib = AdmissionWebhooks(store: store, type: type, subresource: target.subresource, namespace: namespace)
        return { [self] (object: JSON, current: JSON) throws(APIError) -> JSON in
            try katib.admit(object, old: current) { (o: JSON) throws(APIError) in
                let admitted = try api.admission.admit(type, api.webhooks.mutate(type, o, old: current, subresource: target.subresource),
                                                       old: current)
                if let trainer { try api.webhooks.check(type, admitted, old: current, snapshot: trainer) }
                return admitted
            }
        }
    }

    /// What the webhooks read for an update, gathered before the store's lock (runtimeRef is
    /// immutable, so the stored object names the runtime the update will).
    private func webhookSnapshot(_ name: String) -> TrainerWebhooks.Snapshot? {
        api.webhooks.snapshot(type, current: store.get(type, namespace: namespace, name: name)?.object,
                              subresource: target.subresource)
    }

    private func delete() throws(APIError) -> HTTPResponse {
        let deleted = try store.delete(type, namespace: namespace, name: target.name ?? "", dryRun: isDryRun)
        if type == ResourceCatalog.pods && !isDryRun { api.logs.remove(namespace: deleted.object.namespace, pod: deleted.object.name) }
        if !isDryRun { GarbageCollector.collect(dependentsOf: deleted, in: store) }
        // Custom resources answer with a Status; built-in types with the deleted object.
        if type.isCustom {
            var details: JSON = ["name": .string(deleted.object.name), "group": .string(type.group),
                                 "kind": .string(type.plural), "uid": .string(deleted.object.uid)]
            if type.group.isEmpty { details["group"] = nil }
            return Responses.json(["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success",
                                   "details": details])
        }
        return Responses.json(deleted.text)
    }

    private func deleteCollection() throws(APIError) -> HTTPResponse {
        let (labels, fields) = try selectors()
        let (all, _) = store.list(type, namespace: namespace)
        var removed: [String] = []
        for item in all where (labels?.matches(item.labels) ?? true) && (fields?.matches(item.object) ?? true) {
            if let gone = try? store.delete(type, namespace: item.object.namespace, name: item.object.name) {
                removed.append(gone.text)
            }
        }
        return Responses.json("{\"apiVersion\":\"\(type.groupVersion)\",\"items\":[" + removed.joined(separator: ",")
                                  + "],\"kind\":\"\(type.listKind)\",\"metadata\":{}}")
    }

    /// apiVersion/kind may be left out (we fill them); when given they must match the URL.
    private func checkTypeMeta(_ object: inout JSON) throws(APIError) {
        if let apiVersion = object["apiVersion"]?.string, apiVersion != type.groupVersion {
            throw APIError.badRequest("the API version in the data (\(apiVersion)) does not match the expected API version (\(type.groupVersion))")
        }
        if let kind = object["kind"]?.string, kind != type.kind {
            throw APIError.badRequest("the kind in the data (\(kind)) does not match the expected kind (\(type.kind))")
        }
        object["apiVersion"] = .string(type.groupVersion)
        object["kind"] = .string(type.kind)
        if object["metadata"]?.object == nil { object["metadata"] = [:] }
    }
}
