import Foundation
import KFJSON

/// Server-side printing (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), what
/// `kubectl get` asks for: the columns kube-apiserver prints for the core types, and the
/// CRD's `additionalPrinterColumns` for the Trainer types (TrainJob: State, Age).
enum TableOutput {
    static func wanted(accept: String) -> Bool { accept.contains("as=Table") }

    struct Column {
        let name: String
        var type = "string"
        var format = ""
        var priority = 0
        let cell: (JSON) -> JSON
    }

    static func table(_ type: ResourceType, _ objects: [JSON], resourceVersion: String, now: Date = Date()) -> JSON {
        let cols = columns(type, ages: Ages(now: now))
        return [
            "kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": ["resourceVersion": .string(resourceVersion)],
            "columnDefinitions": .array(cols.map { c in
                ["name": .string(c.name), "type": .string(c.type), "format": .string(c.format), "description": "",
                 "priority": .int(c.priority)]
            }),
            "rows": .array(objects.map { o in
                ["cells": .array(cols.map { $0.cell(o) }),
                 "object": ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                            "metadata": o["metadata"] ?? [:]]]
            }),
        ]
    }

    private static func columns(_ type: ResourceType, ages: Ages) -> [Column] {
        let name = Column(name: "Name", format: "name") { .string($0.name) }
        let age = Column(name: "Age") { .string(ages.since($0["metadata"]?["creationTimestamp"]?.string)) }
        switch type {
        case ResourceCatalog.pods:
            return [name,
                    Column(name: "Ready") { p in
                        let statuses = p["status"]?["containerStatuses"]?.array ?? []
                        let total = p["spec"]?["containers"]?.array?.count ?? 0
                        return .string("\(statuses.filter { $0["ready"]?.bool == true }.count)/\(total)")
                    },
                    Column(name: "Status") { .string(podStatus($0)) },
                    Column(name: "Restarts", type: "string") { _ in "0" },
                    age,
                    Column(name: "IP", priority: 1) { $0["status"]?["podIP"] ?? "<none>" },
                    Column(name: "Node", priority: 1) { $0["spec"]?["nodeName"] ?? "<none>" }]
        case ResourceCatalog.nodes:
            return [name, Column(name: "Status") { _ in "Ready" }, Column(name: "Roles") { _ in "<none>" }, age,
                    Column(name: "Version") { $0["status"]?["nodeInfo"]?["kubeletVersion"] ?? "" }]
        case ResourceCatalog.namespaces:
            return [name, Column(name: "Status") { $0["status"]?["phase"] ?? "Active" }, age]
        case ResourceCatalog.events:
            return [Column(name: "Last Seen") { .string(ages.since($0["lastTimestamp"]?.string)) },
                    Column(name: "Type") { $0["type"] ?? "" },
                    Column(name: "Reason") { $0["reason"] ?? "" },
                    Column(name: "Object") { e in
                        .string((e["involvedObject"]?["kind"]?.string ?? "").lowercased() + "/"
                            + (e["involvedObject"]?["name"]?.string ?? ""))
                    },
                    Column(name: "Message") { $0["message"] ?? "" }]
        case ResourceCatalog.trainJobs:
            // additionalPrinterColumns: State = .status.conditions[-1:].type, Age
            return [name, Column(name: "State") { $0["status"]?["conditions"]?.array?.last?["type"] ?? "" }, age]
        case ResourceCatalog.jobs:
            return [name, Column(name: "Status") { .string(jobStatus($0)) },
                    Column(name: "Completions") { j in
                        .string("\(j["status"]?["succeeded"]?.int ?? 0)/\(j["spec"]?["completions"]?.int ?? 1)")
                    },
                    Column(name: "Duration") { j in
                        .string(j["status"]?["startTime"] == nil ? ""
                                    : ages.between(j["status"]?["startTime"]?.string, j["status"]?["completionTime"]?.string))
                    },
                    age]
        case ResourceCatalog.jobSets:
            // The JobSet CRD's additionalPrinterColumns.
            return [name, Column(name: "TerminalState") { $0["status"]?["terminalState"] ?? "" },
                    Column(name: "Restarts") { $0["status"]?["restarts"] ?? 0 },
                    Column(name: "Completed") { j in
                        (j["status"]?["conditions"]?.array ?? []).first { $0["type"]?.string == "Completed" }?["status"] ?? ""
                    },
                    Column(name: "Suspended") { $0["spec"]?["suspend"] ?? "" },
                    age]
        default:
            return [name, age]
        }
    }

    /// The STATUS kubectl shows: a waiting/terminated container reason, else the phase.
    static func podStatus(_ pod: JSON) -> String {
        var reason = pod["status"]?["phase"]?.string ?? "Pending"
        for c in pod["status"]?["containerStatuses"]?.array ?? [] {
            if let r = c["state"]?["waiting"]?["reason"]?.string, !r.isEmpty { reason = r }
            else if let r = c["state"]?["terminated"]?["reason"]?.string, !r.isEmpty { reason = r }
        }
        return reason
    }

    /// The STATUS `kubectl get jobs` shows (1.32): the terminal condition, Suspended, else Running.
    static func jobStatus(_ job: JSON) -> String {
        let conditions = (job["status"]?["conditions"]?.array ?? []).filter { $0["status"]?.string == "True" }
        for type in ["Failed", "Complete", "FailureTarget", "SuccessCriteriaMet"]
        where conditions.contains(where: { $0["type"]?.string == type }) { return type }
        return job["spec"]?["suspend"]?.bool == true ? "Suspended" : "Running"
    }

    /// kubectl's short durations (45s, 12m, 3h, 2d), one date parser per table.
    final class Ages {
        let now: Date
        private let parser = ISO8601DateFormatter()

        init(now: Date) { self.now = now }

        func since(_ timestamp: String?) -> String {
            between(timestamp, nil)
        }

        /// From `start` to `end` (now when nil).
        func between(_ start: String?, _ end: String?) -> String {
            guard let start, let date = parser.date(from: start) else { return "<unknown>" }
            let until = end.flatMap(parser.date(from:)) ?? now
            let s = max(0, Int(until.timeIntervalSince(date)))
            if s < 120 { return "\(s)s" }
            if s < 7200 { return "\(s / 60)m" }
            if s < 172_800 { return "\(s / 3600)h" }
            return "\(s / 86400)d"
        }
    }
}
