"""fuzz_target: a libFuzzer binary and a corpus regression test from one source file."""

def fuzz_target(name, src, deps, corpus):
    """Declares NAME (the libFuzzer binary) and NAME_corpus_test.

    NAME links libFuzzer, so it builds only with clang and --config=fuzz (see run_fuzzers.sh);
    it is tagged manual to keep it out of //... . NAME_corpus_test replays the corpus folder
    (seeds and regressions) through the same source with any compiler.
    """
    native.cc_binary(
        name = name,
        srcs = [src],
        deps = deps + [":fuzz_file"],
        linkopts = ["-fsanitize=fuzzer"],
        tags = ["manual"],
        testonly = True,
    )
    native.cc_test(
        name = name + "_corpus_test",
        srcs = [src, "replay_main.cc"],
        deps = deps + [":fuzz_file"],
        data = native.glob([corpus + "/**"]),
        args = ["tests/fuzz/" + corpus],
    )
