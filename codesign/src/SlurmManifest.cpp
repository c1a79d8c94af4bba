// The manifest of a Slurm sweep run as YAML (docs/codesign.md): written by the submitting npuc, read by every array
// task and by the merge job, possibly on other hosts.
#include "npu/codesign/Slurm.h"

#include "ReadText.h"

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace npu::codesign {

std::vector<std::pair<uint64_t, std::string>> SlurmManifest::shardPoints(unsigned Shard) const {
  std::vector<std::pair<uint64_t, std::string>> R;
  for (size_t K = Shard; Shards && K < Points.size(); K += Shards)
    R.push_back(Points[K]);
  return R;
}

Status writeManifest(const SlurmManifest &M) {
  YAML::Emitter E;
  E << YAML::BeginMap;
  E << YAML::Key << "version" << YAML::Value << 1;
  for (const auto &[Key, Value] : {std::pair<const char *, const std::string *>{"db", &M.Db},
                                   {"cwd", &M.Cwd},
                                   {"npuc", &M.Npuc},
                                   {"backend", &M.Backend},
                                   {"compiler_version", &M.CompilerVersion}})
    E << YAML::Key << Key << YAML::Value << YAML::DoubleQuoted << *Value;
  E << YAML::Key << "shards" << YAML::Value << M.Shards;
  E << YAML::Key << "models" << YAML::Value << YAML::Flow << M.Args.Models;
  E << YAML::Key << "options" << YAML::Value << YAML::BeginSeq;
  for (const auto &[Flag, Value] : M.Args.Options)
    E << YAML::Flow << YAML::BeginSeq << Flag << Value << YAML::EndSeq;
  E << YAML::EndSeq;
  E << YAML::Key << "model_hashes" << YAML::Value << M.ModelHashes;
  E << YAML::Key << "points" << YAML::Value << YAML::BeginSeq;
  for (const auto &[Index, Hash] : M.Points)
    E << YAML::Flow << YAML::BeginSeq << Index << Hash << YAML::EndSeq;
  E << YAML::EndSeq << YAML::EndMap;
  const std::string Tmp = M.path() + ".tmp";
  {
    std::ofstream Out(Tmp);
    Out << "# npuc sweep --executor slurm: the points of this run and the "
           "sweep's arguments (docs/codesign.md)\n"
        << E.c_str() << "\n";
    if (!Out.flush())
      return makeError(Tmp, ": cannot write the Slurm manifest");
  }
  if (std::rename(Tmp.c_str(), M.path().c_str()) != 0)
    return makeError(M.path(), ": cannot write the Slurm manifest");
  return Status::ok();
}

namespace {

/// Reads the manifest's fields from Root; throws YAML exceptions for missing keys or wrong types.
SlurmManifest fromYaml(const YAML::Node &Root, const std::string &Path) {
  SlurmManifest M;
  M.Dir = std::filesystem::absolute(Path).lexically_normal().parent_path().string();
  M.Db = Root["db"].as<std::string>();
  M.Cwd = Root["cwd"].as<std::string>();
  M.Npuc = Root["npuc"].as<std::string>();
  M.Backend = Root["backend"].as<std::string>();
  M.CompilerVersion = Root["compiler_version"].as<std::string>();
  M.Shards = Root["shards"].as<unsigned>();
  M.Args.Models = Root["models"].as<std::vector<std::string>>();
  for (const YAML::Node &O : Root["options"])
    M.Args.Options.push_back({O[0].as<std::string>(), O[1].as<std::string>()});
  M.ModelHashes = Root["model_hashes"].as<std::vector<std::string>>();
  for (const YAML::Node &P : Root["points"])
    M.Points.push_back({P[0].as<uint64_t>(), P[1].as<std::string>()});
  return M;
}

} // namespace

Expected<SlurmManifest> readManifest(const std::string &Path) {
  auto Text = readText(Path, "Slurm manifest");
  if (!Text)
    return Text.error();
  try {
    const YAML::Node Root = YAML::Load(*Text);
    if (!Root.IsMap() || !Root["version"] || Root["version"].as<int>() != 1)
      return makeError(Path, ": not a version 1 npuc sweep Slurm manifest");
    SlurmManifest M = fromYaml(Root, Path);
    if (M.Shards == 0)
      return makeError(Path, ": shards must be at least 1");
    return M;
  } catch (const YAML::Exception &E) {
    return makeError(Path, ":", E.mark.line + 1, ": ", E.msg);
  }
}

} // namespace npu::codesign
