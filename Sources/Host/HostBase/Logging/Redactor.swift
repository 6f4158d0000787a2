import Foundation
import KFJSON

/// Removes secrets from text before it reaches a log, an audit line or a tool
/// result: Hugging Face tokens, AWS keys, bearer tokens, private-key blocks,
/// and values of fields named like token/secret/password/key.
public enum Redactor {
    public static let mask = "[REDACTED]"

    /// One kind of secret: the clues its pattern cannot match without (found
    /// by one scan of the text's bytes, `Clues.scan`), the pattern (the
    /// regular expression it stands for above it, compiled once) or a search
    /// written for it, and what replaces a match: group 1 when `keepsGroup`,
    /// then `replacement`.
    private struct Rule {
        let needs: Clues
        let program: RedactionProgram?
        let keepsGroup: Bool
        let replacement: String
        /// What a match can start with, worked out once; for ASCII, a table (the closures are tried on every scalar).
        let starts: RedactionPattern.Member?
        let asciiStarts: [Bool]
        /// A search written for the rule, where backtracking the pattern would be slow: the next match from a place.
        let search: (@Sendable ([Unicode.Scalar], Int) -> Range<Int>?)?
        /// Where a match must start near, when no scalar class says it: the next place at or after one that can.
        var candidates: (@Sendable ([Unicode.Scalar], Int) -> Int?)?

        init(needs: Clues, pattern: RedactionPattern, keepsGroup: Bool = false, replacement: String = mask,
             candidates: (@Sendable ([Unicode.Scalar], Int) -> Int?)? = nil) {
            self.candidates = candidates
            self.needs = needs
            program = RedactionProgram(pattern)
            self.keepsGroup = keepsGroup
            self.replacement = replacement
            starts = pattern.firstScalar
            asciiStarts = (0..<128).map { [starts] in starts?(Unicode.Scalar(UInt8($0))) ?? true }
            search = nil
        }

        func mayStart(with c: Unicode.Scalar) -> Bool {
            c.value < 128 ? asciiStarts[Int(c.value)] : starts?(c) ?? true
        }

        init(needs: Clues, search: @escaping @Sendable ([Unicode.Scalar], Int) -> Range<Int>?) {
            self.needs = needs
            self.search = search
            program = nil
            keepsGroup = false
            replacement = mask
            starts = nil
            asciiStarts = []
        }
    }

    private typealias P = RedactionPattern
    private static let space = P.set(P.isSpace)
    private static func word(_ w: String) -> P { .literal(w, caseless: true) }
    private static func quote(_ c: String) -> P { .optional(.chars(c)) }
    /// `[A-Z ]*PRIVATE KEY(?: BLOCK)?-----` (PEM, and PGP's armor)
    private static let keyLabel = P.sequence([.zeroOrMore(.set { $0 == " " || $0.value >= 0x41 && $0.value <= 0x5A }),
                                              .literal("PRIVATE KEY"), .optional(.literal(" BLOCK")), .literal("-----")])
    /// `\s*[:=]\s*`
    private static let assign = P.sequence([.zeroOrMore(space), .chars(":="), .zeroOrMore(space)])
    /// `[A-Za-z0-9_-]`
    private static let tokenChar = P.set { P.isLetter($0) || P.isDigit($0) || $0 == "_" || $0 == "-" }
    /// `(\\[nrt]|(?<![A-Za-z0-9_-]))`: a token starts here, not inside a word (`task-…` is no `sk-…`), or right
    /// after an escaped line break of JSON text (`…\nsk-…`), which the match keeps (group 1).
    private static func tokenStart(_ inWord: @escaping @Sendable (Unicode.Scalar) -> Bool) -> P {
        .capture(.alternatives([.sequence([.chars("\\"), .chars("nrt")]), .notPrecededBy([.set(inWord)])]))
    }
    /// A value's scalars in text: not a space, quote or one of the separators; an escape (`\x`) but not of a
    /// line break, tab or quote, which end a value in JSON text (`"token: abc\nnext"`).
    private static func valueChar(_ separators: String) -> P {
        .alternatives([.notChars(separators + "\\"), .sequence([.chars("\\"), .notChars(separators + "nrt")])])
    }
    private static func run(_ member: @escaping @Sendable (Unicode.Scalar) -> Bool, min: Int, max: Int = .max) -> P {
        .repeat(.set(member), min: min, max: max)
    }
    private static let upperOrDigit: @Sendable (Unicode.Scalar) -> Bool = { $0.value >= 0x41 && $0.value <= 0x5A || P.isDigit($0) }
    private static let alnum: @Sendable (Unicode.Scalar) -> Bool = { P.isLetter($0) || P.isDigit($0) }
    private static let alnumUnderscore: @Sendable (Unicode.Scalar) -> Bool = { P.isLetter($0) || P.isDigit($0) || $0 == "_" }
    private static let alnumDash: @Sendable (Unicode.Scalar) -> Bool = { P.isLetter($0) || P.isDigit($0) || $0 == "_" || $0 == "-" }

