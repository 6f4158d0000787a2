/// The facts an error message names: which request, which server, which user.
/// Holds no credentials.
struct ErrorContext {
    var method: String
    var path: String
    var server: String
    var contextName: String
    var clusterName: String
    var userName: String
    var authMethod: String
    var certificateAuthorityOrigin: String?
    var hasClientCertificate: Bool

    var request: String { "\(method) \(path)" }

    /// "the token of user \"dev\"", "the exec plugin credentials of user \"dev\"", ...
    var credentialsDescription: String {
        switch authMethod {
        case "exec": return "the credentials from the exec plugin of user \"\(userName)\""
        case "token": return "the token of user \"\(userName)\""
        case "basic": return "the username and password of user \"\(userName)\""
        case "client-cert": return "the client certificate of user \"\(userName)\""
        default: return "the anonymous request (context \"\(contextName)\" has no credentials)"
        }
    }
}
