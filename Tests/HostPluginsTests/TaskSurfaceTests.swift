@testable import HostPlugins
import KFJSON
import Testing

/// The manifest's mcp_surface_json "tasks" key: what a plugin may declare, and
/// the sentence that refuses it otherwise (docs/mcp-surface.md).
@Suite struct TaskSurfaceTests {
    static let own: Set<String> = ["start_job", "job_status", "job_result", "stop_job"]
    static let kind: JSON = ["group": "example.org", "version": "v1alpha1", "resource": "jobs", "status_tool": "job_status",
                             "result_tool": "job_result", "cancel_tool": "stop_job", "name_argument": "job_id"]

    static func read(_ tasks: JSON) -> Result<TaskSurface?, ManifestReader.Problem> {
        TaskSurface.read((["tasks": tasks] as JSON).serialized(), pluginID: "p", ownTools: own)
    }

    @Test func aDeclarationReadsWithItsDefaults() throws {
        let surface = try #require(try Self.read(["kinds": ["job": Self.kind], "tools": ["start_job": ["kind": "job"]]]).get())
        #expect(surface.kinds["job"]?.resource == "jobs" && surface.kinds["job"]?.nameArgument == "job_id")
        #expect(surface.tools["start_job"] == .init(name: "start_job", kind: "job", support: "optional", start: .result))
    }

    @Test func noSurfaceOrNoTasksKeyIsNoTasks() throws {
        #expect(try TaskSurface.read(nil, pluginID: "p", ownTools: Self.own).get() == nil)
        #expect(try TaskSurface.read(#"{"prompts": {}}"#, pluginID: "p", ownTools: Self.own).get() == nil)
    }

    @Test(arguments: [
        (#"[1]"#, "not a JSON object"),
        (#"{"tasks": []}"#, "\"kinds\" and \"tools\""),
        (#"{"tasks": {"kinds": {"Bad Kind": {}}, "tools": {}}}"#, "kind 'Bad Kind'"),
        (#"{"tasks": {"kinds": {"job": {"group": "", "version": "v1", "resource": "pods", "status_tool": "job_status", "result_tool": "job_result", "cancel_tool": "stop_job"}}, "tools": {}}}"#, "with a '.'"),
        (#"{"tasks": {"kinds": {"job": {"group": "example.org", "version": "v1", "resource": "jobs", "status_tool": "someone_elses", "result_tool": "job_result", "cancel_tool": "stop_job"}}, "tools": {}}}"#, "\"status_tool\" must name one of this plugin's own tools"),
        (#"{"tasks": {"kinds": {}, "tools": {"not_mine": {"kind": "job"}}}}"#, "'not_mine' is not one of this plugin's tools"),
        (#"{"tasks": {"kinds": {}, "tools": {"start_job": {"kind": "job"}}}}"#, "names no declared \"kind\""),
    ])
    func aMalformedDeclarationRefusesThePluginNamingTheField(text: String, expected: String) {
        guard case .failure(let problem) = TaskSurface.read(text, pluginID: "p", ownTools: Self.own) else {
            Issue.record("accepted \(text)")
            return
        }
        #expect(problem.message.contains("plugin 'p'") && problem.message.contains(expected), "\(problem.message)")
    }

    @Test func supportAndStartAreChecked() {
        for tool: JSON in [["kind": "job", "task_support": "forbidden"], ["kind": "job", "start": "later"]] {
            guard case .failure = Self.read(["kinds": ["job": Self.kind], "tools": ["start_job": tool]]) else {
                Issue.record("accepted \(tool.serialized())")
                continue
            }
        }
    }

    @Test func theKeyTravelsOverTheChildPipe() throws {
        let text = (["tasks": ["kinds": [:], "tools": [:]]] as JSON).serialized()
        let raw = RawManifest(pluginID: "p", version: "1", builtWith: "c", abiMajor: 1, abiMinor: 2, tools: [], backends: [],
                              mcpSurface: text)
        #expect(RawManifest(json: try JSON.parse(raw.json.serialized()))?.mcpSurface == text)
    }
}