    /// What a secret-named field's value is, in text: a list, an object, or a run up to a quote, comma, brace,
    /// semicolon (connection strings) or space. Not the host's own words about secrets: a value that is one
    /// word of prose (`token: call setup_hf_credentials`), a Secret named by reference (`"secret": "hf-token",
    /// "key": "token"`, `{"secret": …}`).
    /// (?!<?[A-Za-z]+ [A-Za-z]|[^\s",};]+\\?"\s*,\s*\\?"key\\?"|\{\s*\\?"secret\\?")(?:\[[^\]]*\]|\{[^{}]*\}|(?:[^\s",};\\]|\\[^\s",};nrt]){4,})
    private static let assignedValue = P.sequence([
        .notFollowedBy(.alternatives([
            .sequence([.optional(.chars("<")), .oneOrMore(.set(P.isCaselessLetter)), .chars(" "), .set(P.isCaselessLetter)]),
            .sequence([.oneOrMore(.notChars("\",};")), quote("\\"), .chars("\""), .zeroOrMore(space), .chars(","),
                       .zeroOrMore(space), quote("\\"), .chars("\""), word("key"), quote("\\"), .chars("\"")]),
            .sequence([.chars("{"), .zeroOrMore(space), quote("\\"), .chars("\""), word("secret"), quote("\\"), .chars("\"")]),
        ])),
        .alternatives([
            .sequence([.chars("["), .zeroOrMore(.notChars("]", orSpace: false)), .chars("]")]),
            .sequence([.chars("{"), .zeroOrMore(.notChars("{}", orSpace: false)), .chars("}")]),
            .repeat(valueChar("\",};"), min: 4),
        ]),
    ])

