import HostBase
import KFJSON

/// What one plugin adds to MCP beyond tools (manifest `mcp_surface_json`,
/// ABI 1.2; shapes in docs/mcp-surface.md). Each entry names a tool of the
/// same plugin as its handler: reading a resource, getting a prompt or
/// completing an argument is a call of that tool through the one pipeline.
/// The `tasks` key belongs to the task support and is not read here.
public struct MCPSurface: Sendable {
    /// A call of the handler tool: the arguments are the declared ones with
    /// every string that is exactly "{variable}" replaced by its value.
    public struct Handler: Sendable, Equatable {
        public var tool: String
        public var arguments: [String: JSON]

        public init(tool: String, arguments: [String: JSON]) {
            self.tool = tool
            self.arguments = arguments
        }

        public func arguments(with values: [String: String]) -> JSON {
            .object(arguments.mapValues { value in
                if let s = value.string, s.hasPrefix("{"), s.hasSuffix("}"), let v = values[String(s.dropFirst().dropLast())] {
                    return .string(v)
                }
                return value
            })
        }
    }

    /// How a result becomes text: the JSON of `field` (or the whole result), or
    /// the string at `field`, or its lines when it is an array of strings.
    public struct Described: Sendable, Equatable {
        public var name: String
        public var title: String?
        public var description: String?
        public var mimeType: String
        public var contentField: String?
    }

    public struct Resource: Sendable {
        public var uri: String
        public var about: Described
        public var read: Handler
    }

    public struct Template: Sendable {
        public var template: URITemplate
        public var about: Described
        public var read: Handler
        /// How resources/list finds this template's instances: a tool whose
        /// result holds an array (`items`) of objects; each object's fields
        /// (`fields`: variable → field) fill the template.
        public var list: Listing?
        /// The Kubernetes collection whose changes change these resources, for resources/subscribe.
        public var watch: Watch?
    }

    public struct Listing: Sendable {
        public var handler: Handler
        public var items: String
        public var fields: [String: String]
    }

    public struct Watch: Sendable, Equatable, Hashable {
        public var group: String
        public var version: String
        public var resource: String
        /// The template variables holding the object's namespace and name.
        public var namespaceVariable: String
        public var nameVariable: String
    }

    public struct Prompt: Sendable {
        public var name: String
        public var title: String?
        public var description: String?
        public var arguments: [Argument]
        /// Called with {"prompt": name, "arguments": {…}}; answers {"description"?, "messages": […]}.
        public var tool: String
    }

    public struct Argument: Sendable {
        public var name: String
        public var description: String?
        public var required: Bool
    }

    /// What completion/complete refers to: a prompt by name or a template by its text.
    public enum Reference: Sendable, Equatable {
        case prompt(String)
        case resource(String)
    }

    public struct Completion: Sendable {
        public var ref: Reference
        public var argument: String
        /// Called with `arguments`, where "{variable}" takes the value of another
        /// argument the client already chose (completion context).
        public var handler: Handler
        /// Where the candidates are: `items` an array in the result (of strings, or of
        /// objects whose `field` is taken); without `items`, the result's "values".
        public var items: String?
        public var field: String?
    }

    public var pluginID: String
    public var resources: [Resource] = []
    public var templates: [Template] = []
    public var prompts: [Prompt] = []
    public var completions: [Completion] = []

    public var isEmpty: Bool { resources.isEmpty && templates.isEmpty && prompts.isEmpty && completions.isEmpty }

    public init(pluginID: String) { self.pluginID = pluginID }
}

// MARK: Reading the manifest's JSON

