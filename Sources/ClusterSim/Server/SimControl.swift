import FlyingFox
import Foundation
import KFJSON

/// What tests need to see and steer in a simulator running in another process
/// (`kubeflow-mcp sim --test-control`): a log of every request as it arrived,
/// and faults aimed at one method and path. Served under /_sim/, only when
/// enabled; a real API server has nothing there.
///
///     GET    /_sim/requests   {"items":[{"method","path","query","status"}]}  (path as sent, still encoded)
///     DELETE /_sim/requests   forget them
///     POST   /_sim/faults     {"method":"GET","path":"/apis/.../trainjobs/x","status":403,"count":1,"skip":0}
///                             {"method":"POST","path":"/apis/.../trainjobs","after":"drop"}  carry it out, then cut the answer
///                             {"method":"POST","path":"...","status":500,"after":"serve"}  carry it out, then answer 500
///     DELETE /_sim/faults
final class SimControl: Sendable {
    private let enabled = Locked(false)
    private let log = Locked<[JSON]>([])
    private let faults = Locked<[AimedFault]>([])

    struct AimedFault: Sendable {
        var method: String
        /// Matches the path exactly, or as a prefix when it ends with "*".
        var path: String
        /// Answer with this status (a kube-apiserver Status body) instead of serving the request.
        var status: Int?
        /// Serve the request (so a create is stored), then drop the connection mid-answer.
        var dropAfter: Bool
        /// Serve the request, then answer with `status` instead of its answer.
        var statusAfterServing: Bool
        /// Let this many matching requests through first.
        var skip: Int
        var count: Int

        func matches(_ method: String, _ path: String) -> Bool {
            guard method == self.method else { return false }
            return self.path.hasSuffix("*") ? path.hasPrefix(String(self.path.dropLast())) : path == self.path
        }
    }

    func enable() { enabled.withLock { $0 = true } }

    var isEnabled: Bool { enabled.withLock { $0 } }

    /// The request's path exactly as it came over the wire (percent-encoding kept).
    static func rawPath(_ request: HTTPRequest) -> String {
        request.target.path(percentEncoded: true)
    }

    func record(_ request: HTTPRequest, status: Int) {
        guard isEnabled else { return }
        let entry: JSON = ["method": .string(request.method.rawValue), "path": .string(Self.rawPath(request)),
                           "query": .string(request.target.query(percentEncoded: true) ?? ""), "status": .int(status)]
        log.withLock { $0.append(entry) }
    }

    /// The fault aimed at this request, consuming one use of it.
    func takeFault(for request: HTTPRequest) -> AimedFault? {
        guard isEnabled else { return nil }
        let method = request.method.rawValue, path = Self.rawPath(request)
        return faults.withLock { list -> AimedFault? in
            guard let i = list.firstIndex(where: { $0.matches(method, path) }) else { return nil }
            if list[i].skip > 0 {
                list[i].skip -= 1
                return nil
            }
            let fault = list[i]
            list[i].count -= 1
            if list[i].count <= 0 { list.remove(at: i) }
            return fault
        }
    }

    /// Answers /_sim/ requests; nil for every other path.
    func respond(to request: HTTPRequest) async -> HTTPResponse? {
        guard isEnabled, request.path.hasPrefix("/_sim/") else { return nil }
        switch (request.method.rawValue, request.path) {
        case ("GET", "/_sim/requests"):
            return Responses.json(["items": .array(log.withLock { $0 })])
        case ("DELETE", "/_sim/requests"):
            log.withLock { $0.removeAll() }
            return Responses.json([:])
        case ("POST", "/_sim/faults"):
            guard let body = try? await request.bodyData, let spec = try? JSON.parse(utf8: [UInt8](body)),
                let method = spec["method"]?.string, let path = spec["path"]?.string,
                spec["status"]?.int != nil || spec["after"]?.string == "drop"
            else {
                return Responses.error(APIError(code: 400, reason: "BadRequest",
                                                message: "a fault needs method, path and status (optionally \"after\": \"serve\") or \"after\": \"drop\""))
            }
            let fault = AimedFault(method: method.uppercased(), path: path, status: spec["status"]?.int,
                                   dropAfter: spec["after"]?.string == "drop",
                                   statusAfterServing: spec["after"]?.string == "serve", skip: spec["skip"]?.int ?? 0,
                                   count: spec["count"]?.int ?? 1)
            faults.withLock { $0.append(fault) }
            return Responses.json([:], status: 201)
        case ("DELETE", "/_sim/faults"):
            faults.withLock { $0.removeAll() }
            return Responses.json([:])
        default:
            return Responses.error(.pathNotFound())
        }
    }
}

extension APIHandler {
    /// Every HTTP request: test control first, then an aimed fault, then the
    /// API; each API request is logged with the status it got.
    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        if let answer = await control.respond(to: request) { return answer }
        let fault = control.takeFault(for: request)
        let injected = fault?.status.map { status in
            Responses.error(APIError(code: status, reason: status == 403 ? "Forbidden" : "InternalError",
                                     message: "injected by the simulator's test control (HTTP \(status))"))
        }
        if let injected, fault?.statusAfterServing != true {
            control.record(request, status: injected.statusCode.code)
            return injected
        }
        let response = await respond(request)
        control.record(request, status: response.statusCode.code)
        if fault?.dropAfter == true { return Responses.dropped() }
        return injected ?? response
    }
}
