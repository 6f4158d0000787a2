import HostBase
import KFJSON

/// A task's id: `<kind>/<namespace>/<name>`, the object the task follows. It
/// is no secret and needs none: whoever presents it gets an answer only when
/// the object's owner stamp (written by the host when it was created) is
/// theirs, so a guessed or forged id finds nothing (TaskRouter.owned).
struct TaskID: Equatable, Sendable {
    let kind: String
    let namespace: String
    let name: String

    var text: String { "\(kind)/\(namespace)/\(name)" }

    /// Kubernetes' own bounds: a namespace is a DNS-1123 label, a name a DNS subdomain.
    static func problem(namespace: String, name: String) -> String? {
        if let p = KubeNames.labelProblem(namespace) { return "its namespace '\(namespace)' \(p)" }
        if let p = KubeNames.subdomainProblem(name) { return "its name '\(name)' \(p)" }
        return nil
    }

    /// Parses a client's taskId; nil with the reason when it is not one of ours.
    static func parse(_ text: String) -> Result<TaskID, TaskFailure> {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard text.utf8.count <= 400, parts.count == 3 else {
            return .failure(.invalid("taskId '\(text.prefix(80))' is not a task id of this server (want <kind>/<namespace>/<name>, as tools/call returned it)"))
        }
        if let p = problem(namespace: parts[1], name: parts[2]) {
            return .failure(.invalid("taskId '\(text)' is not a task id of this server: \(p)"))
        }
        return .success(TaskID(kind: parts[0], namespace: parts[1], name: parts[2]))
    }
}

/// A tasks/* request that cannot be answered: a JSON-RPC error.
struct TaskFailure: Error {
    var code: Int
    var message: String
    var data: JSON?

    static func invalid(_ message: String) -> TaskFailure { TaskFailure(code: -32602, message: message) }

    /// Not there, or not the caller's: the same words, so an id reveals nothing about other users.
    static func notFound(_ id: String) -> TaskFailure {
        invalid("No task '\(id)' of yours: it does not exist, was deleted, or belongs to another user. tasks/list shows your tasks.")
    }
}