    private static let rules: [Rule] = [
        // Hugging Face tokens (hf_ + 34), not setup_hf_credentials.
        // (\\[nrt]|(?<![A-Za-z0-9_]))hf_[A-Za-z0-9]{30,}
        Rule(needs: .hfPrefix, pattern: .sequence([
            tokenStart(alnumUnderscore), .literal("hf_"), run(alnum, min: 30)]), keepsGroup: true),
        // AWS key ids. (?:A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA)[A-Z0-9]{16}
        Rule(needs: .awsKeyID, pattern: .sequence([
            .alternatives([.sequence([.literal("A3T"), .set(upperOrDigit)]), .literal("ABIA"), .literal("ACCA"),
                           .literal("AKIA"), .literal("ASIA")]),
            run(upperOrDigit, min: 16, max: 16)])),
        // GitHub tokens, classic and fine-grained.
        // (\\[nrt]|(?<![A-Za-z0-9_-]))(?:gh[pousr]_[A-Za-z0-9_]{36,}|github_pat_[A-Za-z0-9_]{22,})
        Rule(needs: .github, pattern: .sequence([tokenStart(alnumDash), .alternatives([
            .sequence([.literal("gh"), .chars("pousr"), .literal("_"), run(alnumUnderscore, min: 36)]),
            .sequence([.literal("github_pat_"), run(alnumUnderscore, min: 22)])])]), keepsGroup: true),
        // GitLab tokens.
        // (\\[nrt]|(?<![A-Za-z0-9_-]))(?:(?:glpat|gldt|glft|glsoat|glrt|glcbt|glimt|glptt|glagent|gloas)-|GR1348941)[A-Za-z0-9_-]{20,}
        Rule(needs: .gitlab, pattern: .sequence([tokenStart(alnumDash),
            .alternatives([.sequence([.alternatives(Clues.gitlabPrefixes.map { .literal($0) }), .literal("-")]), .literal("GR1348941")]),
            run(alnumDash, min: 20)]), keepsGroup: true),
        // Slack tokens and webhooks.
        // xox[abposr]-[A-Za-z0-9-]{10,}|https://hooks\.slack\.com/services/[A-Za-z0-9_/]+
        Rule(needs: .slack, pattern: .alternatives([
            .sequence([.literal("xox"), .chars("abposr"), .literal("-"), run({ alnum($0) || $0 == "-" }, min: 10)]),
            .sequence([.literal("https://hooks.slack.com/services/"), run({ alnumUnderscore($0) || $0 == "/" }, min: 1)])])),
        // OpenAI and Anthropic API keys (sk-…, sk-proj-…, sk-ant-…).
        // (\\[nrt]|(?<![A-Za-z0-9_-]))sk-[A-Za-z0-9_-]{20,}
        Rule(needs: .skKey, pattern: .sequence([tokenStart(alnumDash), .literal("sk-"), run(alnumDash, min: 20)]), keepsGroup: true),
        // Google API keys. AIza[A-Za-z0-9_-]{35}
        Rule(needs: .googleKey, pattern: .sequence([.literal("AIza"), run(alnumDash, min: 35, max: 35)])),
        // JSON Web Tokens: header and payload are base64url JSON objects ("eyJ" is `{"`).
        // eyJ[A-Za-z0-9_=-]{4,}\.[A-Za-z0-9_=-]{4,}[A-Za-z0-9_.+/=-]*
        Rule(needs: .jwt, pattern: .sequence([
            .literal("eyJ"), run({ alnumDash($0) || $0 == "=" }, min: 4), .literal("."), run({ alnumDash($0) || $0 == "=" }, min: 4),
            run({ alnumDash($0) || "=./+".unicodeScalars.contains($0) }, min: 0)])),
        // Authorization: Bearer … (?i)(bearer\s+)[A-Za-z0-9\-._~+/]{8,}=*
        Rule(needs: .bearer, pattern: .sequence([
            .capture(.sequence([word("bearer"), .oneOrMore(space)])),
            .repeat(.set { P.isCaselessLetter($0) || P.isDigit($0) || "-._~+/".unicodeScalars.contains($0) }, min: 8),
            .zeroOrMore(.chars("="))]), keepsGroup: true),
        // Authorization: Basic …, and any other scheme's credentials; not a placeholder (`Bearer <token>`).
        // (?i)(authorization\\?"?\s*[:=]\s*\\?"?[A-Za-z]+\s+)(?!<)(?:[^\s",}\\]|\\[^\s",}nrt]){4,}
        Rule(needs: .authorization, pattern: .sequence([
            .capture(.sequence([word("authorization"), quote("\\"), quote("\""), assign, quote("\\"), quote("\""),
                                .oneOrMore(.set(P.isCaselessLetter)), .oneOrMore(space)])),
            .notFollowedBy(.chars("<")), .repeat(valueChar("\",}"), min: 4)]), keepsGroup: true),
        // PEM and PGP private keys: whole blocks; a block cut off at the end of the text
        // (masked to the end); the base64 lines right before an END whose BEGIN
        // was cut off (a log tail).
        // -----BEGIN [A-Z ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----
        Rule(needs: .privateKey, pattern: .sequence([
            .literal("-----BEGIN "), keyLabel, .repeat(.set { _ in true }, min: 0, lazy: true), .literal("-----END "), keyLabel])),
        // -----BEGIN [A-Z ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*
        Rule(needs: [.pemBegin, .privateKey], pattern: .sequence([
            .literal("-----BEGIN "), keyLabel, .zeroOrMore(.set { _ in true })])),
        // (?m)(?:^[A-Za-z0-9+/=]{16,}\r?\n)*[^\n]*-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----
        Rule(needs: [.pemEnd, .privateKey], search: PEMTailSearch.next),
        // Passwords in URIs, whoever the user (none too: redis://:pw@host), whatever the password holds
        // ('/' of an S3 secret key, '@', %-escapes): up to the URI's last '@'.
        // ([A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@"']*:)[^\s"']+@
        Rule(needs: [.scheme, .at], pattern: .sequence([
            .capture(.sequence([
                .set(P.isLetter), .zeroOrMore(.set { P.isLetter($0) || P.isDigit($0) || "+.-".unicodeScalars.contains($0) }),
                .literal("://"), .zeroOrMore(.notChars("/:@\"'")), .chars(":")])),
            .oneOrMore(.notChars("\"'")), .chars("@")]), keepsGroup: true, replacement: "\(mask)@",
             candidates: schemeStart),
        // Kubernetes env pairs {"name": "DB_PASSWORD", "value": "…"} as JSON or YAML text.
        // (?i)(name\\?"?\s*[:=]\s*\\?"?[A-Za-z0-9_.\-]*(?:token|password|passwd|secret|api_?key|access_?key|private_?key|credentials)
        //     [A-Za-z0-9_.\-]*\\?"?(?:\s|\\[nrt]|,|-)*\\?"?value\\?"?\s*[:=]\s*\\?"?)(?:\[[^\]]*\]|[^"\\\s,}]+)
        Rule(needs: [.value, .name, .secretWord], pattern: .sequence([
            .capture(.sequence([
                word("name"), quote("\\"), quote("\""), assign, quote("\\"), quote("\""), .zeroOrMore(envNameChar),
                .alternatives([word("token"), word("password"), word("passwd"), word("secret"),
                               .sequence([word("api"), quote("_"), word("key")]),
                               .sequence([word("access"), quote("_"), word("key")]),
                               .sequence([word("private"), quote("_"), word("key")]), word("credentials")]),
                .zeroOrMore(envNameChar), quote("\\"), quote("\""),
                .zeroOrMore(.alternatives([space, .sequence([.chars("\\"), .chars("nrtNRT")]), .chars(",-")])),
                quote("\\"), quote("\""), word("value"), quote("\\"), quote("\""), assign, quote("\\"), quote("\"")])),
            .alternatives([.sequence([.chars("["), .zeroOrMore(.notChars("]", orSpace: false)), .chars("]")]),
                           .oneOrMore(.notChars("\"\\,}"))])]), keepsGroup: true),
        // A Secret's data written out as JSON text (an error quoting an object).
        // ((?:data|stringData)\\?"?\s*:\s*)\{[^{}]*\}
        Rule(needs: [.secretKind, .ata], pattern: .sequence([
            .capture(.sequence([.alternatives([.literal("data"), .literal("stringData")]), quote("\\"), quote("\""),
                                .zeroOrMore(space), .chars(":"), .zeroOrMore(space)])),
            .chars("{"), .zeroOrMore(.notChars("{}", orSpace: false)), .chars("}")]),
             keepsGroup: true, replacement: "{\(mask)}"),
        // name: value / name=value for secret-like names (kubeconfig, env dumps, CLI flags, connection
        // strings, .dockerconfigjson's "auth"); not hf_token_secret= or credentials_secret=, which name a Secret.
        // (?i)((?:token|(?<!token_|credentials_)secret|password|passwd|api[_-]?key|access[_-]?key|secret[_-]?access[_-]?key
        //     |account[_-]?key|private[_-]?key(?:[_-]?id)?|client-key-data|client-certificate-data|\.dockerconfigjson|"auth)
        //     \\?"?\s*[:=]\s*\\?"?)<assignedValue>
        Rule(needs: .assignment, pattern: .sequence([
            .capture(.sequence([
                .alternatives([word("token"),
                               .sequence([.notPrecededBy([word("token_"), word("credentials_")]), word("secret")]),
                               word("password"), word("passwd"),
                               .sequence([word("api"), quote("_-"), word("key")]),
                               .sequence([word("access"), quote("_-"), word("key")]),
                               .sequence([word("secret"), quote("_-"), word("access"), quote("_-"), word("key")]),
                               .sequence([word("account"), quote("_-"), word("key")]),
                               .sequence([word("private"), quote("_-"), word("key"), .optional(.sequence([quote("_-"), word("id")]))]),
                               word("client-key-data"), word("client-certificate-data"), word(".dockerconfigjson"),
                               word("\"auth")]),
                quote("\\"), quote("\""), assign, quote("\\"), quote("\"")])),
            assignedValue]), keepsGroup: true),
    ]

