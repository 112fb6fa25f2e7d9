"""Link-only stand-ins for shared libraries that live on another machine.

Usage: link_stubs.py list LIBRARY... > LISTING           (where the libraries are)
       link_stubs.py make [--no_weak] LISTING OUTDIR     (where we link)

A CUDA LibTorch (the torch/lib of a GPU machine's PyTorch) is gigabytes and cannot be installed
here, but our tools can be compiled here against its headers and run there against its real
libraries. The linker only needs each library's name and the symbols it exports: the symbol
versions, which variables are thread-local, and the size of every variable (an executable that
reads a library's variable gets a copy relocation of that size).

`list` prints that for each LIBRARY: a line "== SONAME", the library's `nm -D -S --defined-only`
lines, and "tls NAME" for each of its thread-local variables (nm does not tell them apart;
readelf does). `make` writes OUTDIR/SONAME for each library of a listing: a shared object with
the same name and exports (and versions), whose functions only return and whose variables are
zero-filled and take no room in the file (ICU's data is 30 MB). Nothing linked against the
stubs runs where they are; at run time the dynamic linker loads the real libraries.

A stub that is loaded at run time (bundle.py's, for libraries no tool calls) needs --no_weak:
a C++ library exports weak copies of the standard library's inline functions (std::string's
constructor, shared_ptr's release), and another library may bind to the stub's copy, which only
returns. PyTorch 2.11's libtorch_nvshmem.so did, and freed a garbage pointer at exit. Weak
variables stay: the real libraries beside a stub need its classes' typeinfo to load.
"""
import os
import re
import subprocess
import sys
import tempfile

FUNCTION_TYPES = {"T", "W", "i"}
OBJECT_TYPES = {"B", "D", "R", "V", "u"}
WEAK_FUNCTION = "W"
VERSION_TYPE = "A"  # a version node (LIBTIFF_4.0): symbols name theirs as NAME@@NODE
THREAD_LOCAL = "tls"


def run(command):
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def listing(path):
    """The listing of one library, as `list` prints it."""
    soname = re.search(r"\(SONAME\)\s+Library soname: \[(.+?)\]", run(["readelf", "-d", path]))
    name = soname.group(1) if soname else os.path.basename(path)
    thread_locals = [fields[7] for fields in map(str.split, run(["readelf", "--dyn-syms", "-W", path]).splitlines())
                     if len(fields) >= 8 and fields[3] == "TLS" and fields[6] != "UND"]
    return (f"== {name}\n" + run(["nm", "-D", "-S", "--defined-only", path]) +
            "".join(f"{THREAD_LOCAL} {symbol}\n" for symbol in thread_locals))


def parse(text, origin):
    """{soname: [(name, type, size)]} from a listing; type 'tls' marks a thread-local name."""
    libraries, current = {}, None
    for line_number, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        if fields[0] == "==":
            current = libraries.setdefault(fields[1], [])
            continue
        if current is None:
            sys.exit(f"{origin}:{line_number}: a symbol before the first '== LIBRARY' line")
        if fields[0] == THREAD_LOCAL and len(fields) == 2:
            current.append((fields[1], THREAD_LOCAL, 0))
        elif len(fields) == 4:
            current.append((fields[3], fields[2], int(fields[1], 16)))
        elif len(fields) == 3:
            current.append((fields[2], fields[1], 0))
        else:
            sys.exit(f"{origin}:{line_number}: expected 'ADDRESS [SIZE] TYPE NAME' or 'tls NAME'")
    return libraries


def split_version(name):
    """'TIFFOpen@@LIBTIFF_4.0' -> ('TIFFOpen', 'LIBTIFF_4.0'); unversioned names -> (name, None)."""
    base, _, version = name.partition("@@")
    return base, version or None


def version_script(symbols):
    """The library's version nodes with their symbols, or None when it has no versions."""
    nodes = {name: [] for name, kind, _ in symbols if kind == VERSION_TYPE}
    for name, kind, _ in symbols:
        base, version = split_version(name)
        if kind != VERSION_TYPE and version in nodes:
            nodes[version].append(base)
    if not nodes:
        return None
    return "".join(f"{node} {{ {'global: ' if names else ''}{' '.join(s + ';' for s in names)} }};\n"
                   for node, names in nodes.items())


def assembly(symbols, weak=True):
    thread_local = {name for name, kind, _ in symbols if kind == THREAD_LOCAL}
    if not weak:
        symbols = [(name, kind, size) for name, kind, size in symbols if kind != WEAK_FUNCTION]
    # Only a symbol's default version (NAME@@V) is defined; NAME@V (an old one) is left out.
    symbols = [(split_version(name)[0], kind, size) for name, kind, size in symbols
               if kind not in (THREAD_LOCAL, VERSION_TYPE) and ("@" not in name or "@@" in name)]
    lines = ["\t.text"]
    for name, kind, _ in symbols:
        if kind in FUNCTION_TYPES:
            binding = ".weak" if kind == "W" else ".globl"
            lines += [f"\t{binding} {name}", f"\t.type {name},@function", f"{name}:", "\tret"]
    for name, kind, size in symbols:
        if kind in OBJECT_TYPES:
            binding = ".weak" if kind == "V" else ".globl"
            if name in thread_local:
                section, object_type = '\t.section .tbss,"awT",@nobits', "@tls_object"
            else:
                section, object_type = "\t.bss", "@object"
            lines += [section, f"\t{binding} {name}", f"\t.type {name},{object_type}",
                      f"\t.size {name},{size}", "\t.balign 16", f"{name}:", f"\t.zero {max(size, 1)}"]
    return "\n".join(lines) + "\n"


def make(libraries, outdir, weak=True):
    """Writes OUTDIR/SONAME for each library of a parsed listing; weak=False leaves out its weak
    functions."""
    os.makedirs(outdir, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        for soname, symbols in libraries.items():
            source, script = os.path.join(work, "stub.s"), os.path.join(work, "stub.map")
            with open(source, "w") as f:
                f.write(assembly(symbols, weak))
            target = os.path.join(outdir, soname)
            command = ["gcc", "-shared", "-nostdlib", f"-Wl,-soname,{soname}", "-o", target + ".tmp", source]
            versions = version_script(symbols)
            if versions is not None:
                with open(script, "w") as f:
                    f.write(versions)
                command.append(f"-Wl,--version-script={script}")
            subprocess.run(command, check=True)
            os.rename(target + ".tmp", target)


def main(args):
    if len(args) >= 2 and args[0] == "list":
        for path in args[1:]:
            sys.stdout.write(listing(path))
    elif args[:1] == ["make"] and len(args) - ("--no_weak" in args) == 3:
        weak = "--no_weak" not in args
        listing_path, outdir = [a for a in args[1:] if a != "--no_weak"]
        with open(listing_path) as f:
            libraries = parse(f.read(), listing_path)
        make(libraries, outdir, weak)
        for soname, symbols in libraries.items():
            print(f"{os.path.join(outdir, soname)}: {len(symbols)} symbols")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
