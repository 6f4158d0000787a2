// Debian's libyaml (libyaml-dev, pkg-config yaml-0.1): the one YAML parser of the project.
#include <yaml.h>
