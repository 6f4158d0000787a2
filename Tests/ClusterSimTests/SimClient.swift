import ClusterSim
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KFJSON

/// A tiny HTTP client for the tests: real requests over loopback with URLSession.
struct SimClient {
    let base: URL
    var token: String?

    struct Reply {
        let status: Int
        let body: String
        var json: JSON { (try? JSON.parse(body)) ?? .null }
    }

    func send(_ method: String, _ path: String, body: JSON? = nil, contentType: String = "application/json",
              token: String? = nil, headers: [(String, String)] = []) async throws -> Reply {
        var request = URLRequest(url: URL(string: base.absoluteString + path)!)
        for (name, value) in headers { request.addValue(value, forHTTPHeaderField: name) }
        request.httpMethod = method
        request.timeoutInterval = 30
        if let t = token ?? self.token { request.setValue("Bearer \(t)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = Data(body.serialized().utf8)
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return Reply(status: (response as! HTTPURLResponse).statusCode, body: String(decoding: data, as: UTF8.self))
    }

    func get(_ path: String) async throws -> Reply { try await send("GET", path) }
}

/// Starts a simulator for one test and stops it afterwards.
func withSimulator(timeScale: Double = 200, seed: SimSeed? = nil,
                   _ body: (ClusterSimulator, SimClient) async throws -> Void) async throws {
    let sim = try ClusterSimulator(seed: seed, timeScale: timeScale)
    let url = try await sim.start()
    do {
        try await body(sim, SimClient(base: url, token: sim.adminToken))
    } catch {
        await sim.stop()
        throw error
    }
    await sim.stop()
}

let trainJobs = "/apis/trainer.kubeflow.org/v1alpha1/namespaces/ml-team-dev/trainjobs"

func trainJob(_ name: String, runtime: String = "torch-distributed", numNodes: Int? = nil, gpus: Double? = nil,
              env: [String: String] = [:], suspend: Bool? = nil) -> JSON {
    var trainer: [String: JSON] = [:]
    if let numNodes { trainer["numNodes"] = .int(numNodes) }
    if let gpus {
        trainer["resourcesPerNode"] = ["requests": ["nvidia.com/gpu": .double(gpus)],
                                       "limits": ["nvidia.com/gpu": .double(gpus)]]
    }
    if !env.isEmpty { trainer["env"] = .array(env.map { ["name": .string($0.key), "value": .string($0.value)] }) }
    var spec: JSON = ["runtimeRef": ["name": .string(runtime), "kind": "ClusterTrainingRuntime"]]
    if !trainer.isEmpty { spec["trainer"] = .object(trainer) }
    if let suspend { spec["suspend"] = .bool(suspend) }
    return ["apiVersion": "trainer.kubeflow.org/v1alpha1", "kind": "TrainJob", "metadata": ["name": .string(name)],
            "spec": spec]
}

/// Polls until `condition` holds or `seconds` pass.
func eventually(_ seconds: Double = 15, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(nanoseconds: 50_000_000)
    }
    return false
}

func conditionTypes(_ job: JSON) -> [String] {
    (job["status"]?["conditions"]?.array ?? []).filter { $0["status"]?.string == "True" }.compactMap { $0["type"]?.string }
}

extension JSON {
    var name: String { self["metadata"]?["name"]?.string ?? "" }
}

extension JSON {
    func value(at path: [String]) -> JSON? {
        var current: JSON? = self
        for key in path { current = current?[key] }
        return current
    }

    mutating func set(_ newValue: JSON, at path: [String]) {
        guard let first = path.first else { self = newValue; return }
        var child = self[first] ?? [:]
        if path.count == 1 { child = newValue } else { child.set(newValue, at: Array(path.dropFirst())) }
        self[first] = child
    }
}
