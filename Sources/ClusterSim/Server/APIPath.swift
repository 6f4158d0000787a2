/// Where a request path points: discovery, health, or a resource (collection or one object).
enum APIPath: Equatable {
    case version
    case health
    case coreVersions                 // /api
    case groupList                    // /apis
    case group(String)                // /apis/{group}
    case resourceList(String, String) // /api/v1, /apis/{group}/{version}
    case resource(ResourcePath)
    case unknown

    struct ResourcePath: Equatable {
        let type: ResourceType
        let namespace: String?
        let name: String?
        let subresource: String?
    }

    init(_ path: String) {
        let parts = path.split(separator: "/").map(String.init)
        switch parts.first {
        case "version": self = parts.count == 1 ? .version : .unknown
        case "healthz", "readyz", "livez": self = .health
        case "api":
            if parts.count == 1 { self = .coreVersions; return }
            guard parts[1] == "v1" else { self = .unknown; return }
            self = APIPath.resource(group: "", version: "v1", rest: Array(parts.dropFirst(2)))
        case "apis":
            if parts.count == 1 { self = .groupList; return }
            if parts.count == 2 { self = .group(parts[1]); return }
            self = APIPath.resource(group: parts[1], version: parts[2], rest: Array(parts.dropFirst(3)))
        default: self = .unknown
        }
    }

    private static func resource(group: String, version: String, rest: [String]) -> APIPath {
        guard Discovery.groupVersionExists(group, version) else { return .unknown }
        if rest.isEmpty { return .resourceList(group, version) }
        let find = { (plural: String) in ResourceCatalog.find(group: group, version: version, plural: plural) }
        // /namespaces/{ns}/{plural}[/{name}[/{sub}]] for namespaced types
        if rest[0] == "namespaces", rest.count >= 3, let type = find(rest[2]), type.namespaced {
            guard rest.count <= 5 else { return .unknown }
            return .resource(ResourcePath(type: type, namespace: rest[1], name: rest.count > 3 ? rest[3] : nil,
                                          subresource: rest.count > 4 ? rest[4] : nil))
        }
        // /{plural}[/{name}[/{sub}]]: cluster-scoped types, or namespaced ones across all namespaces
        guard let type = find(rest[0]), rest.count <= 3 else { return .unknown }
        if type.namespaced && rest.count > 1 { return .unknown }
        return .resource(ResourcePath(type: type, namespace: nil, name: rest.count > 1 ? rest[1] : nil,
                                      subresource: rest.count > 2 ? rest[2] : nil))
    }
}
