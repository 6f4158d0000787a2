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

    /// One planted secret of each class (issue 25), each in the shape it is written in; none survives.
    static let classes: [(String, String, String)] = [
        ("AWS key id", "id ASIAY34FZKBOKMUTVV7A here", "ASIAY34FZKBOKMUTVV7A"),
        ("AWS secret key", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI"),
        ("GCP service account", #"{"type": "service_account", "private_key_id": "1f2e3d4c5b6a79881f2e3d4c5b6a798811223344", "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvgIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"}"#, "1f2e3d4c5b6a"),
        ("Azure storage", "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6==;EndpointSuffix=core.windows.net", "Zm9vYmFy"),
        ("Azure service bus", "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=c2VjcmV0S2V5VmFsdWUxMjM0NTY3ODkw=", "c2VjcmV0S2V5"),
        ("Hugging Face", "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "hf_AbCdEf"),
        ("GitHub classic", "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", "ghp_wWPw5k4a"),
        ("GitHub fine-grained", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEF", "github_pat_11ABCDEFG"),
        ("GitLab", "export GL=glpat-xZ3Qy8Lk2Vb7Nc1Mp4Rt", "glpat-xZ3Qy8"),
        ("Slack token", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "xoxb-1234"),
        ("Slack webhook", "https://hooks.slack.com/services/T0000AAAA/B0000BBBB/XXXXXXXXXXXXXXXXXXXXXXXX", "XXXXXXXXXXXXXXXX"),
        ("OpenAI", "OPENAI=sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7c", "Ab3dEf6hIj9k"),
        ("Anthropic", "key sk-ant-api03-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z-AA", "Ab3dEf6hIj9k"),
        ("Google API key", "key=AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q", "AIzaSyA1b2"),
        ("JWT", "id eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk", "eyJzdWIiOiIx"),
        ("bearer", "Authorization: Bearer abcDEF123ghiJKL456", "abcDEF123"),
        ("basic auth", "Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpw"),
        ("kubeconfig client-key-data", "    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo=", "LS0tLS1C"),
        ("kubeconfig token", "    token: kfsim-admin-token", "kfsim-admin"),
        ("PGP private block", "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF1aBcDeFgHiJkLmNoPq\n=AbCd\n-----END PGP PRIVATE KEY BLOCK-----", "lQOYBF1a"),
        ("URI, empty user", "redis://:r3disPw@cache:6379/0", "r3disPw"),
        ("URI, '/' in password", "s3://AKIDEXAMPLE:wJal/rXUt+nFE@bucket/data", "wJal/rXUt"),
        ("URI, '@' in password", "postgres://app:p@ss@db/x", "p@ss"),
        ("URI, escaped", "mysql://root:p%40ss%2Fw0rd@db/x", "p%40ss"),
        ("secret key", #"{"secret": "s3cr3tValue99"}"#, "s3cr3tValue99"),
        ("password list", #"{"password": ["first-pw-1", "second-pw-2"]}"#, "first-pw-1"),
        ("env pair", #"{"name": "MY_SECRET", "value": "v4lu3-0f-s3cr3t"}"#, "v4lu3-0f-s3cr3t"),
        ("dockerconfigjson", #"{"auths": {"ghcr.io": {"auth": "dXNlcjpnaHBfc2VjcmV0"}}}"#, "dXNlcjpn"),
        ("dockerconfigjson data", #".dockerconfigjson: eyJhdXRocyI6e319"#, "eyJhdXRocyI6e319"),
        ("connection string", "Server=db;Database=app;User Id=sa;Password=Pa55w0rd!;", "Pa55w0rd"),
    ]

    @Test func everyClassIsMasked() {
        for (what, text, secret) in Self.classes {
            #expect(!Redactor.redact(text).contains(secret), "\(what): \(Redactor.redact(text))")
        }
    }

    @Test func secretNamedFieldsAtAnyDepthAndShape() {
        let result: JSON = ["deep": ["list": [["secret": "s3cr3tValue99", "password": ["a-pw-1", ["nested": "b-pw-2"]],
                                               "env": [["name": "MY_SECRET", "value": 42], ["name": "GH_TOKEN", "value": ["x-pw-3"]]]]]],
                            "ref": ["secret": "hf-token", "key": "token"], "auth": "dXNlcjpw"]
        let clean = Redactor.scrub(result).serialized()
        for secret in ["s3cr3tValue99", "a-pw-1", "b-pw-2", "42", "x-pw-3", "dXNlcjpw"] { #expect(!clean.contains(secret), "\(secret)") }
        // A Secret named by reference is no secret.
        #expect(clean.contains("hf-token"))
    }

    /// The host's own words about secrets (tool descriptions, the refusal of a plain credential) stay as written.
    @Test(arguments: [
        #"env.DB_PASSWORD looks like a credential; a plain value would be stored in the TrainJob, readable by anyone who can read jobs. Store it in a Secret and reference it: {"DB_PASSWORD": {"secret": "<Secret name>", "key": "<key>"}} (a HuggingFace token: call setup_hf_credentials, then use {"secret": "hf-token", "key": "token"}; others: kubectl create secret generic <name> --from-literal=<key>=<value>)."#,
        #"Stores a HuggingFace token in a Secret (key "token"; default Secret hf-token, which fine_tune uses for gated models by itself) and returns the Secret's name to pass as hf_token_secret. The token is never echoed back."#,
        #"Secret holding a HuggingFace token under key "token" (see setup_hf_credentials)."#,
        "A HuggingFace token; stored in the Secret hf_token_secret (default hf-token), never in the TrainJob.",
        "Unauthorized: send 'Authorization: Bearer <token>' (see --auth)",
        "the password: see the docs",
    ])
    func hostWordsStayReadable(_ text: String) {
        #expect(Redactor.redact(text) == text)
    }

    @Test func aKeyBodyIsMaskedWhenItsBeginIsOutOfView() {
        let stream = StreamRedactor()
        let tail = ["Kx9PLANTEDpemLINE2bodyAAAAB3NzaC1yc2EAAAADAQABAAABAQC7vbqajDhA", "  zZ9aBcDeFgHiJkLmNoPqRsTu01  ",
                    "-----END PRIVATE KEY-----", "loss 0.25 step 3", "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"]
        let out = tail.map(stream.redact)
        #expect(out[0] == Redactor.mask && out[1] == Redactor.mask && !out[2].contains("END"))
        #expect(out[3] == tail[3] && out[4] == tail[4])
        // A PGP block one line a message, as progress notifications carry it.
        let pgp = StreamRedactor()
        let lines = ["-----BEGIN PGP PRIVATE KEY BLOCK-----", "", "lQOYBF1aBcDeFgHi", "=AbCd", "-----END PGP PRIVATE KEY BLOCK-----", "next"]
        let masked = lines.map(pgp.redact)
        #expect(!masked.joined().contains("lQOYBF1a") && !masked.joined().contains("=AbCd") && masked.last == "next")
    }
}

