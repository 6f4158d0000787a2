import Foundation
import KFJSON

/// Turns an HTTP error answer, usually a Kubernetes `Status` object, into a KubeError.
enum StatusErrorMapper {
    /// What the Status body says, or the plain text of a non-Status body.
    struct StatusBody {
        var message: String?
        var reason: String?
        var kind: String?
        var name: String?
        var causes: [(field: String?, message: String)] = []

        init(_ body: [UInt8]) {
            guard let json = try? JSON.parse(utf8: body), json["kind"]?.string == "Status" else {
                let text = String(decoding: body.prefix(600), as: UTF8.self)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                message = text.isEmpty ? nil : text
                return
            }
            message = nonEmpty(json["message"]?.string)
            reason = nonEmpty(json["reason"]?.string)
            kind = nonEmpty(json["details"]?["kind"]?.string)
            name = nonEmpty(json["details"]?["name"]?.string)
            causes = (json["details"]?["causes"]?.array ?? []).compactMap { cause in
                guard let text = nonEmpty(cause["message"]?.string) ?? nonEmpty(cause["reason"]?.string) else {
                    return nil
                }
                return (nonEmpty(cause["field"]?.string), text)
            }
        }
    }

    static func map(status: Int, body: [UInt8], attempts: Int, context: ErrorContext) -> KubeError {
        let parsed = StatusBody(body)
        let said = parsed.message.map { ": \($0)" } ?? ""
        switch status {
        case 401:
            return KubeError(reason: "Unauthorized", message:
                "The API server at \(context.server) rejected \(context.credentialsDescription) (401 Unauthorized): "
                + "they are missing, wrong or expired. Log in again or refresh the kubeconfig, "
                + "or choose another context.")
        case 403:
            return KubeError(reason: "Forbidden", message: forbiddenMessage(parsed, context))
        case 404:
            if parsed.message == nil || parsed.message == "the server could not find the requested resource" {
                return KubeError(reason: "NotFound", message:
                    "The API server at \(context.server) does not serve \(context.path): the resource type "
                    + "is not installed (is its CRD, e.g. Kubeflow Trainer's, installed?) or the API version is wrong.")
            }
            return KubeError(reason: "NotFound", message:
                "Not found\(said). Check the name and the namespace\(namespaceHint(context)).")
        case 409 where parsed.reason == "AlreadyExists":
            return KubeError(reason: "AlreadyExists", message:
                "Already exists\(said). Choose another name, or delete the existing object first.")
        case 409:
            return KubeError(reason: "Conflict", message:
                "Conflict\(said). The object changed since it was read: read it again and reapply the change.")
        case 422:
            return KubeError(reason: "Invalid", message: invalidMessage(parsed, context))
        case 429:
            return KubeError(reason: "TooManyRequests", message:
                "The API server at \(context.server) is throttling requests (429 Too Many Requests)"
                + triesNote(attempts) + said + ". Wait a little and try again.")
        case 500...599:
            return KubeError(reason: "ServerError", message:
                "The API server at \(context.server) failed to handle \(context.request) (HTTP \(status))"
                + triesNote(attempts) + said + ". Check the cluster's health; the request may succeed later.")
        default:
            return KubeError(reason: parsed.reason ?? defaultReason(status), message:
                "\(context.request) failed with HTTP \(status)\(said).")
        }
    }

    /// RBAC denials read: `... is forbidden: User "u" cannot create resource "trainjobs"
    /// in API group "trainer.kubeflow.org" in the namespace "team-a"`.
    private static func forbiddenMessage(_ parsed: StatusBody, _ context: ErrorContext) -> String {
        guard let message = parsed.message else {
            return "The API server refused \(context.request) for user \"\(context.userName)\" (403 Forbidden)."
        }
        guard let denial = RBACDenial(message) else {
            return "The API server refused \(context.request) (403 Forbidden): \(message)."
        }
        let who = denial.user
        let verb = denial.verb
        var resource = denial.resource
        if let apiGroup = denial.apiGroup, !apiGroup.isEmpty { resource += "." + apiGroup }
        let scope = denial.namespace.map { "in namespace \"\($0)\"" } ?? "at cluster scope"
        return "Forbidden: \"\(who)\" (kubeconfig user \"\(context.userName)\") may not \(verb) \(resource) \(scope). "
            + "Ask a cluster administrator for a Role/RoleBinding that allows it, or use a namespace you have access to."
    }

