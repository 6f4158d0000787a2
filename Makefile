# Shortcuts; the scripts are the source of truth.
.PHONY: run test bench demo
run:
	scripts/run
test:
	scripts/test
bench:
	scripts/bench
demo:
	scripts/run demo
