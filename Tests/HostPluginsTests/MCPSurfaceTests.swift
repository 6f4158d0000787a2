@testable import HostPlugins
import KFJSON
import Testing

/// URI templates match whole segments whose values are Kubernetes names, and
/// a plugin's surface declaration is checked key by key.
@Suite struct MCPSurfaceTests {
    let job = try! URITemplate.parse("trainjob://{namespace}/{name}").get()

    @Test func matchesWholeSegmentsOfValidNames() throws {
        #expect(try job.match("trainjob://default/ft-1")?.get() == ["namespace": "default", "name": "ft-1"])
        #expect(job.match("trainjob://default/ft-1/logs") == nil)  // another template's shape
        #expect(job.match("experiment://default/x") == nil)
        #expect(job.expand(["namespace": "ns", "name": "a.b"]) == "trainjob://ns/a.b")
        #expect(job.expand(["namespace": "ns", "name": "A"]) == nil)
    }

    @Test(arguments: ["trainjob://default/..", "trainjob://default/a%2Fb", "trainjob://default/%2e%2e", "trainjob://../x",
                      "trainjob://default/UPPER", "trainjob://default/a_b", "trainjob:///x", "trainjob://default/-x"])
    func hostileValuesAreRefusedNamingTheVariable(uri: String) throws {
        guard case .failure(let problem)? = job.match(uri) else { Issue.record("\(uri) matched"); return }
        #expect(problem.message.hasPrefix("{"))
    }

    @Test(arguments: ["trainjob://{+path}", "trainjob://x{name}", "trainjob://{name}x", "noscheme/{name}", "trainjob://{a}/{a}",
                      "trainjob://{name", "trainjob://name}", ""])
    func templatesThisHostCannotMatchAreRefused(text: String) {
        #expect(throws: SurfaceProblem.self) { try URITemplate.parse(text).get() }
    }

    func parse(_ text: String) -> Result<MCPSurface, SurfaceProblem> {
        MCPSurface.parse(text, pluginID: "p", tools: ["read_it", "list_them"])
    }

    @Test func aFullDeclarationReads() throws {
        let s = try parse(#"""
            {"resources":[{"uri":"p://state","name":"state","tool":"read_it"}],
             "resource_templates":[{"uriTemplate":"p://{namespace}/{name}","name":"thing","tool":"read_it",
               "arguments":{"id":"{name}"},
               "list":{"tool":"list_them","items":"things","fields":{"namespace":"namespace","name":"name"}},
               "watch":{"group":"example.org","version":"v1","resource":"things"}}],
             "prompts":[{"name":"plan","tool":"read_it","arguments":[{"name":"model","required":true}]}],
             "completions":[{"ref":{"type":"ref/prompt","name":"plan"},"argument":"model","tool":"list_them","items":"things","field":"name"}],
             "tasks":{"whatever":1}}
            """#).get()
        #expect(s.resources.first?.uri == "p://state")
        #expect(s.templates.first?.watch?.resource == "things")
        #expect(s.templates.first?.read.arguments(with: ["name": "x"]) == ["id": "x"])
        #expect(s.prompts.first?.arguments.first?.required == true)
        #expect(s.completions.count == 1)
    }

    @Test(arguments: [
        (#"{"resources":{}}"#, "resources must be an array"),
        (#"{"resources":[{"uri":"p://x","name":"x","tool":"other_plugins_tool"}]}"#, "resources[0].tool 'other_plugins_tool'"),
        (#"{"resources":[{"uri":"p://{x}","name":"x","tool":"read_it"}]}"#, "resources[0].uri"),
        (#"{"resource_templates":[{"uriTemplate":"p://{a}","name":"x","tool":"read_it","list":{"tool":"list_them","items":"i","fields":{}}}]}"#,
         "resource_templates[0].list.fields"),
        (#"{"resource_templates":[{"uriTemplate":"p://{a}","name":"x","tool":"read_it","watch":{"version":"v1","resource":"r"}}]}"#,
         "resource_templates[0].watch"),
        (#"{"resource_templates":[{"uriTemplate":"p://{namespace}/{name}","name":"x","tool":"read_it","watch":{"version":"1","resource":"r"}}]}"#,
         "resource_templates[0].watch needs"),
        (#"{"prompts":[{"name":"Bad Name","tool":"read_it"}]}"#, "prompts[0].name"),
        (#"{"prompts":[{"name":"p","tool":"read_it","arguments":[{"name":"a"},{"name":"a"}]}]}"#, "names an argument twice"),
        (#"{"completions":[{"ref":{"type":"ref/resource","uri":"p://{a}"},"argument":"a","tool":"list_them"}]}"#, "completions[0]"),
        (#"{"completions":[{"ref":{"type":"nonsense"},"argument":"a","tool":"list_them"}]}"#, "completions[0].ref"),
        ("[]", "not a JSON object"),
    ])
    func malformedKeysAreNamed(text: String, expected: String) {
        guard case .failure(let problem) = parse(text) else { Issue.record("\(text) was accepted"); return }
        #expect(problem.message.contains(expected), "\(problem.message)")
    }

    @Test func noSurfaceIsEmpty() throws {
        #expect(try MCPSurface.parse(nil, pluginID: "p", tools: []).get().isEmpty)
    }
}
