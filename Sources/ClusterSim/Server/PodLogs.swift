import FlyingFox
import Foundation
import KFJSON

/// `GET /api/v1/namespaces/{ns}/pods/{name}/log`: `container`, `tailLines`, `timestamps`, `follow`.
struct PodLogs {
    let api: APIHandler
    let namespace: String
    let pod: String
    let query: QueryParameters

    func respond() throws(APIError) -> HTTPResponse {
        guard let stored = api.store.get(ResourceCatalog.pods, namespace: namespace, name: pod) else {
            throw APIError.notFound(ResourceCatalog.pods, pod)
        }
        let containers = (stored.object["spec"]?["containers"]?.array ?? []).compactMap { $0["name"]?.string }
        let container: String
        if let requested = query["container"], !requested.isEmpty {
            guard containers.contains(requested) else {
                throw APIError.badRequest("container \(requested) is not valid for pod \(pod)")
            }
            container = requested
        } else if containers.count == 1 {
            container = containers[0]
        } else {
            throw APIError.badRequest("a container name must be specified for pod \(pod), choose one of: [\(containers.joined(separator: " "))]")
        }
        let phase = stored.object["status"]?["phase"]?.string ?? "Pending"
        if phase == "Pending" {
            throw APIError.badRequest("container \"\(container)\" in pod \"\(pod)\" is waiting to start: ContainerCreating")
        }
        let tail = query.int("tailLines")
        let timestamps = query.bool("timestamps")
        let render = { (line: LogStore.Line) -> String in
            (timestamps ? Timestamp.micro(line.time).replacingOccurrences(of: "Z", with: "000Z") + " " : "") + line.text + "\n"
        }
        let running = phase == "Running"
        if query.bool("follow") && running {
            let lines = api.logs.follow(namespace: namespace, pod: pod, container: container, tail: tail)
            let (out, continuation) = AsyncStream<Data>.makeStream(bufferingPolicy: .unbounded)
            let pump = Task {
                for await line in lines {
                    if case .terminated = continuation.yield(Data(render(line).utf8)) { break }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in pump.cancel() }
            return Responses.streaming(out, contentType: "text/plain")
        }
        let lines = LogStore.tail(api.logs.lines(namespace: namespace, pod: pod, container: container), tail)
        return Responses.text(lines.map(render).joined())
    }
}
