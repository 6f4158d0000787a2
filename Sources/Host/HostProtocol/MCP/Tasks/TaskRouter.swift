import Foundation
import HostBase
import HostCalls
import HostKubeGate
import HostPlugins
import KFJSON

/// MCP tasks (2025-11-25) for one session: a task-augmented tools/call,
/// tasks/get, tasks/result, tasks/list and tasks/cancel.
///
/// A task is a Kubernetes object a plugin created (a training job), not an entry
/// in this process: its id names the object (TaskID), so any server process
/// on the same cluster answers for it, after a restart too. What the object's
/// state means is the declaring plugin's business: its status, result and
/// cancel tools (TaskSurface) run through the one call pipeline — policy,
/// confirmation, ownership, redaction, audit. The host reads the object itself
/// for one thing only: the owner stamp it wrote when the object was created,
/// which binds the task to its requestor.
final class TaskRouter: @unchecked Sendable {
    let invoker: ToolInvoker
    let writer: LineWriter
    let elicit: ToolInvoker.Elicit?
    let catalog: TaskCatalog
    /// Settles a request id in the transport's in-flight set once answered.
    let settle: @Sendable (JSON) -> Void
    private let lock = NSLock()
    /// Work still running for this session (followers, blocked tasks/result): cancelled at its end.
    /// Keyed by the request's id (a blocked tasks/result) or a fresh one (a follower).
    private var running: [String: Task<Void, Never>] = [:]
    private var stopped = false

    /// What a client is told to wait between polls, and how often a follower looks.
    static let pollIntervalMs = 2000
    static let pageSize = 20
    /// Where the user's confirmation of a cancel travels (tasks/cancel has only a taskId).
    static let confirmMetaKey = "kubeflow-mcp/confirm"
    static let relatedTaskKey = "io.modelcontextprotocol/related-task"

    init(invoker: ToolInvoker, writer: LineWriter, elicit: ToolInvoker.Elicit?, settle: @escaping @Sendable (JSON) -> Void) {
        self.invoker = invoker
        self.writer = writer
        self.elicit = elicit
        self.settle = settle
        self.catalog = TaskCatalog(invoker.registry)
    }

    /// The session's view of the cluster (impersonating over HTTP) and whom its calls act as.
    var cluster: any ClusterAccess { invoker.caller?.cluster ?? invoker.environment.cluster.access }
    func identity() -> String { invoker.caller?.user ?? invoker.environment.cluster.identity }

    // MARK: Requests

    /// tools/call with params.task.
    func call(id: JSON, params: JSON) {
        answer(id) { [self] in try await startTask(params) }
    }

    func get(id: JSON, params: JSON) {
        answer(id) { [self] in
            let (task, kind) = try await ownedTask(params)
            return try await taskJSON(task, kind: kind).json
        }
    }

    /// Blocks until the task is terminal, then answers what the kind's result tool returns.
    func result(id: JSON, params: JSON) {
        let token = params["_meta"]?["progressToken"]
        answer(id) { [self] in
            let (task, kind) = try await ownedTask(params)
            let progress = progressSink(token, task)
            var state = try await taskJSON(task, kind: kind)
            while !state.isTerminal {
                state.report(to: progress)
                try await Task.sleep(nanoseconds: UInt64(Self.pollIntervalMs) * 1_000_000)
                state = try await taskJSON(task, kind: kind)
            }
            state.report(to: progress)
            let outcome = await invoker.call(name: kind.resultTool, arguments: arguments(task, kind), progress: nil)
            var json = outcome.json
            if state.status == "failed" { json["isError"] = true }
            json["_meta"] = .object([Self.relatedTaskKey: ["taskId": .string(task.text)]])
            return json
        }
    }

    func list(id: JSON, params: JSON) {
        answer(id) { [self] in try await listPage(cursor: params["cursor"]) }
    }

