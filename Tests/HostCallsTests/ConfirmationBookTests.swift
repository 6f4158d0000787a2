import Foundation
import HostBase
@testable import HostCalls
import KFJSON
import Testing

@Suite struct ConfirmationBookTests {
    let args: JSON = ["image": "busybox", "resources_per_node": ["gpu": 1]]

    /// One book, or two replicas sharing the key and the records: a token
    /// previewed on one is redeemed on the other, once across both.
    @Test(arguments: [false, true]) func aTokenConfirmsItsPlanOnce(acrossReplicas: Bool) throws {
        let issuer = ConfirmationBook()
        let redeemer = acrossReplicas ? ConfirmationBook() : issuer
        if acrossReplicas {
            let (keyring, records) = (SigningKeyring(), LocalOnceRecords())
            issuer.share(keyring: keyring, records: records)
            redeemer.share(keyring: keyring, records: records)
        }
        let token = issuer.issue(tool: "run_container_job", arguments: args, seed: "s1", writes: "[]")
        #expect(token.hasPrefix("kfct-"))
        let plan = try redeemer.redeem(token, tool: "run_container_job", arguments: args).get()
        #expect(plan.seed == "s1" && plan.matches(writes: "[]") && !plan.matches(writes: "[{}]"))
        guard case .failure(let again) = issuer.redeem(token, tool: "run_container_job", arguments: args) else {
            Issue.record("a token worked twice"); return
        }
        #expect(again.message.contains("already used"))
    }

    @Test func otherToolsArgumentsAndExpiredTokensAreRefused() {
        let book = ConfirmationBook()
        var token = book.issue(tool: "run_container_job", arguments: args, seed: "s", writes: "[]")
        if case .failure(let r) = book.redeem(token, tool: "delete_job", arguments: args) { #expect(r.message.contains("issued for run_container_job")) } else { Issue.record("other tool accepted") }
        token = book.issue(tool: "run_container_job", arguments: args, seed: "s", writes: "[]")
        if case .failure(let r) = book.redeem(token, tool: "run_container_job", arguments: ["image": "busybox"]) { #expect(r.message.contains("other arguments")) } else { Issue.record("changed arguments accepted") }
        let shortLived = ConfirmationBook(lifetime: -1)
        token = shortLived.issue(tool: "t", arguments: args, seed: "s", writes: "[]")
        if case .failure(let r) = shortLived.redeem(token, tool: "t", arguments: args) { #expect(r.message.contains("expired")) } else { Issue.record("expired token accepted") }
    }

    @Test func forgedTamperedAndForeignTokensAreRefused() {
        let book = ConfirmationBook()
        let token = book.issue(tool: "t", arguments: args, seed: "s", writes: "[]")
        // Signed by a key this server never held (another deployment, a guess).
        let stranger = ConfirmationBook()
        let foreign = stranger.issue(tool: "t", arguments: args, seed: "s", writes: "[]")
        // The payload changed (another seed), the MAC kept.
        let parts = token.split(separator: ".")
        let otherPayload = Digest.base64URL(Array(#"v1{"tool":"t","seed":"x","exp":9999999999000}"#.utf8))
        let tampered = "\(parts[0]).\(otherPayload).\(parts[2])"
        for bad in [foreign, tampered, "kfct-", "kfct-abc", token + "x", String(token.dropLast(2)), "kfct-" + String(repeating: "a", count: 32),
                    String(repeating: "kfct-.", count: 2000)] {
            guard case .failure(let refusal) = book.redeem(bad, tool: "t", arguments: args) else {
                Issue.record("accepted \(bad.prefix(60))"); continue
            }
            #expect(refusal.message.contains("not one this server issued"), "\(refusal.message)")
        }
        _ = try? book.redeem(token, tool: "t", arguments: args).get()  // the genuine one still works
    }

    @Test func theFingerprintIgnoresHowTheDryRunAnswered() {
        let write: JSON = ["method": "POST", "path": "/p", "body": ["a": 1], "status": 201]
        var failed = write
        failed["status"] = 409
        #expect(ConfirmationBook.fingerprint([write]) == ConfirmationBook.fingerprint([failed]))
        var other = write
        other["body"] = ["a": 2]
        #expect(ConfirmationBook.fingerprint([write]) != ConfirmationBook.fingerprint([other]))
    }

    @Test func randomHexHasTwoDigitsPerByteAndVaries() {
        for bytes in [1, 7, 8, 9, 16] {
            let hex = ConfirmationBook.randomHex(bytes: bytes)
            #expect(hex.count == 2 * bytes)
            #expect(hex.utf8.allSatisfy { "0123456789abcdef".utf8.contains($0) }, "\(hex)")
        }
        #expect(ConfirmationBook.randomHex(bytes: 16) != ConfirmationBook.randomHex(bytes: 16))
    }
}
