#!/usr/bin/env bash
# link_stubs.py against a library built here: a program linked against the stub of a library
# (a plain function, a versioned one, a variable read through a copy relocation, a
# thread-local variable) must run against the real library and see its code and values.
set -euo pipefail
stubs=$(realpath tools/gpu/link_stubs.py)
work=${TEST_TMPDIR:-$(mktemp -d)}/link_stubs
rm -rf "$work"
mkdir -p "$work/real" "$work/stub"
cd "$work"
cat > lib.c <<'C'
int table[100] = {[0] = 7, [99] = 42};
__thread int counter = 5;
int add(int a, int b) { return a + b; }
int scaled(int a) { return 3 * a; }
int bump(void) { return ++counter; }
__attribute__((weak)) int inline_copy(void) { return 9; }
__attribute__((weak)) int type_info_like[4] = {1};
C
echo 'DEMO_2 { global: scaled; };' > lib.map
gcc -shared -fPIC -Wl,-soname,libdemo.so.2 -Wl,--version-script=lib.map -o real/libdemo.so.2 lib.c
ln -s libdemo.so.2 real/libdemo.so
cat > main.c <<'C'
#include <stdio.h>
extern int table[100];
extern __thread int counter;
int add(int, int);
int scaled(int);
int bump(void);
int main(void) {
  bump();
  printf("%d %d %d %d %d\n", add(2, 3), scaled(4), table[0], table[99], counter);
  return 0;
}
C
python3 "$stubs" list real/libdemo.so.2 > listing.txt
grep -q "^tls counter$" listing.txt || { echo "FAIL: the listing does not mark counter thread-local"; exit 1; }
python3 "$stubs" make listing.txt stub
ln -s libdemo.so.2 stub/libdemo.so
[[ $(stat -c %s stub/libdemo.so.2) -lt 20000 ]] || { echo "FAIL: the stub's variables take file space"; exit 1; }
objdump -T stub/libdemo.so.2 | grep -q "DEMO_2 *scaled" || { echo "FAIL: the stub lost scaled's version"; exit 1; }
# -no-pie: the executable reads `table` through a copy relocation sized by the stub.
gcc -no-pie -o main main.c -Lstub -ldemo
got=$(LD_LIBRARY_PATH=real ./main)
[[ $got == "5 12 7 42 6" ]] || { echo "FAIL: against the real library: '$got', expected '5 12 7 42 6'"; exit 1; }
objdump -T stub/libdemo.so.2 | grep -q " inline_copy$" || { echo "FAIL: the link stub lost a weak symbol"; exit 1; }
# A stub loaded at run time must not offer weak symbols (C++ template copies) to other libraries.
python3 "$stubs" make --no_weak listing.txt runtime_stub > /dev/null
objdump -T runtime_stub/libdemo.so.2 | grep -q " inline_copy$" \
  && { echo "FAIL: --no_weak kept the weak symbol"; exit 1; }
objdump -T runtime_stub/libdemo.so.2 | grep -q " add$" || { echo "FAIL: --no_weak lost add"; exit 1; }
objdump -T runtime_stub/libdemo.so.2 | grep -q " type_info_like$" \
  || { echo "FAIL: --no_weak lost a weak variable (typeinfo that real libraries load against)"; exit 1; }
echo "PASS: linked against the stub, ran against the real library: $got"
