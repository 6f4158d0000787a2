import FlyingFox
import HTTPServing
import Foundation
import KFJSON

/// Building HTTP responses the way kube-apiserver shapes them.
enum Responses {
    static func json(_ text: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(statusCode: HTTPStatusCode(status, phrase: phrase(status)),
                     headers: [.contentType: "application/json", HTTPHeader("Cache-Control"): "no-cache, private"],
                     body: Data(text.utf8))
    }

    static func json(_ value: JSON, status: Int = 200) -> HTTPResponse { json(value.serialized(), status: status) }

    static func error(_ error: APIError) -> HTTPResponse {
        var response = json(error.status, status: error.code)
        if error.code == 429 { response.headers[HTTPHeader("Retry-After")] = "1" }
        return response
    }

    static func text(_ text: String) -> HTTPResponse {
        HTTPResponse(statusCode: .ok, headers: [.contentType: "text/plain"], body: Data(text.utf8))
    }

    /// A chunked response fed by `stream` until it finishes.
    static func streaming(_ stream: AsyncStream<Data>, contentType: String) -> HTTPResponse {
        HTTPResponse(statusCode: .ok,
                     headers: [.contentType: contentType, HTTPHeader("Cache-Control"): "no-cache, private"],
                     body: HTTPBodySequence(from: StreamBody(stream: stream)))
    }

    static func dropped() -> HTTPResponse {
        HTTPResponse(statusCode: .ok, headers: [.contentType: "application/json"],
                     body: HTTPBodySequence(from: BrokenBody()))
    }

    private static func phrase(_ code: Int) -> String {
        switch code {
        case 200: return "OK"
        case 201: return "Created"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 409: return "Conflict"
        case 410: return "Gone"
        case 415: return "Unsupported Media Type"
        case 422: return "Unprocessable Entity"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        default: return "Status"
        }
    }
}

extension HTTPResponse {
    /// One `Warning: 299 - "<text>"` header per warning (RFC 7234), which kubectl prints as `Warning: <text>`.
    func warning(_ warnings: [String]) -> HTTPResponse {
        var response = self
        for text in warnings {
            let quoted = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            response.headers.addValue("299 - \"\(quoted)\"", for: HTTPHeader("Warning"))
        }
        return response
    }
}
