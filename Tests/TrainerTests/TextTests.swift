import Testing
import KFJSON
import PluginKit
@testable import TrainerPlugin

@Suite struct TextTests {
    @Test func progressBar() {
        var p = TrainingProgress(source: "trainerStatus")
        p.percent = 61.4; p.epoch = 2; p.totalEpochs = 3; p.loss = 1.2149; p.etaSeconds = 840
        #expect(p.bar == "[######----] 61% epoch 2/3 loss 1.21 ETA 14m")
        #expect(TrainingProgress.duration(45) == "45s")
        #expect(TrainingProgress.duration(7500) == "2h05m")
        #expect(TrainingProgress(source: "logs").bar == "progress unknown")
        var epochOnly = TrainingProgress(source: "logs")
        epochOnly.epoch = 2; epochOnly.loss = 1.5
        #expect(epochOnly.bar == "progress unknown epoch 2 loss 1.50")
    }

    @Test func progressFromTrainerStatus() throws {
        let p = try #require(TrainingProgress.fromTrainerStatus([
            "progressPercentage": 40, "estimatedRemainingSeconds": 600,
            "metrics": [["name": "loss", "value": "0.93"]],
        ]))
        #expect(p.percent == 40 && p.loss == 0.93 && p.etaSeconds == 600)
        #expect(p.bar == "[####------] 40% loss 0.93 ETA 10m")
    }

    @Test func progressFromLogs() throws {
        let lines = ["loading model", "step 50/100 | epoch 2/3 | loss 1.50", "step 60/100 | epoch 2/3 | loss=1.21", "saving"]
        let p = try #require(TrainingProgress.fromLogs(lines))
        #expect(p.step == 60 && p.totalSteps == 100 && p.epoch == 2 && p.totalEpochs == 3 && p.loss == 1.21)
        #expect(Int(p.percent!) == 53)
        let tt = try #require(TrainingProgress.parse("1|25|Loss: 1.2345"))
        #expect(tt.epoch == 1 && tt.step == 25 && tt.loss == 1.2345)
        #expect(TrainingProgress.fromLogs(["nothing here"]) == nil)
        #expect(TrainingProgress.parse("[pod/node] epoch 1 loss=2.31")?.loss == 2.31)
    }

    @Test func yaml() {
        let object: JSON = ["spec": ["trainer": ["args": ["epochs=3", "true"], "numNodes": 2]], "kind": "TrainJob",
                            "apiVersion": "trainer.kubeflow.org/v1alpha1",
                            "metadata": ["name": "x", "labels": [:]],
                            "status": ["conditions": [["type": "Complete", "status": "True"]]]]
        #expect(YAML.render(object) == """
            apiVersion: trainer.kubeflow.org/v1alpha1
            kind: TrainJob
            metadata:
              labels: {}
              name: x
            spec:
              trainer:
                args:
                - epochs=3
                - "true"
                numNodes: 2
            status:
              conditions:
              - status: "True"
                type: Complete

            """)
    }

    @Test func pythonRepr() {
        #expect(PythonRepr.dict([("lr", 0.001), ("epochs", 5), ("name", "it's"), ("on", true), ("x", nil)])
                == "{'lr': 0.001, 'epochs': 5, 'name': \"it's\", 'on': True, 'x': None}")
        #expect(PythonRepr.of(1e-05) == "1e-05")
        #expect(PythonRepr.of(["a\n"]) == "['a\\n']")
        #expect(ShellQuote.quote("transformers>=4.40") == "'transformers>=4.40'")
        #expect(ShellQuote.quote("torch") == "torch")
        #expect(ShellQuote.quote("a'b") == "'a'\"'\"'b'")
    }

    @Test func jobNames() {
        var rng = SeededGenerator(seed: "7")
        let name = JobName.make(prefix: "ft", from: "Qwen/Qwen2.5-7B-Instruct", using: &rng)
        #expect(name.hasPrefix("ft-qwen2-5-7b-"))
        #expect(name.count == "ft-qwen2-5-7b-".count + 5)
        #expect(JobName.isValid(name))
        #expect(JobName.slug("ghcr.io/myorg/trainer:v1") == "trainer-v1")
        #expect(!JobName.isValid("Bad_Name"))
    }

    @Test func trainingFunction() throws {
        let f = try TrainingFunction.parse("    def helper(): pass\n    def train(lr, *, epochs=3, **kw):\n        helper()", name: "train")
        #expect(f.source == "def helper(): pass\ndef train(lr, *, epochs=3, **kw):\n    helper()\n")
        #expect(f.parameters == ["lr", "epochs", "kw"])
        #expect(f.orderedArguments(["zeta": 1, "epochs": 2, "lr": 0.1]).map(\.0) == ["lr", "epochs", "zeta"])
        #expect(throws: ToolError.self) { try TrainingFunction.parse("def a(): pass\ndef b(): pass", name: nil) }
        #expect(throws: ToolError.self) { try TrainingFunction.parse("print(1)", name: nil) }
    }

    @Test func mpiCommandUsesMPIHome() throws {
        let f = try TrainingFunction.parse("def main():\n    pass\n", name: nil)
        let cmd = CustomTrainerCommand.build(entrypoint: .mpi, function: f, arguments: nil, funcFile: "main.py",
                                             packages: [], pipIndexURLs: [])
        #expect(Array(cmd.prefix(5)) == ["mpirun", "--hostfile", "/etc/mpi/hostfile", "bash", "-c"])
        #expect(cmd[5].hasSuffix("\nmain()\n\nEOM\nprintf \"%s\" \"$SCRIPT\" > \"/home/mpiuser/main.py\"\npython \"/home/mpiuser/main.py\""))
    }

    @Test func resources() throws {
        let mig = try ResourcesPerNode.build(["MIG-1g.5gb": 1])
        #expect(mig["limits"] == ["nvidia.com/mig-1g.5gb": 1.0])
        #expect(throws: ToolError.self) { try ResourcesPerNode.build(["gpu": 1, "mig-1g.5gb": 1]) }
        let ok = try ResourcesPerNode.build(["cpu": 4, "Memory": "64Gi", "storage": "1Ti", "example.com/Custom-NPU": 1])
        #expect(ok["limits"] == ["cpu": 4.0, "memory": "64Gi", "ephemeral-storage": "1Ti", "example.com/Custom-NPU": 1.0])
        #expect(ok["requests"] == ok["limits"])
    }

    @Test func kubeTime() {
        #expect(KubeTime.seconds("1970-01-02T00:00:00Z") == 86400)
        #expect(KubeTime.seconds("2026-09-01T10:00:00+00:00") == KubeTime.seconds("2026-09-01T10:00:00Z"))
        #expect(KubeTime.age(90) == "90s")
    }
}
