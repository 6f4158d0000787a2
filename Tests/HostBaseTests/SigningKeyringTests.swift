import Foundation
@testable import HostBase
import KFJSON
import Testing

@Suite struct SigningKeyringTests {
    /// RFC 4231 test case 2 and FIPS 180-2's "abc": the primitives are the standard ones.
    @Test func theDigestsAreTheStandardOnes() {
        #expect(Digest.hex(Digest.hmacSHA256(key: Array("Jefe".utf8), Array("what do ya want for nothing?".utf8)))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(Digest.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.fromBase64URL(Substring(Digest.base64URL([0xfb, 0xff, 0x01]))) == [0xfb, 0xff, 0x01])
        #expect(Digest.fromBase64URL("ab+c") == nil)
    }

    @Test func aRotationKeepsWhatThePreviousKeySignedValid() throws {
        let old = SigningKeyring.Key.random()
        let keyring = SigningKeyring(current: old)
        let sealed = keyring.seal(["who": "ann"], kind: "kfms", expires: Date().addingTimeInterval(60))
        let new = SigningKeyring.Key.random()
        keyring.use(current: new, previous: old)
        #expect(try keyring.open(sealed, kind: "kfms").get()["who"] == "ann")
        #expect(keyring.seal([:], kind: "kfms", expires: Date().addingTimeInterval(60)).hasPrefix("kfms-\(new.id)."))
        keyring.use(current: .random(), previous: new)  // a second rotation retires the old key
        #expect(keyring.open(sealed, kind: "kfms") == .failure(.unknownKey))
    }

    @Test func expiredForeignAndOtherKindsAreRefused() {
        let keyring = SigningKeyring()
        let expired = keyring.seal([:], kind: "kfms", expires: Date().addingTimeInterval(-1))
        #expect(keyring.open(expired, kind: "kfms") == .failure(.expired))
        let session = keyring.seal([:], kind: "kfms", expires: Date().addingTimeInterval(60))
        #expect(keyring.open(session, kind: "kfct") == .failure(.malformed))
        // The same key id and payload with a MAC from another key.
        let other = SigningKeyring().seal([:], kind: "kfms", expires: Date().addingTimeInterval(60))
        let swapped = String(session[..<session.lastIndex(of: ".")!]) + String(other[other.lastIndex(of: ".")!...])
        #expect(keyring.open(swapped, kind: "kfms") == .failure(.badSignature))
        #expect(keyring.open(other, kind: "kfms") == .failure(.unknownKey))
        for junk in ["", "kfms-", "kfms-.", "kfms-a.b.c", "kfms-..", String(repeating: "x", count: 10_000)] {
            #expect((try? keyring.open(junk, kind: "kfms").get()) == nil)
        }
    }

    @Test func anUnknownKeyIsLookedUpOnceBeforeRefusing() throws {
        let next = SigningKeyring.Key.random()
        let elsewhere = SigningKeyring(current: next)
        let sealed = elsewhere.seal(["n": 1], kind: "kfms", expires: Date().addingTimeInterval(60))
        let keyring = SigningKeyring()
        let old = keyring.keyIDs.current
        keyring.whenKeyUnknown { [keyring] in keyring.use(current: next, previous: nil) }
        #expect(try keyring.open(sealed, kind: "kfms").get()["n"] == 1)
        #expect(keyring.keyIDs.current != old)
    }
}
