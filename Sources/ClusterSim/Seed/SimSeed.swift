import Foundation
import KFJSON

/// What the simulated cluster holds at start: namespaces, nodes, users and extra objects.
/// Built from a YAML seed file; `SimSeed.default` is the bundled `default-seed.yaml`.
public struct SimSeed: Sendable {
    public struct Node: Sendable, Equatable {
        public var name: String
        public var gpus: Int
        public var gpuProduct: String?
        public var cpu: String
        public var memory: String
        public var instanceType: String?
        /// Node taints as in `spec.taints` ({key, value, effect}).
        public var taints: [JSON]

        public init(name: String, gpus: Int, gpuProduct: String? = nil, cpu: String = "32", memory: String = "128Gi",
                    instanceType: String? = nil, taints: [JSON] = []) {
            self.name = name; self.gpus = gpus; self.gpuProduct = gpuProduct
            self.cpu = cpu; self.memory = memory; self.instanceType = instanceType; self.taints = taints
        }
    }

    public var trainerVersion: String
    public var namespaces: [String]
    public var nodes: [Node]
    public var users: [SimUser]
    public var builtinRuntimes: Bool
    /// Any other objects to create at start (each needs apiVersion, kind, metadata).
    public var objects: [JSON]
    /// The user a request with no Authorization header acts as; nil answers it 401.
    /// kubectl never sends a bearer token over plain HTTP, so set this (e.g. "admin")
    /// to use kubectl against the simulator until it serves TLS.
    public var anonymousUser: String?
    /// Registries whose images need an image pull secret naming them (else ImagePullBackOff).
    public var privateRegistries: [String]
    /// The Trainer controller's feature gates (`TrainJobStatus`: in-pod progress → status.trainerStatus).
    public var featureGates: [String: Bool]

    public struct SeedError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The bundled default cluster (see `Resources/default-seed.yaml`).
    public static var `default`: SimSeed {
        get throws { try SimSeed(yaml: BundledResources.text("default-seed.yaml"), base: nil) }
    }

    /// Parses a seed; keys the YAML leaves out come from the default seed.
    public init(yaml: String) throws {
        try self.init(yaml: yaml, base: try SimSeed.default)
    }

    public static func load(path: String) throws -> SimSeed {
        try SimSeed(yaml: String(contentsOfFile: path, encoding: .utf8))
    }

    private init(yaml: String, base: SimSeed?) throws {
        let doc = try YAMLConversion.document(yaml)
        guard doc.object != nil || doc == .null else { throw SeedError(description: "seed: top level must be a mapping") }
        trainerVersion = doc["trainerVersion"]?.string ?? base?.trainerVersion ?? "2.3.0"
        namespaces = doc["namespaces"]?.array?.compactMap(\.string) ?? base?.namespaces ?? ["default"]
        builtinRuntimes = doc["builtinRuntimes"]?.bool ?? base?.builtinRuntimes ?? true
        objects = doc["objects"]?.array ?? base?.objects ?? []
        anonymousUser = doc["anonymousUser"]?.string ?? base?.anonymousUser
        privateRegistries = doc["privateRegistries"]?.array?.compactMap(\.string) ?? base?.privateRegistries ?? []
        featureGates = doc["featureGates"]?.object?.compactMapValues(\.bool) ?? base?.featureGates ?? [:]
        if let list = doc["nodes"]?.array {
            nodes = try list.map { n in
                guard let name = n["name"]?.string else { throw SeedError(description: "seed: every node needs a name") }
                return Node(name: name, gpus: n["gpus"]?.int ?? 0, gpuProduct: n["gpuProduct"]?.string,
                            cpu: n["cpu"]?.string ?? n["cpu"]?.int.map(String.init) ?? "32",
                            memory: n["memory"]?.string ?? "128Gi", instanceType: n["instanceType"]?.string,
                            taints: n["taints"]?.array ?? [])
            }
        } else {
            nodes = base?.nodes ?? []
        }
        if let list = doc["users"]?.array {
            users = try list.map(SimUser.init(seed:))
        } else {
            users = base?.users ?? []
        }
    }
}

/// A user the simulator knows by bearer token, with RBAC-like rules.
public struct SimUser: Sendable, Equatable {
    public struct Rule: Sendable, Equatable {
        public var verbs: [String]
        public var apiGroups: [String]
        public var resources: [String]
        /// Namespaces the rule applies in; "*" means every namespace and cluster scope.
        public var namespaces: [String]

        public init(verbs: [String], apiGroups: [String] = ["*"], resources: [String], namespaces: [String]) {
            self.verbs = verbs; self.apiGroups = apiGroups; self.resources = resources; self.namespaces = namespaces
        }
    }

    public var name: String
    public var token: String
    public var groups: [String]
    public var rules: [Rule]

    public init(name: String, token: String, groups: [String] = [], rules: [Rule]) {
        self.name = name; self.token = token; self.groups = groups; self.rules = rules
    }

    init(seed: JSON) throws {
        guard let name = seed["name"]?.string, let token = seed["token"]?.string else {
            throw SimSeed.SeedError(description: "seed: every user needs a name and a token")
        }
        let strings: (JSON?) -> [String]? = { $0?.array?.compactMap(\.string) }
        self.init(name: name, token: token, groups: strings(seed["groups"]) ?? [],
                  rules: (seed["rules"]?.array ?? []).map { r in
                      Rule(verbs: strings(r["verbs"]) ?? [], apiGroups: strings(r["apiGroups"]) ?? ["*"],
                           resources: strings(r["resources"]) ?? [], namespaces: strings(r["namespaces"]) ?? [])
                  })
    }
}
