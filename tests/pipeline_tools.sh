# Sourced by the pipeline tests: links the tools as built for the test (its runfiles, under
# ROOT) into BIN/TOOL/TOOL, the layout of bazel-bin/tools that the pipelines' BIN variable
# names, so that make runs those and not whatever bazel-bin holds.
#
#   source tests/pipeline_tools.sh
#   link_pipeline_tools "$PWD" "$work/bin" synth dcm2png roicrop
#   make -f pipelines/demo.mk BIN="$work/bin" ...
link_pipeline_tools() {
  local root=$1 bin=$2 tool
  shift 2
  for tool in "$@"; do
    mkdir -p "$bin/$tool" && ln -sf "$root/tools/$tool/$tool" "$bin/$tool/$tool"
  done
}