    func cancel(id: JSON, params: JSON) {
        answer(id) { [self] in
            let (task, kind) = try await ownedTask(params)
            let before = try await taskJSON(task, kind: kind)
            guard !before.isTerminal else {
                throw TaskFailure.invalid("Task '\(task.text)' is already \(before.status); only a working task can be cancelled.")
            }
            var args = arguments(task, kind)
            if let token = params["_meta"]?[Self.confirmMetaKey] { args[ToolInvoker.confirmArgument] = token }
            let outcome = await invoker.call(name: kind.cancelTool, arguments: args, progress: nil, elicit: elicit)
            if outcome.structured?["status"]?.string == "needs_confirmation" {
                let token = outcome.structured?["confirmation_token"] ?? .null
                throw TaskFailure(code: -32600,
                                  message: "tasks/cancel of '\(task.text)' needs the user's confirmation (\(kind.cancelTool)). Show them the preview in error.data; once they agree, send tasks/cancel again with params._meta[\"\(Self.confirmMetaKey)\"] = error.data.confirmation_token.",
                                  data: ["confirmation_token": token, "preview": outcome.structured ?? .null])
            }
            if outcome.isError || outcome.structured?["declined"] != nil {
                throw TaskFailure(code: -32603, message: "tasks/cancel of '\(task.text)' was not done: \(outcome.text)")
            }
            // A cancel that deleted the object leaves no state to read: the task ended as cancelled.
            let after = try? await taskJSON(task, kind: kind)
            return (after ?? TaskState(id: task, status: "cancelled", message: "\(kind.cancelTool): \(outcome.text)",
                                       progress: nil, times: before.times)).json
        }
    }

    /// The session ended: followers and blocked tasks/result stop (the tasks themselves go on in the cluster).
    func stop() {
        let all = lock.withLock { () -> [Task<Void, Never>] in
            stopped = true
            defer { running.removeAll() }
            return Array(running.values)
        }
        all.forEach { $0.cancel() }
    }

    /// A tool that declares taskSupport "required" called without params.task.
    func refusesPlainCall(_ tool: String) -> Bool { catalog.tools[tool]?.support == "required" }

    // MARK: Steps

    /// notifications/cancelled for a tasks/* request still running (a tasks/result blocked on a
    /// working task): it stops and gets no response (MCP cancellation); the task itself goes on.
    func abandon(_ requestID: JSON) {
        guard let work = lock.withLock({ running.removeValue(forKey: Self.requestKey(requestID)) }) else { return }
        work.cancel()
        settle(requestID)
    }

    private static func requestKey(_ id: JSON) -> String { "request " + id.serialized() }

    /// Runs `body` and answers the request with its result or its failure, unless the client cancelled it.
    private func answer(_ id: JSON, _ body: @escaping @Sendable () async throws -> JSON) {
        let key = Self.requestKey(id)
        spawn(key) { [self] in
            // Who we are is a blocking API request: asked once, on a tool thread.
            if invoker.caller?.user == nil && invoker.environment.cluster.knownIdentity == nil {
                _ = await ToolInvoker.onOwnThread { [self] in identity() }
            }
            let message: JSON
            do {
                message = ["jsonrpc": "2.0", "id": id, "result": try await body()]
            } catch let failure as TaskFailure {
                var error: JSON = ["code": .int(failure.code), "message": .string(Redactor.redact(failure.message))]
                if let data = failure.data { error["data"] = Redactor.scrub(data) }
                // The token is no secret (the preview shows it too); scrub would mask a *_token field.
                if let token = failure.data?["confirmation_token"] { error["data"]?["confirmation_token"] = token }
                message = ["jsonrpc": "2.0", "id": id, "error": error]
            } catch {
                message = MessageScreen.errorReply(id: id, code: -32603, "The request stopped: the session is ending.")
            }
            // Whoever removes the entry answers: this, or abandon (then no response at all).
            guard lock.withLock({ running.removeValue(forKey: key) }) != nil else { return }
            writer.write(message)
            settle(id)
        }
    }

    private func spawn(_ key: String = UUID().uuidString, _ body: @escaping @Sendable () async -> Void) {
        lock.withLock {
            guard !stopped else { return }
            running[key] = Task { [weak self] in
                await body()
                _ = self?.lock.withLock { self?.running.removeValue(forKey: key) }
            }
        }
    }