extension MCPSurface {
    /// The plugin's declaration, checked: every handler is one of `tools`, every
    /// URI and template well-formed. A failure names the key and the fix.
    static func parse(_ text: String?, pluginID: String, tools: Set<String>) -> Result<MCPSurface, SurfaceProblem> {
        var surface = MCPSurface(pluginID: pluginID)
        guard let text else { return .success(surface) }
        guard text.utf8.count <= 1 << 20, let root = try? JSON.parse(text), root.object != nil else {
            return .failure(SurfaceProblem("mcp_surface_json is not a JSON object (at most 1 MiB)"))
        }
        do {
            surface.resources = try entries(root, "resources") { e, key in
                let uri = try string(e, "uri", key)
                guard case .success = URITemplate.parse(uri), !uri.contains("{"), !uri.contains("%") else {
                    throw Bad("\(key).uri '\(uri)' is not a URI with a scheme and no template variables")
                }
                return Resource(uri: uri, about: try described(e, key), read: try handler(e, key, tools))
            }
            surface.templates = try entries(root, "resource_templates") { e, key in
                let text = try string(e, "uriTemplate", key)
                let template: URITemplate
                switch URITemplate.parse(text) {
                case .success(let t): template = t
                case .failure(let why): throw Bad("\(key).uriTemplate \(why.message)")
                }
                var list: Listing?
                if let l = e["list"] {
                    let items = try string(l, "items", key + ".list")
                    guard let fields = l["fields"]?.object?.compactMapValues(\.string), Set(fields.keys) == Set(template.variables) else {
                        throw Bad("\(key).list.fields must map each of the template's variables (\(template.variables.joined(separator: ", "))) to a field of an item")
                    }
                    list = Listing(handler: try handler(l, key + ".list", tools), items: items, fields: fields)
                }
                var watch: Watch?
                if let w = e["watch"] {
                    let ns = w["namespace_variable"]?.string ?? "namespace", name = w["name_variable"]?.string ?? "name"
                    guard template.variables.contains(ns), template.variables.contains(name) else {
                        throw Bad("\(key).watch: the template has no {\(ns)} and {\(name)} variables for the object's namespace and name")
                    }
                    let group = w["group"]?.string ?? ""
                    guard let version = w["version"]?.string, KubeNames.versionProblem(version) == nil,
                          let resource = w["resource"]?.string, KubeNames.identifierProblem(resource) == nil,
                          KubeNames.isDeclarableResource(group + "/" + resource)
                    else { throw Bad("\(key).watch needs \"group\" (a plugin's own API group: with a '.', not core or k8s.io), \"version\" (like v1alpha1) and \"resource\" (plural, lowercase)") }
                    watch = Watch(group: group, version: version, resource: resource, namespaceVariable: ns, nameVariable: name)
                }
                return Template(template: template, about: try described(e, key), read: try handler(e, key, tools), list: list, watch: watch)
            }
            surface.prompts = try entries(root, "prompts") { e, key in
                let name = try string(e, "name", key)
                guard ManifestReader.isID(name) else { throw Bad("\(key).name '\(name)' is not [a-z][a-z0-9_-]*") }
                let args = try (e["arguments"]?.array ?? []).enumerated().map { i, a in
                    let akey = "\(key).arguments[\(i)]"
                    let aname = try string(a, "name", akey)
                    guard ManifestReader.isToolName(aname) else { throw Bad("\(akey).name '\(aname)' is not [a-z][a-z0-9_]*") }
                    return Argument(name: aname, description: a["description"]?.string.map(Redactor.redact),
                                    required: a["required"]?.bool ?? false)
                }
                guard Set(args.map(\.name)).count == args.count else { throw Bad("\(key) names an argument twice") }
                let tool = try string(e, "tool", key)
                guard tools.contains(tool) else { throw Bad("\(key).tool '\(tool)' is not one of this plugin's tools") }
                return Prompt(name: name, title: e["title"]?.string.map(Redactor.redact),
                              description: e["description"]?.string.map(Redactor.redact), arguments: args, tool: tool)
            }
            surface.completions = try entries(root, "completions") { e, key in
                let ref: Reference
                switch (e["ref"]?["type"]?.string, e["ref"]?["name"]?.string, e["ref"]?["uri"]?.string) {
                case ("ref/prompt", let name?, _): ref = .prompt(name)
                case ("ref/resource", _, let uri?): ref = .resource(uri)
                default: throw Bad("\(key).ref must be {\"type\":\"ref/prompt\",\"name\":…} or {\"type\":\"ref/resource\",\"uri\":…}")
                }
                return Completion(ref: ref, argument: try string(e, "argument", key), handler: try handler(e, key, tools),
                                  items: e["items"]?.string, field: e["field"]?.string)
            }
        } catch let bad as Bad {
            return .failure(SurfaceProblem(bad.message))
        } catch {
            return .failure(SurfaceProblem("\(error)"))
        }
        // A completion names a prompt argument or a template variable this plugin declares.
        for (i, c) in surface.completions.enumerated() {
            let known: [String]? = switch c.ref {
            case .prompt(let name): surface.prompts.first { $0.name == name }?.arguments.map(\.name)
            case .resource(let uri): surface.templates.first { $0.template.text == uri }?.template.variables
            }
            guard let known, known.contains(c.argument) else {
                return .failure(SurfaceProblem("completions[\(i)]: argument '\(c.argument)' is not an argument of a prompt or a variable of a template this plugin declares"))
            }
        }
        return .success(surface)
    }

    private struct Bad: Error { let message: String; init(_ m: String) { message = m } }

    private static func entries<T>(_ root: JSON, _ key: String, _ read: (JSON, String) throws -> T) throws -> [T] {
        guard let value = root[key], value != .null else { return [] }
        guard let list = value.array else { throw Bad("\(key) must be an array") }
        guard list.count <= 256 else { throw Bad("\(key) has \(list.count) entries (at most 256)") }
        return try list.enumerated().map { i, e in
            guard e.object != nil else { throw Bad("\(key)[\(i)] must be an object") }
            return try read(e, "\(key)[\(i)]")
        }
    }

    private static func string(_ e: JSON, _ field: String, _ key: String) throws -> String {
        guard let s = e[field]?.string, !s.isEmpty, s.utf8.count <= 1024 else { throw Bad("\(key).\(field) must be a non-empty string") }
        return s
    }

    private static func handler(_ e: JSON, _ key: String, _ tools: Set<String>) throws -> Handler {
        let tool = try string(e, "tool", key)
        guard tools.contains(tool) else { throw Bad("\(key).tool '\(tool)' is not one of this plugin's tools") }
        guard let args = (e["arguments"] ?? [:]).object else { throw Bad("\(key).arguments must be an object") }
        return Handler(tool: tool, arguments: args)
    }

    private static func described(_ e: JSON, _ key: String) throws -> Described {
        Described(name: try string(e, "name", key), title: e["title"]?.string.map(Redactor.redact),
                  description: e["description"]?.string.map(Redactor.redact),
                  mimeType: e["mimeType"]?.string ?? "application/json", contentField: e["content_field"]?.string)
    }
}
