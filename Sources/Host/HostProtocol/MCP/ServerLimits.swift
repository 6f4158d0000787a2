import Foundation
import HostBase
import HostCalls
import HostKubeGate
import HostPlugins
import KFJSON

/// The bounds that make the server loop always end.
public struct ServerLimits: Sendable {
    /// A tools/call without a timeout argument must answer within this.
    public var callTimeout: Duration = .seconds(300)
    /// Added to a tool's own `timeout_seconds` (wait_for_completion) for its deadline.
    public var timeoutMargin: Duration = .seconds(60)
    /// After EOF, calls still running this long are answered with an error and the host exits.
    public var exitGrace: Duration = .seconds(10)

    public init() {}

    /// A call's deadline: a tool that takes `timeout_seconds` (its argument, else
    /// the schema's default or maximum) gets that plus the margin; others get
    /// `callTimeout`. Derived from the input schema, so plugins need no new field.
    public func deadline(for spec: ToolSpec?, arguments: JSON?) -> Duration {
        guard let property = spec?.inputSchema["properties"]?["timeout_seconds"] else { return callTimeout }
        let seconds = arguments?["timeout_seconds"]?.double ?? property["default"]?.double ?? property["maximum"]?.double
        guard let seconds, seconds > 0 else { return callTimeout }
        return max(callTimeout, .milliseconds(Int64(min(seconds, 7 * 86_400) * 1000)) + timeoutMargin)
    }
}
