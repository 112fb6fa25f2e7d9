#include "lib/distributed/world.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mammo::distributed {
namespace {

using ::testing::HasSubstr;

GetEnv Environment(const std::map<std::string, std::string>& variables) {
  return [variables](const char* name) -> const char* {
    const auto it = variables.find(name);
    return it == variables.end() ? nullptr : it->second.c_str();
  };
}

TEST(WorldTest, NoLauncherIsOneProcess) {
  const World world = WorldFromEnvironment(Environment({{"HOME", "/root"}})).value();
  EXPECT_EQ(world.rank, 0);
  EXPECT_EQ(world.size, 1);
  EXPECT_EQ(world.launcher, "");
  EXPECT_EQ(world.ToString(), "one process");
}

TEST(WorldTest, TorchrunWithItsAgentStore) {
  const World world = WorldFromEnvironment(Environment({{"RANK", "2"},
                                                        {"WORLD_SIZE", "3"},
                                                        {"LOCAL_RANK", "0"},
                                                        {"MASTER_ADDR", "10.0.0.7"},
                                                        {"MASTER_PORT", "29400"},
                                                        {"TORCHELASTIC_USE_AGENT_STORE", "True"},
                                                        {"TORCHELASTIC_RESTART_COUNT", "1"}}))
                          .value();
  EXPECT_EQ(world.launcher, "torchrun");
  EXPECT_EQ(world.rank, 2);
  EXPECT_EQ(world.size, 3);
  EXPECT_EQ(world.master_addr, "10.0.0.7");
  EXPECT_EQ(world.master_port, 29400);
  EXPECT_TRUE(world.agent_store);
  EXPECT_EQ(world.store_prefix, "/worker/attempt_1");
  EXPECT_EQ(world.ToString(), "rank 2 of 3 (torchrun, master 10.0.0.7:29400)");
}

TEST(WorldTest, TorchrunWithoutAgentStoreServesItsOwn) {
  const World world = WorldFromEnvironment(Environment({{"RANK", "0"},
                                                        {"WORLD_SIZE", "2"},
                                                        {"MASTER_ADDR", "127.0.0.1"},
                                                        {"MASTER_PORT", "29500"}}))
                          .value();
  EXPECT_FALSE(world.agent_store);
  EXPECT_EQ(world.store_prefix, "");
}

TEST(WorldTest, TorchrunErrorsNameTheVariable) {
  EXPECT_THAT(std::string(WorldFromEnvironment(Environment({{"RANK", "0"}, {"WORLD_SIZE", "2"}}))
                              .status()
                              .message()),
              HasSubstr("MASTER_PORT is not set"));
  EXPECT_THAT(std::string(WorldFromEnvironment(Environment({{"RANK", "2"},
                                                            {"WORLD_SIZE", "2"},
                                                            {"MASTER_ADDR", "h"},
                                                            {"MASTER_PORT", "1"}}))
                              .status()
                              .message()),
              HasSubstr("RANK=2 does not fit WORLD_SIZE=2"));
  EXPECT_THAT(std::string(WorldFromEnvironment(Environment({{"RANK", "x"},
                                                            {"WORLD_SIZE", "2"},
                                                            {"MASTER_ADDR", "h"},
                                                            {"MASTER_PORT", "1"}}))
                              .status()
                              .message()),
              HasSubstr("RANK='x' is not a non-negative integer"));
}

TEST(WorldTest, SrunStepMeetsAtTheFirstNodeOnAPortOfTheStep) {
  const World world = WorldFromEnvironment(Environment({{"SLURM_PROCID", "1"},
                                                        {"SLURM_STEP_NUM_TASKS", "4"},
                                                        {"SLURM_LOCALID", "1"},
                                                        {"SLURM_JOB_ID", "1234"},
                                                        {"SLURM_STEP_ID", "2"},
                                                        {"SLURM_STEP_NODELIST", "gpu[07-08]"}}))
                          .value();
  EXPECT_EQ(world.launcher, "srun");
  EXPECT_EQ(world.rank, 1);
  EXPECT_EQ(world.size, 4);
  EXPECT_EQ(world.local_rank, 1);
  EXPECT_EQ(world.master_addr, "gpu07");
  EXPECT_EQ(world.master_port, SlurmPort(1234, 2));
  EXPECT_FALSE(world.agent_store);
}

TEST(WorldTest, SrunTakesMasterAddrAndPortWhenSet) {
  const World world = WorldFromEnvironment(Environment({{"SLURM_PROCID", "0"},
                                                        {"SLURM_STEP_NUM_TASKS", "2"},
                                                        {"SLURM_JOB_ID", "9"},
                                                        {"MASTER_ADDR", "head"},
                                                        {"MASTER_PORT", "31000"},
                                                        {"SLURM_STEP_NODELIST", "n1"}}))
                          .value();
  EXPECT_EQ(world.master_addr, "head");
  EXPECT_EQ(world.master_port, 31000);
}

TEST(WorldTest, BatchScriptOfASlurmJobIsOneProcess) {
  // sbatch -n 2 sets SLURM_NTASKS=2 in the batch script too, which is still one process.
  const World world =
      WorldFromEnvironment(
          Environment({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}, {"SLURM_JOB_ID", "9"}}))
          .value();
  EXPECT_EQ(world.size, 1);
}

TEST(WorldTest, SlurmPortsOfNeighbouringStepsDiffer) {
  EXPECT_NE(SlurmPort(100, 0), SlurmPort(100, 1));
  EXPECT_NE(SlurmPort(100, 0), SlurmPort(101, 0));
  for (uint64_t job : {0ull, 99999ull, 123456789ull}) {
    EXPECT_GE(SlurmPort(job, 3), 20000);
    EXPECT_LT(SlurmPort(job, 3), 30000);
  }
}

TEST(WorldTest, FirstSlurmHost) {
  EXPECT_EQ(FirstSlurmHost("n1").value(), "n1");
  EXPECT_EQ(FirstSlurmHost("n1,n2").value(), "n1");
  EXPECT_EQ(FirstSlurmHost("node[03-05,9],gpu1").value(), "node03");
  EXPECT_EQ(FirstSlurmHost("node[9,03-05]").value(), "node9");
  EXPECT_EQ(FirstSlurmHost("rack[2-3]-n[001-004]-ib").value(), "rack2-n001-ib");
  EXPECT_THAT(std::string(FirstSlurmHost("node[1-2").status().message()),
              HasSubstr("'[' without ']'"));
  EXPECT_THAT(std::string(FirstSlurmHost("node1]").status().message()),
              HasSubstr("']' without '['"));
  EXPECT_FALSE(FirstSlurmHost("").ok());
}

}  // namespace
}  // namespace mammo::distributed
