import Foundation
import KFJSON
import Testing
@testable import ClusterSim

/// Server-side apply's ownership rules and apimachinery's conflict wording.
@Suite struct ServerSideApplyTests {
    private let config: JSON = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c", "labels": ["a": "1"]],
                                "data": ["x": "1", "y": "2"]]

    private func apply(_ config: JSON, to live: JSON?, as manager: String, force: Bool = false) throws -> JSON {
        try ServerSideApply.apply(config, to: live, manager: manager, force: force, apiVersion: "v1", now: "t0")
    }

    @Test func fieldsV1RoundTripsAndSkipsIdentity() {
        let paths = ServerSideApply.fieldSet(config)
        #expect(paths == [["metadata", "labels", "a"], ["data", "x"], ["data", "y"]])
        #expect(ServerSideApply.fieldsV1(paths) == ["f:metadata": ["f:labels": ["f:a": [:]]], "f:data": ["f:x": [:], "f:y": [:]]])
        #expect(ServerSideApply.paths(fromFieldsV1: ServerSideApply.fieldsV1(paths)) == paths)
    }

    @Test func reapplyingIsANoOpAndDroppedFieldsGo() throws {
        let first = try apply(config, to: nil, as: "kubectl")
        #expect(try apply(config, to: first, as: "kubectl") == first)
        var smaller = config
        smaller["data"] = ["x": "1"]
        let second = try apply(smaller, to: first, as: "kubectl")
        #expect(second["data"] == ["x": "1"])
        #expect(second["metadata"]?["managedFields"]?[0]?["time"] == "t0")
    }

    @Test func conflictsAreNamedLikeApimachinery() throws {
        let live = try apply(config, to: nil, as: "kubectl")
        var other = config
        other["data"] = ["x": "9", "y": "8"]
        other["metadata"]?["labels"] = ["a": "1"]
        #expect {
            try apply(other, to: live, as: "tuner")
        } throws: { error in
            let e = error as? APIError
            return e?.code == 409 && e?.message == "Apply failed with 2 conflicts: conflicts with \"kubectl\":\n- .data.x\n- .data.y"
                && e?.details?["causes"]?[0] == ["reason": "FieldManagerConflict", "message": "conflict with \"kubectl\"",
                                                 "field": ".data.x"]
        }
        let forced = try apply(other, to: live, as: "tuner", force: true)
        #expect(forced["data"] == ["x": "9", "y": "8"])
        let owners = Dictionary(uniqueKeysWithValues: (forced["metadata"]?["managedFields"]?.array ?? []).map {
            ($0["manager"]?.string ?? "", ServerSideApply.paths(fromFieldsV1: $0["fieldsV1"]))
        })
        #expect(owners["kubectl"] == [["metadata", "labels", "a"]])
        #expect(owners["tuner"] == [["metadata", "labels", "a"], ["data", "x"], ["data", "y"]])
    }
}
