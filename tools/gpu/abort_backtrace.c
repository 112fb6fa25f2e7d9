// Loaded with LD_PRELOAD, prints the stack of a process that aborts or crashes, then lets the
// signal kill it as before. For the GPU machine, which has no debugger: the backtrace names
// each frame's library and offset, which resolve here against the same bundled libraries.
#include <execinfo.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static void PrintBacktraceAndDie(int signal_number) {
  void* frames[64];
  int count = backtrace(frames, 64);
  const char* header = "abort_backtrace: fatal signal, stack:\n";
  ssize_t ignored = write(STDERR_FILENO, header, strlen(header));
  (void)ignored;
  backtrace_symbols_fd(frames, count, STDERR_FILENO);
  signal(signal_number, SIG_DFL);
  raise(signal_number);
}

__attribute__((constructor)) static void InstallHandlers(void) {
  // The first backtrace() loads libgcc_s; doing it here keeps dlopen out of the handler.
  void* frame;
  backtrace(&frame, 1);
  signal(SIGABRT, PrintBacktraceAndDie);
  signal(SIGSEGV, PrintBacktraceAndDie);
}
