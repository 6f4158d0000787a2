@testable import HostProtocol
import Testing

/// A client's taskId is hostile input: only <kind>/<namespace>/<name> with
/// Kubernetes-valid names is read; anything else is refused before any request.
@Suite struct TaskIDTests {
    @Test func anIdNamesItsObject() throws {
        let id = try TaskID.parse("trainjob/ml-team-dev/ft-qwen-abc12").get()
        #expect(id == TaskID(kind: "trainjob", namespace: "ml-team-dev", name: "ft-qwen-abc12"))
        #expect(id.text == "trainjob/ml-team-dev/ft-qwen-abc12")
    }

    @Test(arguments: ["", "trainjob", "a/b", "a/b/c/d", "trainjob/../x", "trainjob/Default/x", "trainjob/default/",
                      "trainjob//x", "trainjob/default/x y", "trainjob/default/x\u{0}", "trainjob/default/-x",
                      "trainjob/" + String(repeating: "a", count: 64) + "/x", "trainjob/default/" + String(repeating: "a", count: 400)])
    func aMalformedIdIsRefusedWithInvalidParams(text: String) {
        guard case .failure(let failure) = TaskID.parse(text) else {
            Issue.record("accepted \(text)")
            return
        }
        #expect(failure.code == -32602 && failure.message.contains("task id"))
    }

    @Test func notFoundSaysTheSameForMissingAndForeign() {
        #expect(TaskFailure.notFound("trainjob/a/b").message.contains("belongs to another user"))
    }
}
