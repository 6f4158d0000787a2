@testable import HostCalls
import Glibc
import Testing

@Suite struct AuditLogTests {
    /// The timestamp is written digit by digit: RFC 3339 UTC with milliseconds, zero-padded.
    @Test func timestampIsRFC3339UTCWithMilliseconds() {
        var before = time(nil)
        let stamp = AuditLog.timestamp()
        var after = time(nil)
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
        // The date is the clock's (read before and after: the stamp may fall on either side of midnight).
        func day(_ t: inout time_t) -> String {
            var parts = tm()
            gmtime_r(&t, &parts)
            return "\(Int(parts.tm_year) + 1900)-\(Int(parts.tm_mon) + 1)-\(Int(parts.tm_mday))"
        }
        let stamped = "\(Int(stamp.prefix(4))!)-\(Int(stamp.dropFirst(5).prefix(2))!)-\(Int(stamp.dropFirst(8).prefix(2))!)"
        #expect([day(&before), day(&after)].contains(stamped), "\(stamp)")
    }
}
