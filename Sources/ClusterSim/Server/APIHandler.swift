import FlyingFox
import Foundation
import HTTPServing
import KFJSON

/// Answers every HTTP request: faults first, then authentication, discovery, and resources.
final class APIHandler: Sendable {
    let store: ObjectStore
    let logs: LogStore
    let admission: Admission
    /// Trainer's validating webhooks, after the schema (as kube-apiserver orders them).
    let webhooks: TrainerWebhooks
    let authorizer: Authorizer
    let faults = FaultInjector()
    /// Request log and aimed faults for tests in another process (SimControl.swift).
    let control = SimControl()
    private let counter = Locked(0)
    let serverAddress = Locked("127.0.0.1:0")
    /// Client-certificate identities of the connections the TLS front door relays.
    let certificatePeers = CertificatePeers()
    /// The Model Registry behind `kubeflow/model-registry-service` (ModelRegistry/).
    let modelRegistry = ModelRegistryAPI(store: ModelRegistryStore())

    init(store: ObjectStore, logs: LogStore, admission: Admission, authorizer: Authorizer) {
        self.store = store
        self.logs = logs
        self.admission = admission
        webhooks = TrainerWebhooks(store: store)
        self.authorizer = authorizer
    }

    var requestCount: Int { counter.withLock { $0 } }

    func resetRequestCount() { counter.withLock { $0 = 0 } }

    /// One API request (`handle`, in SimControl.swift, wraps it).
    func respond(_ request: HTTPRequest) async -> HTTPResponse {
        counter.withLock { $0 += 1 }
        switch faults.next() {
        case .tooManyRequests?: return Responses.error(.tooManyRequests)
        case .serverError?: return Responses.error(.internalError)
        case .dropConnection?: return Responses.dropped()
        case .delay(let seconds, _)?: try? await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
        case nil: break
        }

        let path = APIPath(request.path)
        let query = QueryParameters(raw: request.target.query(percentEncoded: true))
        switch path {
        case .version: return Responses.json(Discovery.version)
        case .health: return Responses.text("ok")
        default: break
        }
        // The registry's own port: a client pointed at it directly (no Kubernetes credentials).
        let segments = request.path.split(separator: "/").map(String.init)
        if let rest = ModelRegistryAPI.route(segments) {
            return modelRegistry.respond(method: request.method.rawValue, segments: rest,
                                         query: query, body: (try? await request.bodyData) ?? Data())
        }
        guard let authenticated = authenticate(request) else { return Responses.error(.unauthorized) }
        let user: SimUser
        do {
            user = try authorizer.acting(as: authenticated, impersonateUser: request.headers[HTTPHeader("Impersonate-User")],
                                         groups: request.headers.values(for: HTTPHeader("Impersonate-Group")))
        } catch {
            return Responses.error(error)
        }
        if let proxied = ServiceProxy(segments) {
            return await proxied.respond(request, api: self, user: user, query: query)
        }
        if request.path.hasPrefix("/openapi/") {
            return OpenAPIDocuments.document(path: request.path).map { Responses.json($0) } ?? Responses.error(.pathNotFound())
        }
        switch path {
        case .coreVersions: return Responses.json(Discovery.coreVersions(serverAddress: serverAddress.withLock { $0 }))
        case .groupList: return Responses.json(Discovery.groupList)
        case .group(let name):
            guard let gv = ResourceCatalog.groupVersions.first(where: { $0.group == name }) else {
                return Responses.error(.pathNotFound())
            }
            return Responses.json(Discovery.group(gv.group, gv.version))
        case .resourceList(let group, let version):
            return Responses.json(Discovery.resourceList(group: group, version: version))
        case .resource(let target):
            do {
                let body = try await request.bodyData
                return try await ResourceRequestHandler(api: self, target: target, method: request.method.rawValue,
                                                        query: query, body: body,
                                                        contentType: request.headers[.contentType] ?? "",
                                                        user: user,
                                                        accept: request.headers[HTTPHeader("Accept")] ?? "").respond()
            } catch let error as APIError {
                return Responses.error(error)
            } catch {
                return Responses.error(APIError(code: 500, reason: "InternalError", message: "\(error)"))
            }
        case .version, .health, .unknown: return Responses.error(.pathNotFound())
        }
    }

    /// A bearer token wins; without one, a verified client certificate (TLS); else anonymous or nobody.
    private func authenticate(_ request: HTTPRequest) -> SimUser? {
        let header = request.headers[.authorization]
        if header?.isEmpty ?? true, let identity = certificatePeers.identity(of: request.remoteAddress) {
            return authorizer.user(forCertificate: identity)
        }
        return authorizer.user(forAuthorizationHeader: header)
    }
}