    /// The next place at or after `from` that can start a URI: in the run of scheme scalars right before a "://".
    /// (Any letter could start the pattern; trying each one costs a pass per letter of a long log.)
    private static let schemeStart: @Sendable ([Unicode.Scalar], Int) -> Int? = { s, from in
        func isSchemeChar(_ c: Unicode.Scalar) -> Bool { P.isLetter(c) || P.isDigit(c) || c == "+" || c == "." || c == "-" }
        var i = from
        while i + 2 < s.count {
            guard s[i] == ":", s[i + 1] == "/", s[i + 2] == "/" else { i += 1; continue }
            var start = i
            while start > from && isSchemeChar(s[start - 1]) { start -= 1 }
            while start < i && !P.isLetter(s[start]) { start += 1 }
            if start < i { return start }
            i += 3
        }
        return nil
    }

    /// `(?i)[A-Za-z0-9_.\-]`
    private static let envNameChar = P.set { P.isCaselessLetter($0) || P.isDigit($0) || "_.-".unicodeScalars.contains($0) }

    /// No rule matches fewer bytes ("a://b:c@"; "token=abcd" is 10), so shorter text
    /// (numbers, names, the servers' own enum values) is returned untouched.
    static let shortestSecret = 8

    public static func redact(_ text: String) -> String {
        guard text.utf8.count >= shortestSecret else { return text }
        let clues = Clues.scan(text)
        guard !clues.isEmpty else { return text }
        var out = text
        for rule in rules where clues.isSuperset(of: rule.needs) {
            out = replacingMatches(of: rule, in: out)
        }
        return out
    }

