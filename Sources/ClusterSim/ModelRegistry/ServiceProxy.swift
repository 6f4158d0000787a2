import FlyingFox
import Foundation
import KFJSON

/// `/api/v1/namespaces/{ns}/services/{name}[:{port}]/proxy/{path}`: the API
/// server relays the request to the Service. RBAC decides on `services/proxy`
/// (verb from the method, as kube-apiserver's RequestInfo maps it); the only
/// Service with something behind it here is the Model Registry's.
struct ServiceProxy {
    let namespace: String
    let service: String
    let port: String?
    let rest: [String]

    init?(_ segments: [String]) {
        guard segments.count >= 7, segments[0] == "api", segments[1] == "v1", segments[2] == "namespaces",
              segments[4] == "services", segments[6] == "proxy" else { return nil }
        namespace = segments[3]
        let target = (segments[5].removingPercentEncoding ?? segments[5]).split(separator: ":", omittingEmptySubsequences: false)
        service = String(target[0])
        port = target.count > 1 ? String(target[target.count - 1]) : nil
        rest = Array(segments.dropFirst(7))
    }

    func respond(_ request: HTTPRequest, api: APIHandler, user: SimUser, query: QueryParameters) async -> HTTPResponse {
        let method = request.method.rawValue
        let verbs = ["GET": "get", "POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"]
        guard let verb = verbs[method] else { return Responses.error(.methodNotAllowed()) }
        let type = ResourceCatalog.services
        guard api.authorizer.allows(user, RequestAttributes(verb: verb, type: type, subresource: "proxy",
                                                            namespace: namespace, name: service)) else {
            return Responses.error(.forbidden(type, name: service, user: user.name, verb: verb, subresource: "proxy",
                                              namespace: namespace))
        }
        guard let stored = api.store.get(type, namespace: namespace, name: service) else {
            return Responses.error(.notFound(type, service))
        }
        let ports = stored.object["spec"]?["ports"]?.array ?? []
        let portKnown = port.map { p in ports.contains { $0["name"]?.string == p || $0["port"]?.int.map(String.init) == p } } ?? true
        let isRegistry = namespace == ModelRegistryAPI.namespace && service == ModelRegistryAPI.serviceName
        guard portKnown, isRegistry else {
            let target = service + (port.map { ":" + $0 } ?? "")
            return Responses.error(APIError(code: 503, reason: "ServiceUnavailable",
                                            message: "no endpoints available for service \"\(target)\""))
        }
        guard let inner = ModelRegistryAPI.route(rest) else { return Responses.error(.pathNotFound()) }
        return api.modelRegistry.respond(method: method, segments: inner, query: query,
                                         body: (try? await request.bodyData) ?? Data())
    }
}