    /// A task-augmented tools/call: the tool runs as a plain call would (confirmation first; a
    /// preview, a refusal or an error is answered as the plain CallToolResult it is: no task
    /// exists then), and the object it names becomes the task.
    private func startTask(_ params: JSON) async throws -> JSON {
        let name = params["name"]?.string ?? ""
        guard let tool = catalog.tools[name], let kind = catalog.kinds[tool.kind] else {
            throw TaskFailure(code: -32601, message: "Tool '\(name)' does not run as a task (its execution.taskSupport is forbidden); call it without params.task.")
        }
        let arguments = params["arguments"] ?? [:]
        let progressToken = params["_meta"]?["progressToken"]
        let task: TaskID
        switch tool.start {
        case .arguments:
            // The tool is not run: the task follows the object its arguments name, if the caller may call it.
            guard let spec = invoker.registry.tools[name]?.spec, invoker.policy.allows(spec) else {
                throw TaskFailure(code: -32601, message: "Unknown tool '\(name)'.")
            }
            guard let objectName = arguments[kind.nameArgument]?.string else {
                throw TaskFailure.invalid("tools/call \(name) as a task needs arguments.\(kind.nameArgument)")
            }
            task = try named(kind, namespace: arguments["namespace"]?.string, name: objectName)
        case .result:
            let progress = MCPServer.progressSink(token: progressToken, writer: writer)
            let outcome = await invoker.call(name: name, arguments: arguments, progress: progress, elicit: elicit)
            guard !outcome.isError, let made = outcome.structured, made["preview"] == nil, made["declined"] == nil,
                  let objectName = made[kind.nameArgument]?.string,
                  let started = try? named(kind, namespace: made["namespace"]?.string, name: objectName),
                  (try? await owned(started)) != nil
            else { return outcome.json }  // nothing was started: the plain result says why
            task = started
        }
        let state = try await taskJSON(try await owned(task).0, kind: kind)
        if let progressToken { follow(task, kind: kind, token: progressToken) }
        return ["task": state.json]
    }

    private func named(_ kind: TaskSurface.Kind, namespace: String?, name: String) throws -> TaskID {
        let namespace = namespace ?? cluster.defaultNamespace
        if let problem = TaskID.problem(namespace: namespace, name: name) { throw TaskFailure.invalid("The task's object: \(problem)") }
        return TaskID(kind: kind.key, namespace: namespace, name: name)
    }

    /// The taskId of a tasks/* request, parsed, and the object it names when it is the caller's.
    private func ownedTask(_ params: JSON) async throws -> (TaskID, TaskSurface.Kind) {
        guard let text = params["taskId"]?.string else { throw TaskFailure.invalid("params.taskId (a string) is required") }
        let task = try TaskID.parse(text).get()
        return try await owned(task)
    }

    /// The task's kind when its object exists and carries the caller's owner stamp; else "not found",
    /// the same words whether it is missing or another user's. Fail-closed: an unreadable object is no task.
    @discardableResult
    private func owned(_ task: TaskID) async throws -> (TaskID, TaskSurface.Kind) {
        guard let kind = catalog.kinds[task.kind], invoker.policy.allowsNamespace(task.namespace) else {
            throw TaskFailure.notFound(task.text)
        }
        let found = await ToolInvoker.onOwnThread { [self] () -> Result<Void, TaskFailure> in
            let r = cluster.send(ClusterRequest(verb: "get", resource: Self.object(task, kind)))
            if r.status == 404 || r.status == 403 { return .failure(.notFound(task.text)) }
            guard r.status == 200 else {
                return .failure(TaskFailure(code: -32603, message: "Could not read task '\(task.text)' (HTTP \(r.status)); try again later."))
            }
            let owner = r.bodyJSON["metadata"]?["annotations"]?[ClusterGuard.ownerAnnotation]?.string
            return owner != nil && owner == identity() ? .success(()) : .failure(.notFound(task.text))
        }
        try found.get()
        return (task, kind)
    }

