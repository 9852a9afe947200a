#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/log.h"

namespace coreinfer {
namespace {

// Restores the logger's format and level (process-wide) after each test.
class LogTest : public ::testing::Test {
 protected:
  void SetUp() override { saved_level_ = log::level(); }
  void TearDown() override {
    log::set_format(log::Format::kText);
    log::set_level(saved_level_);
  }
  log::Level saved_level_ = log::Level::kInfo;
};

TEST_F(LogTest, JsonLinesCarryFieldsAsMembersWithNumbersAsNumbers) {
  log::set_level(log::Level::kInfo);
  log::set_format(log::Format::kJson);
  ::testing::internal::CaptureStderr();
  log::info("request", {log::field("path", "/v1/a \"b\"\n"), log::field("status", int64_t{429}),
                        log::field("latency_ms", 12.34)});
  const std::string out = ::testing::internal::GetCapturedStderr();
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back(), '\n');
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["msg"], "request");
  EXPECT_EQ(j["level"], "info");
  EXPECT_TRUE(j["ts"].is_string());
  EXPECT_EQ(j["path"], "/v1/a \"b\"\n");
  ASSERT_TRUE(j["status"].is_number_integer());
  EXPECT_EQ(j["status"].get<int>(), 429);
  ASSERT_TRUE(j["latency_ms"].is_number());
  EXPECT_DOUBLE_EQ(j["latency_ms"].get<double>(), 12.3);
}

TEST_F(LogTest, TextLinesCarryFieldsAsKeyValuePairs) {
  log::set_level(log::Level::kInfo);
  ::testing::internal::CaptureStderr();
  log::info("request", {log::field("method", "GET"), log::field("model", "my model"), log::field("status", int64_t{200})});
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(out.find(" info request method=GET model=\"my model\" status=200\n"), std::string::npos) << out;
}

TEST_F(LogTest, DisabledLevelsWriteNothing) {
  log::set_level(log::Level::kWarn);
  ::testing::internal::CaptureStderr();
  log::info("hidden", {log::field("k", "v")});
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

}  // namespace
}  // namespace coreinfer
