import Foundation
import KFYAML

/// One kubeconfig file as written, with relative file paths already resolved
/// against the file's own directory (kubectl's rule).
struct KubeConfigFile {
    struct Cluster {
        var server: String?
        var certificateAuthority: String?
        var certificateAuthorityData: String?
        var insecureSkipTLSVerify = false
        var proxyURL: String?
        var tlsServerName: String?
    }

    struct User {
        var clientCertificate: String?
        var clientCertificateData: String?
        var clientKey: String?
        var clientKeyData: String?
        var token: String?
        var tokenFile: String?
        var username: String?
        var password: String?
        var exec: Exec?
        /// Legacy `auth-provider` name; reported as unsupported.
        var authProvider: String?
    }

    struct Exec {
        var apiVersion: String?
        var command: String?
        var args: [String] = []
        var env: [(name: String, value: String)] = []
        var installHint: String?
        var provideClusterInfo = false
    }

    struct Context {
        var cluster: String?
        var user: String?
        var namespace: String?
    }

    /// An entry with the file that defined it, so messages can point there.
    struct Named<Entry> {
        var name: String
        var entry: Entry
        var file: String
    }

    var path: String
    var currentContext: String?
    var clusters: [Named<Cluster>] = []
    var users: [Named<User>] = []
    var contexts: [Named<Context>] = []

    /// Reads and parses `path`.
    static func load(path: String) throws -> KubeConfigFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw KubeConfigError("Cannot read kubeconfig file \(path): \(Self.reason(error)).")
        }
        return try parse(text, path: path)
    }

    static func parse(_ text: String, path: String) throws -> KubeConfigFile {
        let root: YAMLNode?
        do {
            root = try YAMLReader.compose(text)
        } catch {
            throw KubeConfigError("Kubeconfig file \(path) is not valid YAML: \(error).")
        }
        var file = KubeConfigFile(path: path)
        // An empty file is a valid, empty kubeconfig.
        guard let root else { return file }
        guard root.mapping != nil else {
            throw KubeConfigError("Kubeconfig file \(path) is not a YAML mapping (expected apiVersion, clusters, contexts, users).")
        }
        let directory = (path as NSString).deletingLastPathComponent
        func resolvePath(_ value: String?) -> String? {
            guard let value, !value.isEmpty else { return nil }
            return value.hasPrefix("/") ? value : (directory as NSString).appendingPathComponent(value)
        }

        file.currentContext = nonEmpty(root["current-context"]?.string)
        file.clusters = namedEntries(root["clusters"], key: "cluster", path: path) { node in
            Cluster(server: nonEmpty(node["server"]?.string),
                    certificateAuthority: resolvePath(node["certificate-authority"]?.string),
                    certificateAuthorityData: nonEmpty(node["certificate-authority-data"]?.string),
                    insecureSkipTLSVerify: node["insecure-skip-tls-verify"]?.bool ?? false,
                    proxyURL: nonEmpty(node["proxy-url"]?.string),
                    tlsServerName: nonEmpty(node["tls-server-name"]?.string))
        }
        file.users = namedEntries(root["users"], key: "user", path: path) { node in
            User(clientCertificate: resolvePath(node["client-certificate"]?.string),
                 clientCertificateData: nonEmpty(node["client-certificate-data"]?.string),
                 clientKey: resolvePath(node["client-key"]?.string),
                 clientKeyData: nonEmpty(node["client-key-data"]?.string),
                 token: nonEmpty(node["token"]?.string),
                 tokenFile: resolvePath(node["tokenFile"]?.string),
                 username: nonEmpty(node["username"]?.string),
                 password: node["password"]?.string,
                 exec: node["exec"].map { parseExec($0, resolvePath: resolvePath) },
                 authProvider: nonEmpty(node["auth-provider"]?["name"]?.string))
        }
        file.contexts = namedEntries(root["contexts"], key: "context", path: path) { node in
            Context(cluster: nonEmpty(node["cluster"]?.string),
                    user: nonEmpty(node["user"]?.string),
                    namespace: nonEmpty(node["namespace"]?.string))
        }
        return file
    }

    private static func parseExec(_ node: YAMLNode, resolvePath: (String?) -> String?) -> Exec {
        var exec = Exec()
        exec.apiVersion = nonEmpty(node["apiVersion"]?.string)
        // A command with a slash is a path (relative to the kubeconfig); a bare
        // name is looked up in PATH when the plugin runs.
        if let command = nonEmpty(node["command"]?.string) {
            exec.command = command.contains("/") ? resolvePath(command) : command
        }
        exec.args = node["args"]?.sequence?.compactMap { $0.string } ?? []
        exec.env = node["env"]?.sequence?.compactMap { item in
            guard let name = item["name"]?.string else { return nil }
            return (name, item["value"]?.string ?? "")
        } ?? []
        exec.installHint = nonEmpty(node["installHint"]?.string)
        exec.provideClusterInfo = node["provideClusterInfo"]?.bool ?? false
        return exec
    }

    /// `clusters: [{name: x, cluster: {...}}]` and the like. Entries without a
    /// name are skipped, as kubectl does.
    private static func namedEntries<Entry>(_ node: YAMLNode?, key: String, path: String,
                                            _ parse: (YAMLNode) -> Entry) -> [Named<Entry>] {
        guard let items = node?.sequence else { return [] }
        return items.compactMap { item in
            guard let name = nonEmpty(item["name"]?.string) else { return nil }
            let body = item[key] ?? YAMLReader.empty  // a missing body reads as all fields unset
            return Named(name: name, entry: parse(body), file: path)
        }
    }

    static func reason(_ error: Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
           underlying.domain == NSPOSIXErrorDomain,
           let code = POSIXErrorCode(rawValue: Int32(underlying.code)) {
            return String(cString: strerror(code.rawValue)).lowercased()
        }
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError {
            return "no such file"
        }
        return nsError.localizedDescription
    }
}

func nonEmpty(_ value: String?) -> String? {
    guard let value, !value.isEmpty else { return nil }
    return value
}