    /// Every match, leftmost first, each search going on after the last match (as NSRegularExpression replaces).
    private static func replacingMatches(of rule: Rule, in text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var matcher = rule.program.map { RedactionMatcher(scalars, $0) }
        /// The next match from `from`: where it starts, where the part kept (group 1) ends, where it ends.
        func next(_ from: Int) -> (start: Int, kept: Int, end: Int)? {
            if let search = rule.search {
                return search(scalars, from).map { ($0.lowerBound, $0.lowerBound, $0.upperBound) }
            }
            var start = from
            while start < scalars.count {
                if let candidates = rule.candidates {
                    guard let next = candidates(scalars, start) else { return nil }
                    start = next
                }
                if rule.mayStart(with: scalars[start]), let end = matcher!.match(at: start) {
                    return (start, rule.keepsGroup ? matcher!.groupEnd : start, end)
                }
                start += 1
            }
            return nil
        }
        // Scalars first, one String at the end: appending to a String.UnicodeScalarView copies the string each
        // time (a log with a secret every few lines took time quadratic in its length).
        var out: [Unicode.Scalar] = []
        var copied = 0
        while let match = next(copied) {
            if out.isEmpty { out.reserveCapacity(scalars.count) }
            out.append(contentsOf: scalars[copied..<match.kept])
            out.append(contentsOf: rule.replacement.unicodeScalars)
            copied = match.end
        }
        guard copied > 0 else { return text }
        out.append(contentsOf: scalars[copied...])
        var utf8: [UInt8] = []
        utf8.reserveCapacity(out.count)
        for c in out { UTF8.encode(c) { utf8.append($0) } }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// Does the text hold this ASCII string (bytes compared, no allocation)?
    static func contains(_ text: String, _ ascii: StaticString) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            let word = UnsafeBufferPointer(start: ascii.utf8Start, count: ascii.utf8CodeUnitCount)
            guard bytes.count >= word.count else { return false }
            for i in 0...(bytes.count - word.count) where Clues.matches(bytes, i, word, ignoringCase: false) { return true }
            return false
        }
    }

    /// Argument and field names whose string values are always hidden
    /// (`hf_token`, `password`, `secret_access_key`, …; not `secretKeyRef`).
    /// Bytes compared without case, '-' as '_', without allocating: every key of every result passes here.
    public static func isSecretName(_ name: String) -> Bool {
        if name.utf8.count <= 17 && secretNames.contains(name.lowercased()) { return true }
        var name = name
        return name.withUTF8 { n in
            // lowercased() maps a few non-ASCII letters to ASCII (K KELVIN SIGN): such names take the slow road.
            if n.contains(where: { $0 >= 0x80 }) {
                let lower = String(decoding: n, as: UTF8.self).lowercased().replacingOccurrences(of: "-", with: "_")
                return secretNameSuffixes.map { "\($0)" }.contains {
                    lower == $0 || lower.hasSuffix("_" + $0) || lower.hasSuffix($0) && $0.count > 6
                }
            }
            return secretNameSuffixes.contains { suffix in
                let s = UnsafeBufferPointer(start: suffix.utf8Start, count: suffix.utf8CodeUnitCount)
                guard n.count >= s.count, endsWith(n, s) else { return false }
                // n == s, or "_" + s ends n, or a long suffix ends n (hftoken is not, hfaccesskey is).
                return n.count == s.count || n[n.count - s.count - 1] == UInt8(ascii: "_")
                    || n[n.count - s.count - 1] == UInt8(ascii: "-") || s.count > 6
            }
        }
    }

    /// `suffix` (lower case, '_' for '-') ends `name`, compared without case.
    private static func endsWith(_ name: UnsafeBufferPointer<UInt8>, _ suffix: UnsafeBufferPointer<UInt8>) -> Bool {
        let offset = name.count - suffix.count
        for k in 0..<suffix.count {
            var c = name[offset + k]
            if c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") { c |= 0x20 }
            if c == UInt8(ascii: "-") { c = UInt8(ascii: "_") }
            if c != suffix[k] { return false }
        }
        return true
    }

    private static let secretNameSuffixes: [StaticString] = [
        "token", "password", "passwd", "api_key", "apikey", "access_key", "accesskey", "access_key_id",
        "secret_key", "secretkey", "secret_access_key", "private_key", "client_key_data", "credentials",
        "client_secret", "api_secret", "account_key", "accountkey", "private_key_id", "client_certificate_data",
    ]
    /// Names secret only alone: `auth` of a .dockerconfigjson, the file name `.dockerconfigjson`.
    private static let secretNames: Set<String> = ["auth", ".dockerconfigjson"]

    /// Scrub a JSON value: values of secret-named fields are masked, the value
    /// of a Kubernetes env pair whose name is secret-like too, a Secret's
    /// data/stringData never pass, and every other string (keys included) is
    /// redacted. Used for tool results and audit parameters alike.
    public static func scrub(_ json: JSON) -> JSON { scrubbed(json) ?? json }

    /// The scrubbed value, or nil when nothing in it changes: a clean result
    /// (the usual one) is read once and never copied.
    static func scrubbed(_ json: JSON) -> JSON? {
        switch json {
        case .object(let o):
            let secretObject = isSecretObject(o)
            let envPair = o["name"]?.string.map(isSecretEnvName) == true
            // {"secret": "hf-token", "key": "token"} names a Secret; a lone "secret" is one.
            let secretField = o["key"] == nil
            var out: [String: JSON]?
            for (k, v) in o {
                // A key can hold a secret only if long enough to (hf_…, AKIA…, token=abcd).
                let key = redact(k)
                let value: JSON?
                if secretObject && (k == "data" || k == "stringData") {
                    value = maskedValues(v)
                } else if envPair && k == "value" || isSecretName(k) && v.object == nil && v.array == nil
                            || secretField && k == "secret" && v.string != nil {
                    value = v == .null || v == .string(mask) ? nil : .string(mask)
                } else if isSecretName(k) {
                    value = maskedLeaves(v)
                } else if let env = v.object, k.utf8.count == 3, k.lowercased() == "env" {
                    value = scrubbed(environment: env)
                } else {
                    value = scrubbed(v)
                }
                guard value != nil || key != k else { continue }
                if out == nil { out = o }
                if key != k { out![k] = nil }
                out![key] = value ?? v
            }
            return out.map { .object($0) }
        case .array(let a):
            // Lines of a log as an array: a key block spans elements, so read them as one stream.
            if a.contains(where: { $0.string.map { contains($0, "PRIVATE KEY-----") } == true }) {
                let stream = StreamRedactor()
                return .array(a.map { if case .string(let s) = $0 { return .string(stream.redact(s)) } else { return scrub($0) } })
            }
            var out: [JSON]?
            for (i, element) in a.enumerated() {
                guard let clean = scrubbed(element) else { continue }
                if out == nil { out = a }
                out![i] = clean
            }
            return out.map { .array($0) }
        case .string(let s):
            let clean = redact(s)
            return clean == s ? nil : .string(clean)
        default: return nil
        }
    }

    /// A Secret (kind Secret, or a list item: data with a Secret's type).
    static func isSecretObject(_ o: [String: JSON]) -> Bool {
        guard o["data"] != nil || o["stringData"] != nil else { return false }
        if o["kind"]?.string == "Secret" { return true }
        guard let type = o["type"]?.string else { return false }
        return type == "Opaque" || type.hasPrefix("kubernetes.io/") || type.hasPrefix("bootstrap.kubernetes.io/")
    }

    /// An environment as a map, {"MY_SECRET": "…"}: a value is masked by its variable's name (a Secret
    /// reference, an object, is scrubbed as any other); nil: nothing changes.
    static func scrubbed(environment env: [String: JSON]) -> JSON? {
        var out: [String: JSON]?
        for (name, v) in env {
            let clean = isSecretEnvName(name) && v.object == nil ? maskedLeaves(v) : scrubbed(v)
            guard let clean else { continue }
            if out == nil { out = env }
            out![name] = clean
        }
        return out.map { .object($0) }
    }

    /// A body about to leave by HTTP: a JSON one scrubbed as a value (its text escapes '/' as "\\/", which the
    /// text rules would not see through), any other redacted as text.
    public static func redact(body: Data) -> Data {
        guard let json = try? JSON.parse(utf8: body) else { return Data(redact(String(decoding: body, as: UTF8.self)).utf8) }
        guard let clean = scrubbed(json) else { return body }
        return Data(clean.serialized().utf8)
    }

    /// Every value under a secret-named field (`"password": ["a", "b"]`) masked, the shape kept; nil: nothing changes.
    static func maskedLeaves(_ json: JSON) -> JSON? {
        switch json {
        case .object(let o):
            let masked = o.mapValues { maskedLeaves($0) ?? $0 }
            return masked == o ? nil : .object(masked)
        case .array(let a):
            let masked = a.map { maskedLeaves($0) ?? $0 }
            return masked == a ? nil : .array(masked)
        case .null, .string(mask): return nil
        default: return .string(mask)
        }
    }

    /// Environment variable names whose value is a credential, wherever the word stands
    /// (MY_SECRET, DB_PASSWORD_FILE, GITHUB_TOKEN): the rule of the env pair text pattern.
    public static func isSecretEnvName(_ name: String) -> Bool {
        let n = name.lowercased().replacingOccurrences(of: "-", with: "_")
        return ["token", "password", "passwd", "secret", "api_key", "apikey", "access_key", "private_key", "credential"]
            .contains { n.contains($0) }
    }

    /// {"key": "…"} → {"key": "[REDACTED]"}: which keys exist is no secret.
    static func maskedValues(_ data: JSON) -> JSON {
        guard let o = data.object else { return data == .null ? data : .string(mask) }
        return .object(o.mapValues { _ in .string(mask) })
    }
}

