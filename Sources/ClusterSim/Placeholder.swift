enum ClusterSimPlaceholder {}
