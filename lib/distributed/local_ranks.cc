#include "lib/distributed/local_ranks.h"

#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include "absl/strings/str_cat.h"

extern char** environ;

namespace mammo::distributed {

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

World LocalWorld(int rank, int size, int port) {
  World world;
  world.rank = rank;
  world.size = size;
  world.launcher = "test";
  world.master_addr = "127.0.0.1";
  world.master_port = port;
  return world;
}

pid_t StartRank(const std::string& role_variable, const std::string& role, int rank, int size,
                int port) {
  std::vector<std::string> variables = {absl::StrCat(role_variable, "=", role),
                                        absl::StrCat("RANK=", rank),
                                        absl::StrCat("WORLD_SIZE=", size), "MASTER_ADDR=127.0.0.1",
                                        absl::StrCat("MASTER_PORT=", port)};
  for (char** e = environ; *e != nullptr; ++e) variables.push_back(*e);
  std::vector<char*> envp;
  for (std::string& v : variables) envp.push_back(v.data());
  envp.push_back(nullptr);
  std::string self = "/proc/self/exe";
  char* argv[] = {self.data(), nullptr};
  pid_t pid = 0;
  if (::posix_spawn(&pid, self.c_str(), nullptr, nullptr, argv, envp.data()) != 0) return -1;
  return pid;
}

int ExitCode(pid_t pid) {
  if (pid <= 0) return -1;
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace mammo::distributed
