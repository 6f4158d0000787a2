/// How a tool refuses what Kubeflow Trainer v2.3.0's TrainJob webhook would deny: the reason as
/// the cluster words it (kube-apiserver's "admission webhook … denied the request: <field>: <detail>"),
/// then the fix. Tools refuse before sending, so nothing is created that a real cluster rejects.
public enum WebhookDenial {
    /// `reason` is "<field path>: <detail>", e.g. "spec.trainer.numNodes: must be 1 for llama3_2/1B model".
    public static func message(_ reason: String, fix: String) -> String {
        "Kubeflow Trainer v2.3.0 would deny this TrainJob (\(TrainJobAdmission.deniedMessage(reason))); nothing was created. Fix: \(fix)"
    }
}
