print("kubeflow-mcp")
