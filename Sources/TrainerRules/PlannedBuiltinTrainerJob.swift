import KFJSON

/// A plan for the built-in trainer (torchtune) put to the TrainJob webhook before any object exists (the planner's
/// pre-flight): the TrainJob reduced to what the rules read, on a built-in torchtune runtime
/// as shipped (2 GPUs per node).
public enum PlannedBuiltinTrainerJob {
    public static let runtimeGPUs = 2

    public static func review(runtime: String, numNodes: Int, gpusPerNode: Int?, method: BuiltinTrainerRules.Method) -> AdmissionReview {
        var args: [JSON] = []
        if method != .full { args.append("model.lora_attn_modules=[q_proj,v_proj,output_proj]") }
        if method == .qlora { args.append("model.quantize_base=True") }
        var trainer: JSON = ["command": ["tune", "run"], "numNodes": .int(numNodes), "args": .array(args)]
        if let gpusPerNode { trainer["resourcesPerNode"] = ["limits": ["nvidia.com/gpu": .int(gpusPerNode)]] }
        let job: JSON = ["spec": ["runtimeRef": ["name": .string(runtime), "kind": "ClusterTrainingRuntime",
                                                 "apiGroup": .string(TrainJobAdmission.group)],
                                  "trainer": trainer]]
        let node: JSON = ["name": "node",
                          "template": ["metadata": ["labels": [TrainerConstants.ancestorLabel: "trainer"]],
                                       "spec": ["template": ["spec": ["containers": [
                                           ["name": "node", "resources": ["limits": ["nvidia.com/gpu": .int(runtimeGPUs)]]],
                                       ]]]]]]
        let builtin: JSON = ["metadata": ["name": .string(runtime)],
                             "spec": ["mlPolicy": ["torch": [:]], "template": ["spec": ["replicatedJobs": [node]]]]]
        return TrainJobAdmission.review(trainJob: job, runtime: builtin)
    }
}