    /// The object a task is, as the API names it.
    private static func object(_ task: TaskID, _ kind: TaskSurface.Kind) -> ResourceRef {
        ResourceRef(group: kind.group, version: kind.version, resource: kind.resource, namespace: task.namespace, name: task.name)
    }

    private func arguments(_ task: TaskID, _ kind: TaskSurface.Kind) -> JSON {
        .object(["namespace": .string(task.namespace), kind.nameArgument: .string(task.name)])
    }

    /// The task as MCP shows it, from the kind's status tool (through the call pipeline).
    func taskJSON(_ task: TaskID, kind: TaskSurface.Kind) async throws -> TaskState {
        let outcome = await invoker.call(name: kind.statusTool, arguments: arguments(task, kind), progress: nil)
        guard !outcome.isError, let status = outcome.structured?["status"]?.string, TaskState.statuses.contains(status) else {
            throw TaskFailure(code: -32603, message: "The status of task '\(task.text)' could not be read: \(outcome.text)")
        }
        return TaskState(id: task, status: status, message: outcome.structured?["message"]?.string,
                         progress: outcome.structured?["progress"]?.double, times: await times(task, kind))
    }

    /// createdAt and lastUpdatedAt from Kubernetes' own fields: creationTimestamp, the newest condition transition.
    private func times(_ task: TaskID, _ kind: TaskSurface.Kind) async -> (String, String) {
        await ToolInvoker.onOwnThread { [self] in
            let object = cluster.send(ClusterRequest(verb: "get", resource: Self.object(task, kind))).bodyJSON
            let created = object["metadata"]?["creationTimestamp"]?.string ?? ""
            let transitions = (object["status"]?["conditions"]?.array ?? []).compactMap { $0["lastTransitionTime"]?.string }
            return (created, ([created] + transitions).max() ?? created)  // RFC 3339 in UTC sorts as text
        }
    }

    // MARK: Progress while the requestor polls

    /// After a task-augmented call with a progressToken: progress on that token, with the
    /// related-task metadata, and notifications/tasks/status when the status changes, until the
    /// task ends or the session does.
    private func follow(_ task: TaskID, kind: TaskSurface.Kind, token: JSON) {
        let progress = progressSink(token, task)
        spawn { [self] in
            var previous: String?
            while !Task.isCancelled {
                guard let state = try? await taskJSON(task, kind: kind) else { return }
                state.report(to: progress)
                if state.status != previous {
                    previous = state.status
                    writer.write(["jsonrpc": "2.0", "method": "notifications/tasks/status", "params": state.json] as JSON)
                }
                if state.isTerminal { return }
                try? await Task.sleep(nanoseconds: UInt64(Self.pollIntervalMs) * 1_000_000)
            }
        }
    }

    /// Progress on a requestor's token, tied to the task (MCP related-task metadata).
    private func progressSink(_ token: JSON?, _ task: TaskID) -> (@Sendable (Double, String) -> Void)? {
        MCPServer.progressSink(token: token, writer: writer,
                               meta: .object([Self.relatedTaskKey: ["taskId": .string(task.text)]]))
    }
}

/// One task's state as MCP's Task shows it.
struct TaskState: Sendable {
    static let statuses: Set<String> = ["working", "input_required", "completed", "failed", "cancelled"]
    let id: TaskID
    let status: String
    let message: String?
    let progress: Double?
    let times: (created: String, updated: String)

    var isTerminal: Bool { ["completed", "failed", "cancelled"].contains(status) }

    /// As progress: the status tool's fraction (a completed task is all done), else the last value again.
    func report(to sink: (@Sendable (Double, String) -> Void)?) {
        sink?(status == "completed" ? 1 : progress ?? -1, message.map(Redactor.redact) ?? status)
    }

    var json: JSON {
        var task: JSON = ["taskId": .string(id.text), "status": .string(status), "createdAt": .string(times.created),
                          "lastUpdatedAt": .string(times.updated), "ttl": .null,
                          "pollInterval": .int(TaskRouter.pollIntervalMs)]
        if let message { task["statusMessage"] = .string(message) }
        return task
    }
}
