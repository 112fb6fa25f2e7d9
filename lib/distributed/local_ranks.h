// Tests of collectives with real ranks on localhost: the other ranks are the test binary
// itself, started again with a role variable set (a fresh process each: forking a process that
// already runs LibTorch's thread pools is not safe), reading their rank from torchrun's
// variables as the tools do.
//
//   int main(int argc, char** argv) {
//     if (const char* role = std::getenv("MY_TEST_ROLE")) return RunRole(role);  // ranks 1..
//     ...                                                                     // the tests
//   }
//   const int port = FreePort();
//   const pid_t one = StartRank("MY_TEST_ROLE", "sums", 1, 2, port);
//   ASSIGN_OR_RETURN(auto c, Communicator::Connect(LocalWorld(0, 2, port), {}));  // rank 0
//   EXPECT_EQ(ExitCode(one), 0);
#ifndef MAMMO_LIB_DISTRIBUTED_LOCAL_RANKS_H_
#define MAMMO_LIB_DISTRIBUTED_LOCAL_RANKS_H_

#include <sys/types.h>

#include <string>

#include "lib/distributed/world.h"

namespace mammo::distributed {

// A TCP port nobody listens on now (the kernel's choice for port 0).
int FreePort();

// Rank `rank` of `size` on 127.0.0.1:`port`, as the test process itself joins.
World LocalWorld(int rank, int size, int port);

// Starts this binary as rank `rank` of `size` with `role_variable`=`role` and torchrun's
// variables in its environment; returns its pid.
pid_t StartRank(const std::string& role_variable, const std::string& role, int rank, int size,
                int port);

// Waits for `pid`: its exit code, or 128 + the signal that killed it.
int ExitCode(pid_t pid);

}  // namespace mammo::distributed

#endif  // MAMMO_LIB_DISTRIBUTED_LOCAL_RANKS_H_
