@testable import HostBase
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

    @Test func masksURIPasswordsEnvPairsAndSecretData() {
        #expect(Redactor.redact("s3://minio:pw-s3cr3t@bucket/x") == "s3://minio:[REDACTED]@bucket/x")
        #expect(!Redactor.redact("env:\n- name: DB_PASSWORD\n  value: hunter22\n").contains("hunter22"))
        #expect(!Redactor.redact(#"{"name":"API_TOKEN","value":"abc123xyz"}"#).contains("abc123xyz"))
        #expect(!Redactor.redact(#"{"yaml": "env:\n- name: DB_PASSWORD\n  value: hunter22\n"}"#).contains("hunter22"))
        #expect(!Redactor.redact(#"failed: {"kind": "Secret", "data": {"k": "c2VjcmV0"}}"#).contains("c2VjcmV0"))
        let clean = Redactor.scrub(["env": [["name": "DB_PASSWORD", "value": "hunter22"], ["name": "LEVEL", "value": "1"]],
                                    "secret": ["kind": "Secret", "data": ["k": "c2VjcmV0"]],
                                    "item": ["type": "Opaque", "stringData": ["k": "plain"]],
                                    "hf_abcdefghijklmnopqrstuvwxyz123456": 1])
        #expect(clean["env"]?[0]?["value"] == .string(Redactor.mask))
        #expect(clean["env"]?[1]?["value"] == "1")
        #expect(clean["secret"]?["data"]?["k"] == .string(Redactor.mask))
        #expect(clean["item"]?["stringData"]?["k"] == .string(Redactor.mask))
        #expect(!clean.serialized().contains("hf_abcdefghij"))
    }

    @Test func secretReferencesStayReadable() {
        let text = #"pass hf_token_secret="team-hf" or credentials_secret: s3-creds"#
        #expect(Redactor.redact(text) == text)
    }

    @Test func keyBlocksAreMaskedWholeAcrossLines() {
        let stream = StreamRedactor()
        let lines = ["start", "-----BEGIN PRIVATE KEY-----", "MIIEvQIBADANBgkq", "AAAAB3NzaC1yc2E", "-----END PRIVATE KEY-----", "after"]
        let out = lines.map(stream.redact)
        #expect(out.first == "start" && out.last == "after")
        #expect(!out.joined().contains("MIIEvQ") && !out.joined().contains("AAAAB3"))
        let array = Redactor.scrub(.array(lines.map { .string($0) }))
        #expect(!array.serialized().contains("MIIEvQ"))
        #expect(!Redactor.redact("-----BEGIN EC PRIVATE KEY-----\nMIIEvQIBADANBgkq").contains("MIIEvQ"))
        #expect(!Redactor.redact("MIIEvQIBADANBgkqAAAA\n-----END EC PRIVATE KEY-----").contains("MIIEvQ"))
    }

    @Test func secretNamesAreReadWithoutCaseAndDashes() {
        for name in ["token", "HF_TOKEN", "hf-token", "db_password", "AWS_SECRET_ACCESS_KEY", "hfaccesskey", "café_token"] {
            #expect(Redactor.isSecretName(name), "\(name)")
        }
        for name in ["secretKeyRef", "hftoken", "tokens", "max_tokens", "key", "name", ""] {
            #expect(!Redactor.isSecretName(name), "\(name)")
        }
    }

    @Test func cleanValuesComeBackUnchanged() {
        let clean: JSON = ["runtimes": [["name": "torch-distributed", "gpus": 8, "ratio": 0.5, "ok": true,
                                         "env": [["name": "LEVEL", "value": "debug"]]]], "note": "2048 tokens per step"]
        #expect(Redactor.scrubbed(clean) == nil)
        #expect(Redactor.scrub(clean) == clean)
        // Short text cannot hold a secret; long text is scanned once for every rule's clues.
        #expect(Redactor.redact("key=abc") == "key=abc")
        #expect(Redactor.redact("token=abcd") == "token=\(Redactor.mask)")
        #expect(Clues.scan("Token: x").contains(.assignment) && !Clues.scan("2048 tokens").contains(.assignment))
    }
}

