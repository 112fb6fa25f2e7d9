"""Packs our binaries with the shared libraries they need, for a machine without Debian 12's.

Usage: bundle.py OUTDIR BINARY... [--plugins LIBRARY...]

Writes OUTDIR/bin/NAME/NAME for each binary (bazel-bin/tools' layout, so that the pipelines
take BIN=OUTDIR/bin) and OUTDIR/lib/ (their libraries), to run there with
LD_LIBRARY_PATH=OUTDIR/lib:TORCH_LIB. The C and C++ runtimes and LibTorch are the other
machine's own and are not packed. Every other library the binaries need (their NEEDED entries,
followed through each library packed) is copied when we run its code (KEEP, or any library of
at most 2 MB), and replaced by a link stub otherwise (see link_stubs.py): OpenCV's image codecs
need GDAL, OpenEXR and a video stack that no tool here calls and that would not fit the
transfer limit. --plugins names libraries that are loaded at run time (dlopen), not linked,
such as PLplot's drivers: their libraries are packed too.
"""
import os
import re
import shutil
import subprocess
import sys

import link_stubs

# Provided by the machine that runs the bundle.
THEIRS = re.compile(r"^(libc|libm|libdl|librt|libpthread|libutil|libstdc\+\+|libgcc_s|libgomp|"
                    r"ld-linux-x86-64|libtorch\w*|libc10\w*)\.so")
KEEP = re.compile(r"^lib(opencv_(core|imgproc|imgcodecs|photo)|protobuf|tbb|hdf5\w*)\.so")
SMALL = 2 << 20


def needed(path):
    out = subprocess.run(["readelf", "-d", path], check=True, capture_output=True, text=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out)


def system_libraries():
    out = subprocess.run(["ldconfig", "-p"], check=True, capture_output=True, text=True).stdout
    found = {}
    for name, path in re.findall(r"^\s+(\S+) \(libc6,x86-64.*?\) => (\S+)$", out, re.M):
        found.setdefault(name, path)
    return found


def main(outdir, binaries, plugins):
    bin_dir, lib_dir = os.path.join(outdir, "bin"), os.path.join(outdir, "lib")
    os.makedirs(bin_dir, exist_ok=True)
    os.makedirs(lib_dir, exist_ok=True)
    libraries = system_libraries()
    pending, seen, copied, stubbed = [], set(), 0, []
    for binary in binaries:
        name = os.path.basename(binary)
        os.makedirs(os.path.join(bin_dir, name), exist_ok=True)
        shutil.copy(binary, os.path.join(bin_dir, name, name))
        pending += needed(binary)
    for plugin in plugins:
        pending += needed(plugin)
    while pending:
        name = pending.pop()
        if name in seen or THEIRS.match(name):
            continue
        seen.add(name)
        if name not in libraries:
            sys.exit(f"bundle.py: {name} is needed but not installed here")
        path = libraries[name]
        if KEEP.match(name) or os.path.getsize(path) <= SMALL:
            shutil.copy(path, os.path.join(lib_dir, name))
            pending += needed(path)
            copied += 1
        else:
            # Without weak functions: the machine's libraries must never call a stub's copy.
            link_stubs.make(link_stubs.parse(link_stubs.listing(path), path), lib_dir, weak=False)
            stubbed.append(name)
    # The machine may have some of these for real; cuda_check.sh says which, and lists every
    # binding of the machine's libraries to a stub.
    with open(os.path.join(outdir, "STUBBED"), "w") as out:
        out.write("".join(f"{name}\n" for name in sorted(stubbed)))
    print(f"{outdir}: {len(binaries)} binaries, {copied} libraries copied, {len(stubbed)} stubbed")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    args = sys.argv[2:]
    split = args.index("--plugins") if "--plugins" in args else len(args)
    main(sys.argv[1], args[:split], args[split + 1:])
