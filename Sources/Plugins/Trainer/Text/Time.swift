#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Kubernetes timestamps (RFC 3339, `2026-09-01T10:00:00Z`) as Unix seconds, and ages for people.
enum KubeTime {
    static func seconds(_ text: String) -> Int? {
        let digits = text.unicodeScalars.map { $0 }
        guard digits.count >= 19 else { return nil }
        func int(_ from: Int, _ len: Int) -> Int? { Int(String(String.UnicodeScalarView(digits[from..<from + len]))) }
        guard let y = int(0, 4), let mo = int(5, 2), let d = int(8, 2), let h = int(11, 2), let mi = int(14, 2),
              let s = int(17, 2) else { return nil }
        var offset = 0
        if let sign = text.lastIndex(where: { $0 == "+" || $0 == "-" }), text.distance(from: text.startIndex, to: sign) >= 19 {
            let tz = text[text.index(after: sign)...].split(separator: ":")
            if tz.count == 2, let th = Int(tz[0]), let tm = Int(tz[1]) {
                offset = (th * 3600 + tm * 60) * (text[sign] == "+" ? 1 : -1)
            }
        }
        return daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// 42 → "42s", 300 → "5m", 7200 → "2h", 200000 → "2d" (kubectl style).
    static func age(_ seconds: Int) -> String {
        let s = max(seconds, 0)
        if s < 120 { return "\(s)s" }
        if s < 7200 { return "\(s / 60)m" }
        if s < 172800 { return "\(s / 3600)h" }
        return "\(s / 86400)d"
    }
}

/// Unix seconds now.
func currentTime() -> Int { Int(time(nil)) }