/// Redaction for text that arrives a line at a time (a plugin's log lines, a
/// pod log stream, a call's progress messages): a private-key block opened on
/// one line is masked on every following line until its END line, which
/// one-line redaction cannot see; and a line that is nothing but a key's body
/// (base64 of mixed case and digits) is masked even when its BEGIN line was
/// never in view (a log tail cut inside a key).
public final class StreamRedactor: @unchecked Sendable {
    private let lock = NSLock()
    private var insideKey = false

    public init() {}

    /// One message, possibly several lines.
    public func redact(_ text: String) -> String {
        guard text.contains("\n") else { return lock.withLock { line(text) } }
        return lock.withLock {
            text.split(separator: "\n", omittingEmptySubsequences: false).map { line(String($0)) }.joined(separator: "\n")
        }
    }

    private func line(_ text: String) -> String {
        if insideKey {
            guard let close = Self.marker("-----END ", in: text) else { return Redactor.mask }
            insideKey = false
            return Redactor.mask + Redactor.redact(String(text[close...]))
        }
        if let open = Self.marker("-----BEGIN ", in: text) {
            // Opened here; closed here too only if an END follows the BEGIN.
            insideKey = Self.marker("-----END ", in: String(text[open...])) == nil
        } else if Self.isKeyBody(text) {
            return Redactor.mask
        }
        return Redactor.redact(text)
    }

    /// Where `-----BEGIN `/`-----END ` … `PRIVATE KEY-----` (or PGP's `PRIVATE KEY BLOCK-----`) ends in the line.
    private static func marker(_ start: String, in text: String) -> String.Index? {
        guard let begin = text.range(of: start), let label = text.range(of: "PRIVATE KEY", range: begin.upperBound..<text.endIndex)
        else { return nil }
        let rest = text[label.upperBound...]
        if rest.hasPrefix("-----") { return rest.index(rest.startIndex, offsetBy: 5) }
        if rest.hasPrefix(" BLOCK-----") { return rest.index(rest.startIndex, offsetBy: 11) }
        return nil
    }

