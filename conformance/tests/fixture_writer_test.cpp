// The fixture files carry exactly the bytes the in-process suite uses.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "fixture_writer.hpp"
#include "reference.hpp"

namespace nineml::conformance {
namespace {

TEST(FixtureWriter, NpyFilesMatchInMemoryInputs) {
  auto dir = std::filesystem::temp_directory_path() / ("nineml-fixtures-" + std::to_string(::getpid()));
  Selection s;
  s.kernels = {"softmax", "dequant_q4_0", "rng"};
  auto sum = write_fixtures(s, dir.string());
  EXPECT_GT(sum.cases, 0u);
  std::ifstream mf(dir / "manifest.json");
  auto manifest = nlohmann::json::parse(mf);
  ASSERT_EQ(manifest["cases"].size(), sum.cases);
  for (const auto& jc : manifest["cases"]) {
    CaseSpec c = CaseSpec::parse(jc["key"].get<std::string>());
    Tensors in = find_kernel(c.kernel)->inputs(c);
    ASSERT_EQ(jc["inputs"].size(), in.size());
    for (size_t i = 0; i < in.size(); i++) {
      auto disk = fixtures::npy_read((dir / jc["inputs"][i]["file"].get<std::string>()).string());
      auto mem = in[i].to_npy();
      EXPECT_EQ(disk.dtype, mem.dtype);
      EXPECT_EQ(disk.shape, mem.shape);
      EXPECT_EQ(disk.data, mem.data) << jc["key"];
    }
  }
  // The generated models load with the reference's own reader.
  for (const auto& m : manifest["models"]) {
    auto ck = ref::load_v0((dir / m["file"].get<std::string>()).string());
    EXPECT_EQ(ck.config.dim, m["dim"].get<int>());
    EXPECT_EQ(ck.config.shared_classifier, m["shared_classifier"].get<bool>());
  }
  std::filesystem::remove_all(dir);
}

TEST(Npy, MalformedFilesGiveOneLineErrors) {
  std::vector<uint8_t> junk = {'n', 'o', 't', ' ', 'n', 'p', 'y', 0, 0, 0, 0};
  try {
    fixtures::npy_decode(junk, "junk.npy");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "junk.npy: not an .npy file (bad magic)");
  }
  fixtures::NpyArray a{"<f4", {4}, std::vector<uint8_t>(16, 0)};
  auto bytes = fixtures::npy_encode(a);
  bytes.resize(bytes.size() - 1);
  EXPECT_THROW(fixtures::npy_decode(bytes, "short.npy"), std::runtime_error);
  auto ok = fixtures::npy_encode(a);
  EXPECT_EQ(fixtures::npy_decode(ok, "ok.npy").data, a.data);
  EXPECT_EQ(ok.size() % 64, 16u);  // header padded to 64 bytes, then 16 data bytes
}

}  // namespace
}  // namespace nineml::conformance