    private static func invalidMessage(_ parsed: StatusBody, _ context: ErrorContext) -> String {
        var subject = "The object"
        if let kind = parsed.kind, let name = parsed.name { subject = "\(kind) \"\(name)\"" }
        guard !parsed.causes.isEmpty else {
            return "\(subject) is invalid: \(parsed.message ?? "the API server rejected \(context.request)")."
        }
        let fields = parsed.causes.map { cause in cause.field.map { "\($0): \(cause.message)" } ?? cause.message }
        return "\(subject) is invalid: " + fields.joined(separator: "; ") + ". Fix these fields and try again."
    }

    private static func namespaceHint(_ context: ErrorContext) -> String {
        let parts = context.path.split(separator: "/")
        guard let index = parts.firstIndex(of: "namespaces"), index + 1 < parts.count else { return "" }
        return " (namespace \"\(parts[index + 1])\")"
    }

    private static func triesNote(_ attempts: Int) -> String {
        attempts > 1 ? " after \(attempts) tries" : ""
    }

    private static func defaultReason(_ status: Int) -> String {
        switch status {
        case 400: return "BadRequest"
        case 405: return "MethodNotAllowed"
        case 406: return "NotAcceptable"
        case 410: return "Gone"
        case 413: return "RequestEntityTooLarge"
        case 415: return "UnsupportedMediaType"
        default: return "HTTPError"
        }
    }
}

/// The parts of an RBAC denial: `User "u" cannot create resource "trainjobs"`, then optionally
/// ` in API group "g"` and ` in the namespace "n"` — the first place in the message where
/// `User "([^"]*)" cannot (\S+) resource "([^"]+)"(?: in API group "([^"]*)")?(?: in the namespace "([^"]+)")?`
/// matches, read by hand (a regular expression would page ICU into the server).
struct RBACDenial {
    var user: String
    var verb: String
    var resource: String
    var apiGroup: String?
    var namespace: String?

    init?(_ message: String) {
        var from = message.startIndex
        while let start = message[from...].range(of: "User \"") {
            if let denial = RBACDenial(reading: message[start.upperBound...]) {
                self = denial
                return
            }
            from = start.upperBound
        }
        return nil
    }

    /// From just after `User "`.
    private init?(reading text: Substring) {
        var rest = text
        /// Text up to the next quote (at least `least` characters), and the rest after that quote.
        func quoted(least: Int) -> String? {
            guard let end = rest.firstIndex(of: "\""), rest.distance(from: rest.startIndex, to: end) >= least else { return nil }
            defer { rest = rest[rest.index(after: end)...] }
            return String(rest[..<end])
        }
        func take(_ literal: String) -> Bool {
            guard rest.hasPrefix(literal) else { return false }
            rest = rest.dropFirst(literal.count)
            return true
        }
        guard let user = quoted(least: 0), take(" cannot ") else { return nil }
        let verb = rest.unicodeScalars.prefix { !$0.properties.isWhitespace }
        guard !verb.isEmpty else { return nil }
        rest = Substring(rest.unicodeScalars.dropFirst(verb.count))
        guard take(" resource \""), let resource = quoted(least: 1) else { return nil }
        self.user = user
        self.verb = String(verb)
        self.resource = resource
        let beforeGroup = rest
        if take(" in API group \""), let group = quoted(least: 0) { apiGroup = group } else { rest = beforeGroup }
        if take(" in the namespace \""), let namespace = quoted(least: 1) { self.namespace = namespace }
    }
}
