import KFJSON
import Testing
@testable import TrainerRules

/// Upstream pkg/webhooks/trainjob_webhook_test.go `TestDefault`: the runtime patches' times.
struct DefaultTests {
    static let now = "2025-06-15T12:00:00Z"
    static let oldTime = "2025-01-01T00:00:00Z"

    static func patch(_ manager: String, time: String? = nil, serviceAccount: String? = nil) -> JSON {
        var p = serviceAccount.map { runtimePatch(job: "node", pod: ["serviceAccountName": .string($0)], manager: manager) }
            ?? ["manager": .string(manager)]
        if let time { p["time"] = .string(time) }
        return p
    }

    static func times(old: [JSON]?, new: [JSON]) -> [String?] {
        let result = TrainJobDefaulting.apply(to: trainJob(patches: new), old: old.map { trainJob(patches: $0) }, now: now)
        return (result["spec"]?["runtimePatches"]?.array ?? []).map { $0["time"]?.string }
    }

    @Test func createAllPatchesGetTimestamped() {
        #expect(Self.times(old: nil, new: [Self.patch("acme.io/one"), Self.patch("acme.io/two")]) == [Self.now, Self.now])
    }

    @Test func updatePatchUnchangedTimePreserved() {
        #expect(Self.times(old: [Self.patch("acme.io/one", time: Self.oldTime, serviceAccount: "sa")],
                           new: [Self.patch("acme.io/one", serviceAccount: "sa")]) == [Self.oldTime])
    }

    @Test func updatePatchChangedTimeUpdated() {
        #expect(Self.times(old: [Self.patch("acme.io/one", time: Self.oldTime, serviceAccount: "old-sa")],
                           new: [Self.patch("acme.io/one", serviceAccount: "new-sa")]) == [Self.now])
    }

    @Test func createExternallySetTimeIsPreserved() {
        #expect(Self.times(old: nil, new: [Self.patch("acme.io/one", time: Self.oldTime), Self.patch("acme.io/two")])
                == [Self.oldTime, Self.now])
    }

    @Test func updatePatchChangedWithPreExistingTimeTimeUpdated() {
        var changed = runtimePatch(job: "node", manager: "acme.io/one")
        changed["time"] = .string(Self.oldTime)
        #expect(Self.times(old: [Self.patch("acme.io/one", time: Self.oldTime)], new: [changed]) == [Self.now])
    }

    @Test func updateNewPatchAddedAlongsideUnchangedPatch() {
        #expect(Self.times(old: [Self.patch("acme.io/existing", time: Self.oldTime)],
                           new: [Self.patch("acme.io/existing"), Self.patch("acme.io/new")]) == [Self.oldTime, Self.now])
    }

    @Test func updateNewPatchAddedWithExternallySetTimeTimePreserved() {
        #expect(Self.times(old: [Self.patch("acme.io/existing", time: Self.oldTime)],
                           new: [Self.patch("acme.io/existing"), Self.patch("acme.io/new", time: Self.oldTime)]) == [Self.oldTime, Self.oldTime])
    }
}
