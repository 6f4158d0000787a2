import Foundation
@testable import HostProtocol
import KFJSON
import Testing

/// Routing a response reads its id and outcome without parsing the rest, and agrees with a full parse.
@Suite struct ResponseHeadTests {
    static func head(_ text: String) -> ResponseHead? { ResponseHead(Data(text.utf8)) }

    @Test func idAndOutcomeOfResponses() {
        let ok = Self.head(#"{"id":7,"jsonrpc":"2.0","result":{"content":[{"type":"text","text":"a \"}{[\" b"}],"isError":false}}"#)
        #expect(ok?.id == .int(7) && ok?.failed == false)
        let toolError = Self.head(#"{"id":"x-1","jsonrpc":"2.0","result":{"content":[],"isError":true}}"#)
        #expect(toolError?.id == .string("x-1") && toolError?.failed == true)
        let rpcError = Self.head(#"{"jsonrpc":"2.0","error":{"code":-32602,"message":"no"},"id":3}"#)
        #expect(rpcError?.id == .int(3) && rpcError?.failed == true)
        let listing = Self.head(#"{"id":1,"jsonrpc":"2.0","result":{"tools":[{"name":"a","inputSchema":{"type":"object"}}]}}"#)
        #expect(listing?.id == .int(1) && listing?.failed == false)
    }

    @Test func anIsErrorDeeperThanTheResultDoesNotCount() {
        let nested = Self.head(#"{"id":2,"result":{"structuredContent":{"isError":true},"content":[{"isError":true}]}}"#)
        #expect(nested?.failed == false)
    }

    @Test func requestsNotificationsAndOddBytesGoToTheFullParser() {
        #expect(Self.head(#"{"jsonrpc":"2.0","method":"notifications/progress","params":{}}"#) == nil)
        #expect(Self.head(#"{"jsonrpc":"2.0","id":9,"method":"elicitation/create","params":{}}"#) == nil)
        #expect(Self.head(#"{"id":1,"result":{"#) == nil)
        #expect(Self.head(#"{"i\u0064":1,"result":{}}"#) == nil)
        #expect(Self.head("") == nil)
        #expect(Self.head(#"{"result":{}}"#) == nil)
    }
}
