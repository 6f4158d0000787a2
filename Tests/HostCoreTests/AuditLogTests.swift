@testable import HostCore
import Glibc
import Testing

@Suite struct AuditLogTests {
    /// The timestamp is written digit by digit: RFC 3339 UTC with milliseconds, zero-padded.
    @Test func timestampIsRFC3339UTCWithMilliseconds() {
        var now = time(nil)
        let stamp = AuditLog.timestamp()
        let bytes = Array(stamp.utf8)
        #expect(bytes.count == 24, "\(stamp)")
        for (i, c) in bytes.enumerated() {
            switch i {
            case 4, 7: #expect(c == UInt8(ascii: "-"), "\(stamp)")
            case 10: #expect(c == UInt8(ascii: "T"), "\(stamp)")
            case 13, 16: #expect(c == UInt8(ascii: ":"), "\(stamp)")
            case 19: #expect(c == UInt8(ascii: "."), "\(stamp)")
            case 23: #expect(c == UInt8(ascii: "Z"), "\(stamp)")
            default: #expect((UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c), "\(stamp)")
            }
        }
        var expected = tm()
        gmtime_r(&now, &expected)
        #expect(Int(stamp.prefix(4)) == Int(expected.tm_year) + 1900)
        #expect(Int(stamp.dropFirst(5).prefix(2)) == Int(expected.tm_mon) + 1)
        #expect(Int(stamp.dropFirst(8).prefix(2)) == Int(expected.tm_mday))
    }
}