    /// A line of a key's base64 body: 24 or more of A-Za-z0-9+/= with upper and lower case letters and
    /// digits (a hash in hex or a word is not), spaces around it allowed.
    static func isKeyBody(_ text: String) -> Bool {
        let body = text.utf8.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
        guard body.count >= 24 else { return false }
        var upper = false, lower = false, digit = false
        for c in body {
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): upper = true
            case UInt8(ascii: "a")...UInt8(ascii: "z"): lower = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = true
            case UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="): break
            default: return false
            }
        }
        return upper && lower && digit
    }
}

/// What the redaction rules look for before their patterns run, found in one
/// pass over a text's UTF-8 bytes without allocating. Case-sensitive clues
/// are the literals their patterns contain; the others compare ASCII letters
/// without case, as the (?i) patterns do.
struct Clues: OptionSet {
    let rawValue: UInt32

    static let hfPrefix = Clues(rawValue: 1 << 0)     // "hf_"
    static let awsKeyID = Clues(rawValue: 1 << 1)     // "AKIA", "ASIA", "ABIA", "ACCA", "A3T"
    static let bearer = Clues(rawValue: 1 << 2)       // "bearer", any case
    static let privateKey = Clues(rawValue: 1 << 3)   // "PRIVATE KEY"
    static let pemBegin = Clues(rawValue: 1 << 4)     // "-----BEGIN"
    static let pemEnd = Clues(rawValue: 1 << 5)       // "-----END"
    static let scheme = Clues(rawValue: 1 << 6)       // "://"
    static let at = Clues(rawValue: 1 << 7)           // "@"
    static let name = Clues(rawValue: 1 << 8)         // "name", any case
    static let value = Clues(rawValue: 1 << 9)        // "value", any case
    static let secretWord = Clues(rawValue: 1 << 10)  // token, secret, passw, key, credentials, any case
    static let secretKind = Clues(rawValue: 1 << 11)  // "Secret"
    static let ata = Clues(rawValue: 1 << 12)         // "ata" (data, stringData)
    /// A secret-like word right before ':' or '=' (quotes and spaces between):
    /// "token: x", "password=x"; not "2048 tokens".
    static let assignment = Clues(rawValue: 1 << 13)
    static let github = Clues(rawValue: 1 << 14)        // "gh" + p/o/u/s/r + "_", "github_pat_"
    static let gitlab = Clues(rawValue: 1 << 15)        // "glpat-" and the other prefixes, "GR1348941"
    static let slack = Clues(rawValue: 1 << 16)         // "xox", "hooks.slack.com"
    static let skKey = Clues(rawValue: 1 << 17)         // "sk-"
    static let googleKey = Clues(rawValue: 1 << 18)     // "AIza"
    static let jwt = Clues(rawValue: 1 << 19)           // "eyJ"
    static let authorization = Clues(rawValue: 1 << 20) // "authorization", any case

    static let gitlabPrefixes = ["glpat", "gldt", "glft", "glsoat", "glrt", "glcbt", "glimt", "glptt", "glagent", "gloas"]
    /// Clues that compare without case: `lowercased()` maps a few non-ASCII
    /// letters to ASCII ones (K KELVIN SIGN to k, İ to i̇), so text with them
    /// opens every such rule and its pattern decides.
    static let caseless: Clues = [.bearer, .name, .value, .secretWord, .assignment, .authorization]

    static func scan(_ text: String) -> Clues {
        var text = text
        return text.withUTF8(scan)
    }

