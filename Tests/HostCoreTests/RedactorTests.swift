@testable import HostCore
import KFJSON
import Testing

@Suite struct RedactorTests {
    @Test(arguments: [
        "token hf_abcdefghijklmnopqrstuvwxyz123456 in a log",
        "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.payload.sig",
        "aws AKIAIOSFODNN7EXAMPLE key",
        "password=hunter2hunter2",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
    ])
    func removesSecrets(_ text: String) {
        let clean = Redactor.redact(text)
        #expect(clean.contains(Redactor.mask))
        for secret in ["hf_abcdefghij", "eyJhbGci", "AKIAIOSFODNN7", "hunter2", "MIIEow"] {
            #expect(!clean.contains(secret))
        }
    }

    @Test(arguments: ["step 10/120 | epoch 1/3 | loss 1.234 | tokens/s 3150",
                      "Call setup_hf_credentials with a token first.",
                      "the secretKeyRef names key token of Secret hf-token"])
    func leavesOrdinaryTextAlone(_ line: String) {
        #expect(Redactor.redact(line) == line)
    }

    @Test func hidesSecretNamedFieldsInResults() {
        let result: JSON = ["hf_token": "abc", "secretKeyRef": ["name": "hf-token", "key": "token"], "note": "ok"]
        let clean = Redactor.scrub(result)
        #expect(clean["hf_token"] == .string(Redactor.mask))
        #expect(clean["secretKeyRef"]?["key"] == .string("token"))
        #expect(clean["note"] == .string("ok"))
    }
}
