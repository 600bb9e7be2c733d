"""Baseline (b) of benchmarks/passback_paths.py: Stoplight Prism serving mock-ic's captured answers as
static examples of our own OpenAPI spec. package.json / package-lock.json pin @stoplight/prism-cli;
``npm ci`` installs it into node_modules/ here (git-ignored) when it is missing."""
