enum KubeClientPlaceholder {}
