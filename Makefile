# Shortcuts; the scripts are the source of truth.
.PHONY: run test bench demo install
run:
	scripts/run
test:
	scripts/test
bench:
	scripts/bench --http
demo:
	scripts/run demo

# A release build installed under PREFIX: the binaries, the simulator's data, the
# first-party plugins (the system plugin directory) and the plugin ABI headers
# beside the binary, where `kubeflow-mcp plugin sdk` finds them.
PREFIX ?= /usr/local
install:
	swift build -c release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/kubeflow-mcp $(DESTDIR)$(PREFIX)/lib/kubeflow-mcp/plugins.d
	install -m 755 .build/release/kubeflow-mcp .build/release/kubeflow-mcp-sim $(DESTDIR)$(PREFIX)/bin/
	cp -r .build/release/kubeflow-mcp_ClusterSim.resources $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(PREFIX)/include/kubeflow-mcp/kfmcp
	install -m 644 Sources/PluginABI/include/*.h $(DESTDIR)$(PREFIX)/include/kubeflow-mcp/
	install -m 644 Sources/PluginABI/include/kfmcp/*.h $(DESTDIR)$(PREFIX)/include/kubeflow-mcp/kfmcp/
	for so in .build/release/libkfmcp-*.so; do \
	  case "$$so" in *sample*) ;; *) install -m 755 "$$so" $(DESTDIR)$(PREFIX)/lib/kubeflow-mcp/plugins.d/ ;; esac; done
