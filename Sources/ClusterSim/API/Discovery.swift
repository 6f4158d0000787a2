import KFJSON

/// The discovery documents kubectl and client libraries read before anything else.
enum Discovery {
    static let version: JSON = [
        "major": "1", "minor": "32", "gitVersion": "v1.32.0+kfsim", "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean", "buildDate": "2025-01-01T00:00:00Z", "goVersion": "go1.23.4", "compiler": "gc",
        "platform": "linux/amd64",
    ]

    static func coreVersions(serverAddress: String) -> JSON {
        ["kind": "APIVersions", "versions": ["v1"],
         "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]]]
    }

    static var groupList: JSON {
        ["kind": "APIGroupList", "apiVersion": "v1",
         "groups": .array(ResourceCatalog.groupVersions.map { group($0.group, $0.version) })]
    }

    static func group(_ name: String, _ version: String) -> JSON {
        let gv: JSON = ["groupVersion": .string(name + "/" + version), "version": .string(version)]
        return ["kind": "APIGroup", "apiVersion": "v1", "name": .string(name), "versions": [gv], "preferredVersion": gv]
    }

    static func groupVersionExists(_ group: String, _ version: String) -> Bool {
        ResourceCatalog.all.contains { $0.group == group && $0.version == version }
    }

    /// `APIResourceList` for one group/version, subresources included (`pods/log`, `trainjobs/status`).
    static func resourceList(group: String, version: String) -> JSON {
        var resources: [JSON] = []
        for type in ResourceCatalog.all where type.group == group && type.version == version {
            var entry: JSON = [
                "name": .string(type.plural), "singularName": .string(type.singular),
                "namespaced": .bool(type.namespaced), "kind": .string(type.kind),
                "verbs": .array(type.verbs.map(JSON.string)),
            ]
            if !type.shortNames.isEmpty { entry["shortNames"] = .array(type.shortNames.map(JSON.string)) }
            if !type.categories.isEmpty { entry["categories"] = .array(type.categories.map(JSON.string)) }
            resources.append(entry)
            if type.hasStatus {
                resources.append(["name": .string(type.plural + "/status"), "singularName": "",
                                  "namespaced": .bool(type.namespaced), "kind": .string(type.kind),
                                  "verbs": ["get", "patch", "update"]])
            }
            for sub in type.extraSubresources {
                resources.append(["name": .string(type.plural + "/" + sub), "singularName": "",
                                  "namespaced": .bool(type.namespaced), "kind": .string(type.kind), "verbs": ["get"]])
            }
        }
        return ["kind": "APIResourceList", "apiVersion": "v1",
                "groupVersion": .string(group.isEmpty ? version : group + "/" + version), "resources": .array(resources)]
    }
}
