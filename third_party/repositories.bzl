"""All external dependencies of the workspace, offline, from Debian 12 packages.

Bazel 4.2.3 wants @rules_cc, @rules_java and @remote_coverage_tools even for plain C++
targets and would fetch them from the internet. They are declared here as local
repositories instead. System libraries come from /usr through //third_party:system.BUILD;
LibTorch has its own rule because its location is a setting (see _libtorch_repository).
"""

_RULES_CC_DEFS = '''"""Forwards to the native C++ rules: enough for Bazel 4, which only loads these names."""

def cc_binary(**kwargs):
    native.cc_binary(**kwargs)

def cc_library(**kwargs):
    native.cc_library(**kwargs)

def cc_test(**kwargs):
    native.cc_test(**kwargs)

def cc_import(**kwargs):
    native.cc_import(**kwargs)

def cc_toolchain(**kwargs):
    native.cc_toolchain(**kwargs)

def cc_toolchain_suite(**kwargs):
    native.cc_toolchain_suite(**kwargs)
'''

def _rules_cc_shim_impl(ctx):
    ctx.file("WORKSPACE", "workspace(name = \"rules_cc\")\n")
    ctx.file("BUILD", "")
    ctx.file("cc/BUILD", "")
    ctx.file("cc/defs.bzl", _RULES_CC_DEFS)

_rules_cc_shim = repository_rule(implementation = _rules_cc_shim_impl)

def _empty_coverage_tools_impl(ctx):
    ctx.file("WORKSPACE", "workspace(name = \"remote_coverage_tools\")\n")
    ctx.file("BUILD", """package(default_visibility = ["//visibility:public"])
filegroup(name = "coverage_report_generator")
filegroup(name = "lcov_merger")
""")

_empty_coverage_tools = repository_rule(implementation = _empty_coverage_tools_impl)

_LIBTORCH_BUILD = """package(default_visibility = ["//visibility:public"])

cc_library(
    name = "libtorch",
    hdrs = glob(["{hdrs_glob}"], allow_empty = True),
    includes = {includes},
    linkopts = {linkopts},
)

# How Debian's protobuf is linked (//third_party:system.BUILD's protobuf depends on this): the
# way this LibTorch needs it.
cc_library(
    name = "protobuf_linkage",
    linkopts = {protobuf_linkopts},
)
"""

# Debian's LibTorch is itself linked against Debian's libprotobuf.so, so we share that one.
_SHARED_PROTOBUF = ["-lprotobuf", "-pthread"]

# A PyTorch wheel's libtorch_cpu.so carries its own protobuf. With Debian's
# libprotobuf.so loaded too, the dynamic linker bound some of libtorch_cpu's protobuf
# references to Debian's copy (LD_DEBUG=bindings, PyTorch 2.11 wheel): two protobuf runtimes
# mixed in one process. So with such a LibTorch protobuf goes into our binaries statically,
# none of its symbols exported, and each side keeps its own.
_PRIVATE_PROTOBUF = [
    "-Wl,--push-state,-Bstatic",
    "-lprotobuf",
    "-Wl,--pop-state",
    "-Wl,--exclude-libs,libprotobuf.a",
    "-pthread",
]

def _libtorch_repository_impl(ctx):
    """LibTorch: Debian's CPU build by default; $LIBTORCH_DIR selects another one.

    LIBTORCH_DIR is the root of a LibTorch distribution or of a PyTorch installation's
    `torch` package (it holds include/, lib/ and share/cmake/Torch), for example
    LIBTORCH_DIR=$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))').
    """
    root = ctx.os.environ.get("LIBTORCH_DIR", "").strip()
    if not root:
        api = "/usr/include/torch/csrc/api/include"
        if not ctx.path(api).exists:
            fail("Debian's LibTorch headers are missing (%s): run tools/setup.sh, " % api +
                 "or point LIBTORCH_DIR at another LibTorch")
        ctx.symlink(api, "api_include")
        ctx.file("BUILD", _LIBTORCH_BUILD.format(
            hdrs_glob = "api_include/**",
            includes = repr(["api_include"]),
            linkopts = repr(["-ltorch", "-ltorch_cpu", "-lc10"]),
            protobuf_linkopts = repr(_SHARED_PROTOBUF),
        ))
        return

    for sub in ["include/torch/csrc/api/include", "lib"]:
        if not ctx.path(root + "/" + sub).exists:
            fail("LIBTORCH_DIR=%s has no %s: it must be a LibTorch root (include/, lib/)" % (root, sub))
    config = ctx.path(root + "/share/cmake/Torch/TorchConfig.cmake")
    if config.exists and "_GLIBCXX_USE_CXX11_ABI=0" in ctx.read(config):
        fail("LIBTORCH_DIR=%s was built with the pre-C++11 string ABI; " % root +
             "this project links Debian's libraries (C++11 ABI): use a cxx11-abi LibTorch")
    # Every header folder but google/: a PyTorch installation carries its own, older protobuf
    # headers there, which would shadow Debian's that our generated .pb.h files need.
    for entry in ctx.path(root + "/include").readdir():
        if entry.basename != "google":
            ctx.symlink(entry, "include/" + entry.basename)
    lib = root + "/lib"
    linkopts = ["-L" + lib, "-Wl,-rpath," + lib, "-ltorch", "-ltorch_cpu", "-lc10"]
    if ctx.path(lib + "/libtorch_cuda.so").exists:
        # Nothing references the CUDA libraries by symbol; without --no-as-needed the linker
        # drops them and torch::cuda::is_available() says false.
        linkopts += ["-Wl,--no-as-needed", "-ltorch_cuda", "-lc10_cuda", "-Wl,--as-needed"]
    ctx.file("BUILD", _LIBTORCH_BUILD.format(
        hdrs_glob = "include/**",
        includes = repr(["include", "include/torch/csrc/api/include"]),
        linkopts = repr(linkopts),
        protobuf_linkopts = repr(_PRIVATE_PROTOBUF),
    ))

_libtorch_repository = repository_rule(
    implementation = _libtorch_repository_impl,
    environ = ["LIBTORCH_DIR"],
    local = True,
)

def mammo_dependencies():
    native.local_repository(name = "rules_java", path = "/usr/share/bazel/rules/java")
    native.local_repository(name = "platforms", path = "/usr/share/bazel/tools/platforms")
    native.local_repository(name = "bazel_skylib", path = "/usr/share/bazel/tools/skylib")
    _rules_cc_shim(name = "rules_cc")
    _empty_coverage_tools(name = "remote_coverage_tools")
    native.new_local_repository(
        name = "system",
        path = "/usr",
        build_file = "//third_party:system.BUILD",
    )
    _libtorch_repository(name = "libtorch")