    static func scan(_ b: UnsafeBufferPointer<UInt8>) -> Clues {
        var found: Clues = []
        var i = 0
        while i < b.count {
            switch b[i] {
            case UInt8(ascii: "h"):
                if matches(b, i, "hf_", ignoringCase: false) { found.insert(.hfPrefix) }
                if matches(b, i, "hooks.slack.com", ignoringCase: false) { found.insert(.slack) }
            case UInt8(ascii: "A"):
                if matches(b, i, "AKIA", ignoringCase: false) || matches(b, i, "ASIA", ignoringCase: false)
                    || matches(b, i, "ABIA", ignoringCase: false) || matches(b, i, "ACCA", ignoringCase: false)
                    || matches(b, i, "A3T", ignoringCase: false) { found.insert(.awsKeyID) }
                if matches(b, i, "AIza", ignoringCase: false) { found.insert(.googleKey) }
            case UInt8(ascii: "P"):
                if matches(b, i, "PRIVATE KEY", ignoringCase: false) { found.insert(.privateKey) }
            case UInt8(ascii: "g"):
                if i + 3 < b.count && b[i + 1] == UInt8(ascii: "h") && "pousr".utf8.contains(b[i + 2]) && b[i + 3] == UInt8(ascii: "_")
                    || matches(b, i, "github_pat_", ignoringCase: false) { found.insert(.github) }
                if matches(b, i, "gl", ignoringCase: false) && gitlabPrefixes.contains(where: { prefix in
                    var prefix = prefix
                    return prefix.withUTF8 { matches(b, i, $0, ignoringCase: false) } && i + prefix.utf8.count < b.count
                        && b[i + prefix.utf8.count] == UInt8(ascii: "-")
                }) { found.insert(.gitlab) }
            case UInt8(ascii: "G"):
                if matches(b, i, "GR1348941", ignoringCase: false) { found.insert(.gitlab) }
            case UInt8(ascii: "x"):
                if matches(b, i, "xox", ignoringCase: false) { found.insert(.slack) }
            case UInt8(ascii: "e"):
                if matches(b, i, "eyJ", ignoringCase: false) { found.insert(.jwt) }
            case UInt8(ascii: "-"):
                if matches(b, i, "-----BEGIN", ignoringCase: false) { found.insert(.pemBegin) }
                if matches(b, i, "-----END", ignoringCase: false) { found.insert(.pemEnd) }
            case UInt8(ascii: ":"):
                if matches(b, i, "://", ignoringCase: false) { found.insert(.scheme) }
            case UInt8(ascii: "@"):
                found.insert(.at)
            case 0xE2:  // U+212A KELVIN SIGN
                if i + 2 < b.count && b[i + 1] == 0x84 && b[i + 2] == 0xAA { found.formUnion(caseless) }
            case 0xC4:  // U+0130 LATIN CAPITAL LETTER I WITH DOT ABOVE
                if i + 1 < b.count && b[i + 1] == 0xB0 { found.formUnion(caseless) }
            default: break
            }
            if b[i] == UInt8(ascii: "S") && matches(b, i, "Secret", ignoringCase: false) { found.insert(.secretKind) }
            if b[i] == UInt8(ascii: "a") && matches(b, i, "ata", ignoringCase: false) { found.insert(.ata) }
            if b[i] == UInt8(ascii: "s") && matches(b, i, "sk-", ignoringCase: false) { found.insert(.skKey) }
            if b[i] == UInt8(ascii: "\"") && matches(b, i, "\"auth") { assignment(b, i + 5, &found) }
            if b[i] == UInt8(ascii: ".") && matches(b, i, ".dockerconfigjson") { assignment(b, i + 17, &found) }
            switch b[i] | 0x20 {  // ASCII letters in lower case (other bytes never equal these)
            case UInt8(ascii: "b"):
                if matches(b, i, "bearer") { found.insert(.bearer) }
            case UInt8(ascii: "n"):
                if matches(b, i, "name") { found.insert(.name) }
            case UInt8(ascii: "v"):
                if matches(b, i, "value") { found.insert(.value) }
            case UInt8(ascii: "t"):
                secretWord(b, i, "token", &found)
            case UInt8(ascii: "s"):
                secretWord(b, i, "secret", &found)
            case UInt8(ascii: "p"):
                if matches(b, i, "passw") {
                    found.insert(.secretWord)
                    if matches(b, i, "password") { assignment(b, i + 8, &found) }
                    if matches(b, i, "passwd") { assignment(b, i + 6, &found) }
                }
            case UInt8(ascii: "k"):
                secretWord(b, i, "key", &found)
                if matches(b, i, "key-data") { assignment(b, i + 8, &found) }
                if matches(b, i, "key_id") || matches(b, i, "key-id") { assignment(b, i + 6, &found) }
            case UInt8(ascii: "c"):
                if matches(b, i, "credentials") { found.insert(.secretWord) }
                if matches(b, i, "client-certificate-data") { assignment(b, i + 23, &found) }
            case UInt8(ascii: "a"):
                if matches(b, i, "authorization") { found.insert(.authorization) }
            default: break
            }
            i += 1
        }
        return found
    }

    /// A secret word at `i`, and whether an assignment follows it.
    private static func secretWord(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ word: StaticString, _ found: inout Clues) {
        guard matches(b, i, word) else { return }
        found.insert(.secretWord)
        assignment(b, i + word.utf8CodeUnitCount, &found)
    }

    /// ':' or '=' at `j`, after any quotes (escaped or not) and spaces.
    private static func assignment(_ b: UnsafeBufferPointer<UInt8>, _ j: Int, _ found: inout Clues) {
        var j = j
        while j < b.count && (b[j] == UInt8(ascii: "\"") || b[j] == UInt8(ascii: " ") || b[j] == UInt8(ascii: "\\")) { j += 1 }
        if j < b.count && (b[j] == UInt8(ascii: ":") || b[j] == UInt8(ascii: "=")) { found.insert(.assignment) }
    }

    static func matches(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ word: StaticString, ignoringCase: Bool = true) -> Bool {
        matches(b, i, UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount), ignoringCase: ignoringCase)
    }

    /// `word` (lower-case ASCII when ignoring case) at byte `i`.
    static func matches(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, _ word: UnsafeBufferPointer<UInt8>, ignoringCase: Bool) -> Bool {
        guard i + word.count <= b.count else { return false }
        for k in 0..<word.count {
            var c = b[i + k]
            if ignoringCase && c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") { c |= 0x20 }
            if c != word[k] { return false }
        }
        return true
    }
}
